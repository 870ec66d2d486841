"""Recompute scalp-paradoxical-lateralisation's numbers from the replayed simulations (contract:
evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each condition is the latest Generic2dOscillator run
whose region stimulus weights lV1 alone (or rV1 alone) and which has an EEG monitor recording V (the replay rebuilds
EEG as `EEG.from_file()` does: eeg_brainstorm_65, whose labels are read here from the same file). The onset is the
stimulus equation's own (1000 ms when it has none). Per electrode: the largest |EEG - mean over (onset - 50, onset)|
in [onset, onset + 300 ms); strongest non-midline electrode and (R - L) / (R + L) by the 10-10 label rule.
"""
import re

import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import stimulated_labels, stimulus_onset

_LABELS = []


def electrode_labels():
    if not _LABELS:
        from tvb.datatypes.sensors import SensorsEEG

        s = SensorsEEG.from_file()
        _LABELS.extend(str(x) for x in s.labels)
    return _LABELS


def side(label):
    digits = re.findall(r"(\d+)$", label.split("/")[0])
    return "mid" if not digits else ("left" if int(digits[0]) % 2 else "right")


def summary(times, v, onset, electrodes):
    """The reference's analysis on v (time x electrodes)."""
    baseline = v[(times > onset - 50.0) & (times < onset)].mean(axis=0)
    response = np.abs(v[(times >= onset) & (times < onset + 300.0)] - baseline).max(axis=0)
    sides = np.array([side(e) for e in electrodes])
    lateral = np.where(sides != "mid")[0]
    right, left = response[sides == "right"].mean(), response[sides == "left"].mean()
    return electrodes[lateral[np.argmax(response[lateral])]], float((right - left) / (right + left))


def recompute(runs):
    out = {}
    for target, tag in (("lV1", "lv1"), ("rV1", "rv1")):
        for run, k in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("EEG",), voi="V"):
            if run.monitors[k]["class"] != "EEG" or stimulated_labels(run) != [target]:
                continue
            times, data, _ = series(runs, run, k)
            onset = stimulus_onset(run, 1000.0)
            electrodes = electrode_labels()
            if data.shape[2] != len(electrodes) or not ((times > onset - 50.0) & (times < onset)).any():
                continue
            best, lat = summary(times, data[:, run.voi(k, "V"), :, 0], onset, electrodes)
            out[f"strongest_lateral_electrode_{tag}"] = best
            out[f"lateralisation_{tag}"] = lat
            break
    return out
