"""Recompute cabral-metastability's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each coupling k is the last Kuramoto run whose
simulated Kuramoto coupling a equals k / 1000 (read from the replayed run, never from what the notebook says),
continued runs of one simulator joined, with a monitor recording theta (a TemporalAverage preferred). Per k, after
1000 ms: R(t) = |mean over regions of exp(i theta)|; synchrony = mean R, metastability = std of R, collective
frequency = unwrapped phase advance of the mean field / (2 pi elapsed time), in Hz. Nothing is returned unless all
three couplings were simulated.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import trace_number

COUPLINGS = [5.0, 15.0, 40.0]
TRANSIENT_MS = 1000.0


def order_statistics(times, theta):
    """The reference's analysis of theta (time x regions): (synchrony, metastability, frequency in Hz), or None."""
    late = times > TRANSIENT_MS
    if late.sum() < 2:
        return None
    z = np.exp(1j * theta[late]).mean(axis=1)
    r = np.abs(z)
    phase = np.unwrap(np.angle(z))
    frequency = (phase[-1] - phase[0]) / (2 * np.pi * (times[late][-1] - times[late][0])) * 1000.0
    return float(r.mean()), float(r.std()), float(frequency)


def _a(run):
    cpl = run.coupling or {}
    return trace_number((cpl.get("params") or {}).get("a")) if cpl.get("class") == "Kuramoto" else None


def _point(runs, k):
    pool = [r for r in runs if r.model == "Kuramoto" and _a(r) is not None and abs(_a(r) - k / 1000.0) <= 1e-9]
    for run, m in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="theta"):
        times, data, _ = series(pool, run, m)
        value = order_statistics(times, data[:, run.voi(m, "theta"), :, 0])
        if value is not None:
            return _a(run) * 1000.0, value
    return None


def recompute(runs):
    found = [_point(runs, k) for k in COUPLINGS]
    if any(f is None for f in found):
        return {}
    return {"coupling_per_s": [f[0] for f in found], "synchrony": [f[1][0] for f in found],
            "metastability": [f[1][1] for f in found], "collective_frequency_hz": [f[1][2] for f in found]}
