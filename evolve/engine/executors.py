"""Which executor runs a run's trials: `[executor] kind` picks one; the engine never knows which.

Contract: `build_executor(config, session, workroot, progress, model)` returns an object with the `Executor`
contract (evolve.engine.executor): a `LocalExecutor` over the session's trial context with `[run] workers`
threads for "local", a `RayExecutor` (evolve.engine.ray_executor) whose calls land in the session's client for
"ray". Ray is imported only for "ray".
"""
from __future__ import annotations

from pathlib import Path
from collections.abc import Callable

from .executor import Executor, LocalExecutor


def build_executor(config, session, workroot: Path, progress: Callable[[str], None] | None = None,
                   model: str | None = None) -> Executor:
    if config.executor.kind == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(config, session.client, workroot, model=model, progress=progress)
    return LocalExecutor(session.trial_context(progress=progress, workroot=workroot), config.run.workers, model)
