"""save_results: write results.json from numpy values without conversion errors, and refuse NaN by name."""
import json
import math

import numpy as np


def plain(value):
    """A JSON-ready copy: numpy numbers → float/int/bool, arrays → lists, numpy strings → str, dicts and
    lists converted all the way down."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return [plain(item) for item in value.tolist()] if value.ndim else plain(value.item())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (np.str_, bytes)):
        return value.decode() if isinstance(value, bytes) else str(value)
    return value


def _not_finite(value, where):
    if isinstance(value, float) and not math.isfinite(value):
        return [where]
    if isinstance(value, dict):
        return [w for key, item in value.items() for w in _not_finite(item, f"{where}.{key}" if where else key)]
    if isinstance(value, list):
        return [w for i, item in enumerate(value) for w in _not_finite(item, f"{where}[{i}]")]
    return []


def save_results(results, path="results.json"):
    """Write `results` (a dict) as JSON after `plain`; raise ValueError naming every NaN or infinite value
    (a diverging run, or the correlation of a constant signal: fix the cause). Returns what was written."""
    if not isinstance(results, dict):
        raise ValueError(f"results must be a dict of named values, not {type(results).__name__}")
    data = plain(results)
    bad = _not_finite(data, "")
    if bad:
        raise ValueError(f"not finite: {', '.join(bad[:10])}")
    with open(path, "w") as out:
        json.dump(data, out, indent=2)
    return data
