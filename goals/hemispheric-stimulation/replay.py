"""Recompute hemispheric-stimulation's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each condition is the latest
Generic2dOscillator run whose region stimulus weights lV1 alone (left stimulus) or rV1 alone (right stimulus)
and whose monitor records V (1 ms TemporalAverage preferred), continued runs of one simulator joined. The onset is
the simulated pulse's own (the stimulus equation's `onset` parameter; 1500 ms as GOAL.md asks when it has none).
Per region: the largest |V - baseline| over [onset, onset + 300 ms), the baseline being the mean V over
(onset - 50, onset); averaged over the regions of the opposite hemisphere (labels starting with "r" / "l").
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import stimulated_labels, stimulus_onset

ONSET_MS = 1500.0
BASELINE_MS = 50.0
WINDOW_MS = 300.0


def contralateral_response(times, v, onset, opposite):
    """The reference's analysis on v (time x regions): mean over `opposite` of each region's peak deviation."""
    baseline = v[(times > onset - BASELINE_MS) & (times < onset)].mean(axis=0)
    peak = np.abs(v[(times >= onset) & (times < onset + WINDOW_MS)] - baseline).max(axis=0)
    return float(peak[opposite].mean())


def _response(runs, target, opposite_prefix):
    for run, k in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("TemporalAverage",), voi="V"):
        if stimulated_labels(run) != [target]:
            continue
        times, data, _ = series(runs, run, k)
        onset = stimulus_onset(run, ONSET_MS)
        baseline = (times > onset - BASELINE_MS) & (times < onset)
        window = (times >= onset) & (times < onset + WINDOW_MS)
        opposite = np.array([i for i, lab in enumerate(run.region_labels) if lab.startswith(opposite_prefix)], dtype=int)
        if not (baseline.any() and window.any() and opposite.size):
            continue
        return contralateral_response(times, data[:, run.voi(k, "V"), :, 0], onset, opposite)
    return None


def recompute(runs):
    out = {}
    left, right = _response(runs, "lV1", "r"), _response(runs, "rV1", "l")
    if left is not None:
        out["left_stim_contralateral_response"] = left
    if right is not None:
        out["right_stim_contralateral_response"] = right
    if left is not None and right is not None and left + right != 0:
        out["spread_asymmetry"] = (left - right) / (left + right)
    return out
