"""Reading a replayed run's set-up, for goal authors' `recompute(runs)`: the small helpers every condition-picking
recompute needs (a goal tells its conditions apart by what was simulated: parameters, stimulus, connectome).

Contract: pure reads of a `ReplayedRun` or of trace-encoded values; None where the value is absent or not a single
number. Standard library at import (numpy and TVB are imported where used).
"""
from __future__ import annotations

from typing import Any

_DEFAULT_WEIGHTS: list = []  # the default connectome's weights, loaded once per replay process


def trace_number(encoded: Any) -> float | None:
    """A trace-encoded number (plain, or an array whose values are all equal) as float; None otherwise."""
    if isinstance(encoded, bool):
        return None
    if isinstance(encoded, (int, float)):
        return float(encoded)
    if isinstance(encoded, dict) and isinstance(encoded.get("min"), (int, float)) and encoded.get("min") == encoded.get("max"):
        return float(encoded["min"])
    return None


def close(a: float | None, b: float, atol: float = 0.0) -> bool:
    """`a` is a number within 1e-6 relative (at least 1e-6 absolute) of `b`, plus `atol`."""
    return a is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b)) + atol


def uniform(value: Any) -> float | None:
    """The single value of `value` (a number, or an array whose values are all equal) as float; None otherwise."""
    import numpy as np

    try:
        values = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return float(values[0]) if values.size and np.all(values == values[0]) else None


def stimulus_onset(run: Any, default: float | None = None) -> float | None:
    """The `onset` parameter of the run's stimulus equation (ms), or `default` when it has none."""
    params = ((run.stimulus or {}).get("temporal") or {}).get("parameters") or {}
    onset = params.get("onset")
    return float(onset) if isinstance(onset, (int, float)) and not isinstance(onset, bool) else default


def stimulated_labels(run: Any) -> list[str]:
    """Labels of the regions the run's stimulus weights (the replay checked them against the weights)."""
    stim = run.stimulus or {}
    if stim.get("labels") is not None:
        return [str(x) for x in stim.get("labels") or []]
    regions = stim.get("regions") or []
    return [run.region_labels[i] for i in regions if isinstance(i, int) and 0 <= i < len(run.region_labels)]


def default_weights():
    """The default connectome's weights, float64 (what GOAL.md's conditions start from). Do not modify it."""
    import numpy as np

    if not _DEFAULT_WEIGHTS:
        from tvb.datatypes.connectivity import Connectivity

        default = Connectivity.from_file()
        # (pyright misreads TVB's neotraits descriptors: TVB adds its metaclass dynamically)
        _DEFAULT_WEIGHTS.append(np.asarray(default.weights, dtype=np.float64))  # pyright: ignore[reportAttributeAccessIssue]
    return _DEFAULT_WEIGHTS[0]


def structural_weights(run: Any):
    """The weights of the connectivity the run simulated (as re-run), or None."""
    import numpy as np

    weights = getattr(run.connectivity, "weights", None)
    return None if weights is None else np.asarray(weights, dtype=np.float64)


def zeroed(matrix: Any, k: int):
    """A float64 copy of `matrix` with row and column `k` set to 0 (a region disconnected)."""
    import numpy as np

    out = np.array(matrix, dtype=np.float64)
    out[k, :] = 0.0
    out[:, k] = 0.0
    return out
