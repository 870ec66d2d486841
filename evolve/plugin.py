"""The domain plugin contract, and loading a plugin by path.

The engine knows nothing about any domain. A plugin is a Python package folder (e.g. `evaluators/tvb`)
whose `__init__.py` defines a module-level `plugin` object satisfying `DomainPlugin`. It is loaded by the
path the config names, never imported by name.
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable


@dataclass(frozen=True)
class Pitfall:
    """A known domain mistake found in the code, with what to do instead."""

    code: str
    line: int | None
    message: str


@runtime_checkable
class DomainPlugin(Protocol):
    """How notebooks of one domain are run and examined.

    Contract:
    - `name`: a short identifier recorded with every evaluation.
    - `startup_files()`: files executed inside the notebook's kernel before its first cell (read-only). They
      may record evidence (e.g. a simulation trace) into the kernel's working folder. They must never change
      what the notebook computes, and their own failures must not fail the notebook.
    - `preload_code()`: code a pre-started kernel may run before the notebook arrives, to hide import latency.
      Imports only: nothing the notebook could observe besides loaded modules.
    - `read_trace(workdir)`: the evidence the startup files recorded, as a list of dicts; [] when there is none.
      Must not raise on truncated or garbled files.
    - `summarize_trace(trace)`: a short text of that evidence, for feedback to the model and the mutator.
    - `pitfalls(code)`: known domain mistakes in the code (pure, static, fast). Each pitfall must rest on a
      behaviour the project's tests verify.
    - `student_role`: completes the student's role sentence "You write Jupyter notebooks that answer …".
    """

    name: str
    student_role: str

    def startup_files(self) -> Sequence[Path]: ...

    def preload_code(self) -> str: ...

    def read_trace(self, workdir: Path) -> list[dict[str, Any]]: ...

    def summarize_trace(self, trace: list[dict[str, Any]]) -> str: ...

    def pitfalls(self, code: str) -> list[Pitfall]: ...


class PluginError(Exception):
    pass


def load_plugin(path: Path) -> DomainPlugin:
    """Import the package at `path` and return its `plugin` object."""
    path = Path(path).resolve()
    init = path / "__init__.py"
    if not init.is_file():
        raise PluginError(f"{path}: not a plugin package (no __init__.py); set [evaluation] plugin in the config")
    module_name = f"evolve_plugin_{path.name}"
    if module_name in sys.modules:
        module = sys.modules[module_name]
    else:
        spec = importlib.util.spec_from_file_location(module_name, init, submodule_search_locations=[str(path)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # relative imports inside the package need it registered first
        try:
            spec.loader.exec_module(module)
        except Exception:
            del sys.modules[module_name]
            raise
    plugin = getattr(module, "plugin", None)
    if plugin is None:
        raise PluginError(f"{init}: defines no module-level 'plugin' object")
    if not isinstance(plugin, DomainPlugin):
        missing = [m for m in ("name", "student_role", "startup_files", "preload_code", "read_trace", "summarize_trace", "pitfalls")
                   if not hasattr(plugin, m)]
        raise PluginError(f"{init}: 'plugin' lacks {', '.join(missing)} (see evolve.plugin.DomainPlugin)")
    return plugin
