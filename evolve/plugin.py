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
from typing import Any, Protocol, runtime_checkable
from collections.abc import Mapping, Sequence

from .replay_report import ReplayReport


@dataclass(frozen=True)
class Pitfall:
    """A known domain mistake found in the code, with what to do instead. `integrity`: not a mistake but an
    attempt on the evaluation itself (see `evolve.tamper`): the notebook scores 0 and is flagged."""

    code: str
    line: int | None
    message: str
    integrity: bool = False


@runtime_checkable
class DomainPlugin(Protocol):
    """How notebooks of one domain are run and examined.

    Contract:
    - `name`: a short identifier recorded with every evaluation.
    - `startup_files()`: files executed inside the notebook's kernel before its first cell, and in every other
      Python process started inside the sandbox (read-only; so they must be idempotent). They may record
      evidence (e.g. a simulation trace) into the evidence dir, whose path the sandbox passes in the
      environment variable `EVOLVE_EVIDENCE_DIR` (outside the notebook's working folder). They must never
      change what the notebook computes, and their own failures must not fail the notebook.
    - `preload_code()`: code a pre-started kernel may run before the notebook arrives, to hide import latency.
      Imports only: nothing the notebook could observe besides loaded modules.
    - `read_trace(evidence_dir)`: the evidence the startup files recorded, as a list of dicts; [] when there is
      none. The folder is hostile input: never follow links, cap every read, never raise on garbled files.
    - `did_work(trace)`: True when the evidence shows the notebook did the domain's work at all (for TVB: at
      least one simulation produced samples). "Executed" credit requires it.
    - `replay(evidence_dir, goal_dir, timeout_s, memory_mb)`: a trusted re-run of what the evidence describes,
      outside the sandbox, returning an `evolve.replay_report.ReplayReport`. Never raises: its own failures are
      `unconfirmed`; a goal without a replay declaration is `not-declared`.
    - `summarize_trace(trace)`: a short text of that evidence, for feedback to the model and the mutator.
    - `pitfalls(code)`: known domain mistakes in the code (pure, static, fast). Each pitfall must rest on a
      behaviour the project's tests verify.
    - `student_role`: completes the student's role sentence "You write Jupyter notebooks that answer …".
    - `state_env`: the environment variables that point the domain's libraries at their state (configuration,
      caches, logs), as variable name -> one lower-case sub-folder name (evaluators/tvb declares TVB's).
      The engine never names a domain's variable itself: it points each one into its state dir
      (`evolve.environment.prepare`, unless already set), every sandbox kernel points each into its own private
      state dir whatever the caller's value (`evolve.sandbox.environ`), so no tool state lands in `$HOME`. The
      names must be the domain's own (not HOME, PATH, TMPDIR, ... nor a generic state variable the engine sets,
      such as MPLCONFIGDIR): `load_plugin` refuses a plugin whose `state_env` `check_state_env` finds wrong.
      `{}` when the domain keeps no state. It is read before the domain's libraries are imported, so importing
      the plugin package must not import them (import them where used).
    """

    name: str
    student_role: str
    state_env: Mapping[str, str]

    def startup_files(self) -> Sequence[Path]: ...

    def preload_code(self) -> str: ...

    def read_trace(self, evidence_dir: Path) -> list[dict[str, Any]]: ...

    def did_work(self, trace: list[dict[str, Any]]) -> bool: ...

    def replay(self, evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int) -> ReplayReport: ...

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
        if spec is None or spec.loader is None:  # cannot happen for an __init__.py; said plainly if it does
            raise PluginError(f"{init}: cannot be imported as a Python module")
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
        missing = [m for m in ("name", "student_role", "state_env", "startup_files", "preload_code", "read_trace",
                                 "did_work", "replay", "summarize_trace", "pitfalls")
                   if not hasattr(plugin, m)]
        raise PluginError(f"{init}: 'plugin' lacks {', '.join(missing)} (see evolve.plugin.DomainPlugin)")
    from .sandbox.environ import check_state_env  # (here: evolve.sandbox imports jupyter_client, ~0.2 s)

    problems = check_state_env(plugin.state_env) if isinstance(plugin.state_env, Mapping) else ["not a mapping"]
    if problems:
        raise PluginError(f"{init}: 'plugin.state_env' is wrong: {'; '.join(problems)}")
    return plugin
