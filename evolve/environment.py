"""Keep every tool's state out of $HOME: matplotlib, IPython, DSPy and litellm read these at import, and so do the
domain's libraries (the variables its plugin declares in `state_env`).

Contract of `prepare(state_dir, domain)`: each generic state variable (`STATE_VARIABLES`) and each of the
domain's (`domain`: name -> sub-folder, the plugin's `state_env`) that is not already set points to its own
sub-folder of `state_dir` (created); a variable the caller set is left alone. This module names no domain.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

STATE_VARIABLES = {
    "MPLCONFIGDIR": "matplotlib",
    "IPYTHONDIR": "ipython",
    "DSPY_CACHEDIR": "dspy",
}


def prepare(state_dir: Path, domain: Mapping[str, str] | None = None) -> dict[str, str]:
    """Point the state variables that are not already set into `state_dir`; return what was set.

    Call before importing matplotlib, dspy, litellm or the domain's libraries."""
    state_dir = Path(state_dir).resolve()
    chosen = {}
    for variable, sub in {**STATE_VARIABLES, **(domain or {})}.items():
        if variable not in os.environ:
            target = state_dir / sub
            target.mkdir(parents=True, exist_ok=True)
            os.environ[variable] = chosen[variable] = str(target)
    # litellm otherwise fetches its model-cost map from the network at import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("MPLBACKEND", "Agg")
    return chosen
