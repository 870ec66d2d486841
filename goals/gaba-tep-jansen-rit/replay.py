"""Recompute gaba-tep-jansen-rit's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. A condition is recognised from what was
simulated: a JansenRit run whose region stimulus weights lM1 alone, with a_4 = 0.25 (control, C4 = 33.75) or
a_4 = 0.2 (reduced inhibition, C4 = 27); among those, runs with mu = 0.05 (as GOAL.md asks) are preferred, then
the latest run; its monitor must record y1 and y2 (1 ms TemporalAverage preferred), continued runs of one
simulator joined. The evoked response is the peak-to-peak of y1 - y2 at lM1 over [onset, onset + 300 ms), the
onset being the simulated pulse's own (the equation's `onset` parameter; 1000 ms when it has none).
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import stimulated_labels, stimulus_onset

ONSET_MS = 1000.0
WINDOW_MS = 300.0
TARGET = "lM1"
A4_CONTROL, A4_REDUCED, MU = 0.25, 0.2, 0.05


def tep_ptp(times, v, onset):
    """The reference's analysis: peak-to-peak of the pyramidal potential v (time,) over [onset, onset + 300)."""
    window = (times >= onset) & (times < onset + WINDOW_MS)
    return float(np.ptp(v[window]))


def _param_is(run, name, value):
    x = run.model_params.get(name)
    if x is None:
        return False
    x = np.asarray(x, dtype=float).ravel()
    return x.size > 0 and bool(np.all(np.abs(x - value) <= 1e-6))


def _ptp(runs, a4):
    """The evoked response of the condition with this a_4, or None when no run fits."""
    candidates = []
    for run, k in find_outputs(runs, model="JansenRit", monitor_classes=("TemporalAverage",), voi=("y1", "y2")):
        m1 = run.label_index(TARGET)
        if stimulated_labels(run) != [TARGET] or m1 is None or not _param_is(run, "a_4", a4):
            continue
        times, data, _ = series(runs, run, k)
        onset = stimulus_onset(run, ONSET_MS)
        if not (len(times) and times.max() > onset):
            continue
        candidates.append((run, k, times, data, onset, m1))
    if not candidates:
        return None
    preferred = [c for c in candidates if _param_is(c[0], "mu", MU)] or candidates
    run, k, times, data, onset, m1 = preferred[0]          # latest first
    v = data[:, run.voi(k, "y1"), m1, 0] - data[:, run.voi(k, "y2"), m1, 0]
    return tep_ptp(times, v, onset)


def recompute(runs):
    out = {}
    control, reduced = _ptp(runs, A4_CONTROL), _ptp(runs, A4_REDUCED)
    if control is not None:
        out["ptp_control_mv"] = control
    if reduced is not None:
        out["ptp_reduced_mv"] = reduced
    if control is not None and reduced is not None and control != 0:
        out["ptp_ratio"] = reduced / control
    return out
