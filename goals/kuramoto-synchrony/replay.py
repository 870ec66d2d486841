"""Recompute kuramoto-synchrony's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. A condition is recognised from the simulated
coupling strength: the latest Kuramoto run whose coupling has a = 0.001 (weak) or a = 0.02 (strong), runs with
noise and the Kuramoto coupling function (as GOAL.md asks) preferred, whose monitor records theta (1 ms
TemporalAverage preferred) past 1000 ms, continued runs of one simulator joined. R(t) = |mean over regions of
exp(i theta)| after the first 1000 ms, averaged over time.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 1000.0
WEAK, STRONG = 0.001, 0.02


def order_parameter(times, theta):
    """The reference's analysis on theta (time x regions): time average of R(t) after the transient."""
    late = theta[times > TRANSIENT_MS]
    return float(np.abs(np.exp(1j * late).mean(axis=1)).mean())


def _coupling_a(run):
    a = ((run.coupling or {}).get("params") or {}).get("a")
    try:
        values = np.asarray(a, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return float(values[0]) if values.size and np.all(values == values[0]) else None


def _order(runs, strength):
    candidates = []
    for run, k in find_outputs(runs, model="Kuramoto", monitor_classes=("TemporalAverage",), voi="theta"):
        a = _coupling_a(run)
        if a is None or abs(a - strength) > 1e-6 * max(1.0, strength) + 1e-9:
            continue
        times, data, _ = series(runs, run, k)
        if not (times > TRANSIENT_MS).any():
            continue
        candidates.append((run, k, times, data))
    if not candidates:
        return None
    as_asked = [c for c in candidates if c[0].stochastic and (c[0].coupling or {}).get("class") == "Kuramoto"]
    run, k, times, data = (as_asked or candidates)[0]       # latest first
    return order_parameter(times, data[:, run.voi(k, "theta"), :, 0])


def recompute(runs):
    out = {}
    for key, strength in (("order_weak", WEAK), ("order_strong", STRONG)):
        value = _order(runs, strength)
        if value is not None:
            out[key] = value
    return out
