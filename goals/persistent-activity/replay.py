"""Recompute persistent-activity's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation (abstract tier: any model recording S; in practice
TVB's ReducedWongWang): the last stimulated run with a monitor recording S (a TemporalAverage preferred) that
reaches past 2500 ms, continued runs of one simulator joined. The input strengths are the stimulus weights as
simulated (the trace's full weight array). Quiet level: mean S over samples in (500, 1000] ms and all populations;
late S: each population's mean after 2500 ms; switched: late S > 0.36; active level: mean late S of the switched;
threshold: the smallest weight among the switched.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series


def analyse(times, s, strength):
    before = s[(times > 500.0) & (times <= 1000.0)].mean(axis=0)
    after = s[times > 2500.0].mean(axis=0)
    switched = after > 0.36
    if not switched.any():
        return None
    return {"quiet_level": float(before.mean()), "active_level": float(after[switched].mean()),
            "switching_threshold_per_ms": float(strength[switched].min()), "populations_switched": int(switched.sum())}


def _weights(run, n):
    weight = (run.stimulus or {}).get("weight")
    values = weight.get("values") if isinstance(weight, dict) and not weight.get("truncated") else weight
    try:
        out = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return out if out.size == n else None


def recompute(runs):
    stimulated = [r for r in runs if r.stimulus]
    for run, k in find_outputs(stimulated, monitor_classes=("TemporalAverage",), voi="S"):
        times, data, _ = series(stimulated, run, k)
        s = data[:, run.voi(k, "S"), :, 0]
        strength = _weights(run, s.shape[1])
        if strength is None or not (times > 2500.0).any() or not ((times > 500.0) & (times <= 1000.0)).any():
            continue
        value = analyse(times, s, strength)
        if value is not None:
            return value
    return {}
