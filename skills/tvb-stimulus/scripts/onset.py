"""When did a response start? Baseline statistics before a stimulus and the first crossing of a threshold."""
import numpy as np


def baseline(times, signal, before_ms, after_ms=0.0):
    """(mean, sd) of `signal` over after_ms < t < before_ms (e.g. the quiet period before the stimulus onset)."""
    times, signal = np.asarray(times, dtype=float).ravel(), np.asarray(signal, dtype=float).ravel()
    window = (times > after_ms) & (times < before_ms)
    if window.sum() < 2:
        raise ValueError(f"fewer than 2 samples between {after_ms} and {before_ms} ms: widen the baseline window")
    return float(signal[window].mean()), float(signal[window].std())


def first_crossing(times, signal, threshold, after_ms=0.0, direction="up"):
    """The first time (ms) at or after `after_ms` when `signal` crosses `threshold` (direction "up": from below
    to at or above; "down": from above to at or below; "either"), or None when it never does."""
    if direction not in ("up", "down", "either"):
        raise ValueError(f"direction must be 'up', 'down' or 'either', not {direction!r}")
    times, signal = np.asarray(times, dtype=float).ravel(), np.asarray(signal, dtype=float).ravel()
    if len(times) != len(signal):
        raise ValueError(f"{len(times)} times but {len(signal)} samples: pass one region's signal (1-D)")
    keep = times >= after_ms
    t, x = times[keep], signal[keep]
    above = x >= threshold
    below = x <= threshold
    up = np.flatnonzero(~above[:-1] & above[1:]) + 1
    down = np.flatnonzero(~below[:-1] & below[1:]) + 1
    hits = {"up": up, "down": down, "either": np.union1d(up, down)}[direction]
    return float(t[hits[0]]) if hits.size else None
