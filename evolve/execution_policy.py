"""Before a command executes notebooks: refuse weak isolation unless the config accepts it, and clean up.

Contract of `prepare(settings, command)`:
- with `[evaluation] isolation = "strict"` (the default) and a machine that lacks any feature strict isolation
  needs (`evolve.sandbox.isolation.missing_for_strict`), it raises `IsolationRefused` naming what is missing
  and the config key that accepts weaker isolation; nothing has run yet;
- it sweeps kernel folders and kernel processes left by dead evolve processes (`sweep_stale_kernels`) and
  prunes execution folders beyond `[evaluation] keep_executions` (`prune_executions`);
- it returns a `Preparation` record saying what it did, for the command to report.

Why refuse rather than warn: an optimizer under pressure finds whatever a weaker sandbox allows, and a score
earned that way is worthless; a run that silently carried on would look exactly like an honest one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import EvaluationSettings
from .sandbox.housekeeping import prune_executions, sweep_stale_kernels
from .sandbox.isolation import detect_isolation, missing_for_strict


class IsolationRefused(Exception):
    """Strict isolation was asked for and this machine cannot provide it."""


@dataclass(frozen=True)
class Preparation:
    isolation: list[str]  # what notebooks will run under
    swept: int  # stale kernel folders removed
    pruned: int  # old execution folders removed


def refusal(missing: list[str], command: str) -> str | None:
    """The message refusing to run under weak isolation, or None when nothing is missing (pure)."""
    if not missing:
        return None
    return (f"evolve {command}: this machine cannot isolate notebooks fully (missing: {', '.join(missing)}). "
            "Install bubblewrap and allow user namespaces (bash scripts/setup installs bubblewrap when run as "
            "root), or set [evaluation] isolation = \"weak\" in the config to run anyway with what is available "
            "(every evaluation records which isolation held).")


def prepare(settings: EvaluationSettings, command: str) -> Preparation:
    if settings.isolation == "strict":
        message = refusal(missing_for_strict(), command)
        if message:
            raise IsolationRefused(message)
    swept = sweep_stale_kernels()
    pruned = prune_executions(Path(settings.workdir), settings.keep_executions)
    return Preparation(detect_isolation(), len(swept), len(pruned))
