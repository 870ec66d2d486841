"""Keep every tool's state out of $HOME: TVB, matplotlib, IPython, DSPy and litellm read these at import."""
from __future__ import annotations

import os
from pathlib import Path

STATE_VARIABLES = {
    "TVB_USER_HOME": "tvb",
    "MPLCONFIGDIR": "matplotlib",
    "IPYTHONDIR": "ipython",
    "DSPY_CACHEDIR": "dspy",
}


def prepare(state_dir: Path) -> dict[str, str]:
    """Point the state variables that are not already set into `state_dir`; return what was set.

    Call before importing tvb, matplotlib, dspy or litellm."""
    state_dir = Path(state_dir).resolve()
    chosen = {}
    for variable, sub in STATE_VARIABLES.items():
        if variable not in os.environ:
            target = state_dir / sub
            target.mkdir(parents=True, exist_ok=True)
            os.environ[variable] = chosen[variable] = str(target)
    # litellm otherwise fetches its model-cost map from the network at import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("MPLBACKEND", "Agg")
    return chosen
