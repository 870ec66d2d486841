"""Recompute connectivity-normalisation's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. The two conditions are told apart by the weights
each run simulated (the replayed connectivity), never by what the notebook says:
- raw: the default connectome's weights, unchanged;
- normalised: those weights divided by their maximum (max 1; what `scaled_weights(mode='tract')` returns).
Only Generic2dOscillator runs with Linear coupling a = 0.2 count (GOAL.md: the same strength for both); per
condition the last such run is used, continued runs of one simulator joined, with a monitor recording V (1 ms
TemporalAverage preferred). The weight statistics are those of the simulated connectivity (max and mean over all
entries); the activity is the first recorded variable after 500 ms, its temporal standard deviation per region,
averaged over regions.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import default_weights

TRANSIENT_MS = 500.0
COUPLING = 0.2


def activity_std(times, v):
    """The reference's analysis of v (time x regions)."""
    return float(v[times > TRANSIENT_MS].std(axis=0).mean())


def _coupling_a(run):
    cpl = run.coupling or {}
    a = (cpl.get("params") or {}).get("a")
    return float(a) if cpl.get("class") == "Linear" and isinstance(a, (int, float)) and not isinstance(a, bool) else None


def _condition(run, default):
    weights = getattr(run.connectivity, "weights", None)
    if weights is None or np.shape(weights) != default.shape:
        return None
    if np.array_equal(weights, default):
        return "raw"
    if np.allclose(weights, default / default.max(), rtol=1e-12, atol=0.0):
        return "norm"
    return None


def recompute(runs):
    candidates = [r for r in runs if r.model == "Generic2dOscillator" and _coupling_a(r) is not None
                  and abs(_coupling_a(r) - COUPLING) <= 1e-6 and r.connectivity is not None]
    if not candidates:
        return {}
    default = default_weights()
    out = {}
    for name in ("raw", "norm"):
        pool = [r for r in candidates if _condition(r, default) == name]
        for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="V"):
            times, data, _ = series(pool, run, k)
            if not (times > TRANSIENT_MS).any():
                continue   # nothing after the transient: an earlier run may be the analysed one
            weights = run.connectivity.weights
            out[f"{name}_max_weight"] = float(weights.max())
            out[f"{name}_mean_weight"] = float(weights.mean())
            out[f"std_activity_{name}"] = activity_std(times, data[:, 0, :, 0])
            break
    return out
