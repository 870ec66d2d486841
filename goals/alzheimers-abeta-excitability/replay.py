"""Recompute alzheimers-abeta-excitability's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. The two conditions are told apart by the
Generic2dOscillator `a` each run simulated (model_params, as re-run), never by what the notebook says:
- control: a = -2.0 in every region;
- heterogeneous Abeta: a per-region array with a = 3.0 in the eight hub regions (found by label) and -1.0 in
  every other region.
Per condition the last such run is used (stochastic runs preferred, as GOAL.md asks for noise), continued runs
of one simulator joined, with a monitor recording V (1 ms TemporalAverage preferred). Analysis: the first
recorded variable after 1000 ms, Welch spectrum per region (1 s segments, nperseg 1000 at 1 ms), averaged over
regions; the frequency of its largest value between 2 and 20 Hz.
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 1000.0
SEGMENT_MS = 1000.0
BAND_HZ = (2.0, 20.0)
HUBS = ("rPCM", "lPCM", "rCCP", "lCCP", "rPFCM", "lPFCM", "rHC", "lHC")
CONTROL_A, HUB_A, OTHER_A = -2.0, 3.0, -1.0
TOL = 1e-3                 # as check.py identifies the conditions


def peak_frequency(times, v, period_ms):
    """The reference's analysis: peak (2-20 Hz) of the region-averaged Welch spectrum of v (time x regions)."""
    v = v[times > TRANSIENT_MS]
    f, p = signal.welch(v, fs=1000.0 / period_ms, nperseg=int(round(SEGMENT_MS / period_ms)), axis=0)
    p_mean = p.mean(axis=1)
    band = (f >= BAND_HZ[0]) & (f <= BAND_HZ[1])
    return float(f[band][np.argmax(p_mean[band])])


def _condition(run):
    """"control", "abeta" or None, from the `a` the run simulated."""
    a = run.model_params.get("a")
    if a is None:
        return None
    a = np.asarray(a, dtype=float).ravel()
    if a.size and np.all(np.abs(a - CONTROL_A) <= TOL):
        return "control"
    n = len(run.region_labels)
    hubs = [run.label_index(h) for h in HUBS]
    if a.size != n or any(i is None for i in hubs):
        return None
    expected = np.full(n, OTHER_A)
    expected[hubs] = HUB_A
    return "abeta" if np.all(np.abs(a - expected) <= TOL) else None


def _peak(runs, condition):
    chosen = [r for r in runs if r.model == "Generic2dOscillator" and _condition(r) == condition]
    for pool in ([r for r in chosen if r.stochastic], chosen):
        for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="V"):
            times, data, _ = series(pool, run, k)
            if int((times > TRANSIENT_MS).sum()) < 2:
                continue   # nothing to analyse after the transient: an earlier run may be the analysed one
            return peak_frequency(times, data[:, 0, :, 0], run.monitors[k]["period"])
    return None


def recompute(runs):
    out = {}
    control, abeta = _peak(runs, "control"), _peak(runs, "abeta")
    if control is not None:
        out["peak_control_hz"] = control
    if abeta is not None:
        out["peak_abeta_hz"] = abeta
    if control is not None and abeta is not None:
        out["peak_shift_hz"] = abeta - control
    return out
