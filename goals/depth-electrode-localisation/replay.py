"""Recompute depth-electrode-localisation's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each condition is the latest Generic2dOscillator run
whose region stimulus weights rHC alone (or rV1 alone) and which has an iEEG monitor recording V, continued runs of
one simulator joined. The replay rebuilds the iEEG monitor from the tvb_data files the trace identifies (sensors,
region mapping, projection or TVB's analytic gain) with its observation noise as configured, so the contact labels
are those of the sensors file it loaded (`monitors[k]["labels"]`). The onset is the stimulus equation's own (1000 ms
when it has none). Per contact: the largest |potential - mean over (onset - 50, onset)| in [onset, onset + 300 ms);
the strongest contact's label and largest / median over contacts.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import stimulated_labels, stimulus_onset


def responses(times, v, onset):
    """The reference's evoked response per contact of v (time x contacts); None without a pre-stimulus window."""
    before = (times > onset - 50.0) & (times < onset)
    after = (times >= onset) & (times < onset + 300.0)
    if not before.any() or not after.any():
        return None
    baseline = v[before].mean(axis=0)
    return np.abs(v[after] - baseline).max(axis=0)


def recompute(runs):
    out = {}
    for target, tag in (("rHC", "rhc"), ("rV1", "rv1")):
        for run, k in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("iEEG",), voi="V"):
            if run.monitors[k]["class"] != "iEEG" or stimulated_labels(run) != [target]:
                continue
            times, data, _ = series(runs, run, k)
            labels = run.monitors[k].get("labels") or []
            response = responses(times, data[:, run.voi(k, "V"), :, 0], stimulus_onset(run, 1000.0))
            if response is None or len(labels) != response.shape[0]:
                continue
            out[f"strongest_contact_{tag}"] = str(labels[int(np.argmax(response))])
            out[f"focality_{tag}"] = float(response.max() / np.median(response))
            break
    return out
