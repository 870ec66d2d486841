"""Recompute conduction-delay's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations (abstract tier: any model). The two conditions
are the stimulated runs whose simulated connectome had conduction velocity 3 mm/ms (slow) and 10 mm/ms
(fast), read from the replayed connectivity's `speed`, never from what the notebook says; per velocity the
last such run is used, continued runs of one simulator joined. The pulse onset is the simulated pulse's own
(the stimulus equation's `onset` parameter, e.g. equations.PulseTrain); a run whose stimulus equation has no
onset is not used. The monitor is the finest one (smallest period; a TemporalAverage preferred at equal
periods), its first recorded variable at rV2 (found by label). Latency: the first sample after the onset whose
deviation from the value at the last sample at or before the onset exceeds 10 % of the largest deviation
within the 200 ms after the onset, minus the onset.
"""
import numpy as np

from evaluators.tvb.replay import series
from evaluators.tvb.replay.setup import stimulus_onset

VELOCITIES = {"slow": 3.0, "fast": 10.0}
WINDOW_MS = 200.0
FRACTION = 0.1
TARGET = "rV2"


def latency(times, v, onset):
    """The reference's analysis of v (one region's signal over time); None when it cannot be measured."""
    before = times <= onset
    after = (times > onset) & (times <= onset + WINDOW_MS)
    if not before.any() or not after.any():
        return None
    deviation = np.abs(v[after] - v[before][-1])
    first = np.argmax(deviation > FRACTION * deviation.max())
    return float(times[after][first] - onset)


def _speed(run):
    speed = getattr(run.connectivity, "speed", None)
    if speed is None:
        return None
    speed = np.asarray(speed, dtype=float).ravel()
    return float(speed[0]) if speed.size and np.all(speed == speed[0]) else None


def _monitor(run):
    """Index of the finest monitor that produced samples (TemporalAverage first at equal periods), or None."""
    found = [(d["period"], d["class"] != "TemporalAverage", i) for i, d in enumerate(run.monitors)
             if len(run.outputs[i][0]) and d.get("voi")]
    return min(found)[2] if found else None


def _latency(runs, velocity):
    stimulated = [r for r in runs if r.stimulus]
    for run in reversed(stimulated):
        speed, onset, k = _speed(run), stimulus_onset(run), _monitor(run)
        i = run.label_index(TARGET)
        if speed is None or abs(speed - velocity) > 1e-6 * velocity or onset is None or k is None or i is None:
            continue
        times, data, _ = series(stimulated, run, k)
        value = latency(times, data[:, 0, i, 0], onset)
        if value is not None:
            return value
    return None


def recompute(runs):
    slow, fast = _latency(runs, VELOCITIES["slow"]), _latency(runs, VELOCITIES["fast"])
    out = {}
    if slow is not None:
        out["latency_slow_ms"] = slow
    if fast is not None:
        out["latency_fast_ms"] = fast
    if slow is not None and fast is not None:
        out["latency_difference_ms"] = slow - fast
    return out
