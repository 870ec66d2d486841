"""Wiring a run from its config: the domain plugin, the model client (with the embedded provider when a role
uses a `local/` model) and the trial context. Commands build one Session; nothing here is global."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Callable

from .config import Config, RoleSettings
from .cores import CoreBudget
from .evaluation import kernel_pool
from .judge import trial_judge
from .models import CallRecord, ModelClient
from .plugin import DomainPlugin, load_plugin
from .sandbox import KernelPool
from .trial import TrialContext


@dataclass
class Session:
    config: Config
    plugin: DomainPlugin
    client: ModelClient  # its `records` are the session's one call log (`drain()` hands out the new ones)
    _kernels: KernelPool | None = field(default=None, repr=False)
    _cores: CoreBudget | None = field(default=None, repr=False)

    def trial_context(self, progress: Callable[[str], None] | None = None, workroot: Path | None = None
                      ) -> TrialContext:
        state = Path(self.config.paths.state)
        judge = trial_judge(self.config.judge, self.client.settings("student").model, self.client, self.plugin)
        return TrialContext(client=self.client, plugin=self.plugin, evaluation=self.config.evaluation,
                            weights=self.config.score, settings=self.config.trial,
                            workroot=workroot or Path(self.config.evaluation.workdir) / "trials",
                            cache_dir=state / "trial-cache", progress=progress or (lambda message: None),
                            judge=judge, kernels=self.kernels(), cores=self.cores(),
                            local_threads=self.config.local_model.threads)

    def cores(self) -> CoreBudget:
        """The session's one budget of cores, shared by every trial it runs ([run] cores; 0: all usable)."""
        if self._cores is None:
            self._cores = CoreBudget(self.config.run.cores or len(os.sched_getaffinity(0)))
        return self._cores

    def kernels(self) -> KernelPool | None:
        """The session's one pool of warm kernels ([evaluation] warm_kernels; None when 0), started on first use
        and closed by `close()` (or at exit)."""
        size = self.config.evaluation.warm_kernels
        if size and self._kernels is None:
            self._kernels = kernel_pool(self.plugin, self.config.evaluation, size)
        return self._kernels

    def close(self) -> None:
        if self._kernels is not None:
            self._kernels.close()
            self._kernels = None


def open_session(config: Config, student_model: str | None = None,
                 on_pause: Callable[[str, str], None] | None = None,
                 on_start: Callable[[CallRecord], None] | None = None,
                 on_record: Callable[[CallRecord], None] | None = None) -> Session:
    """Load the plugin and build the model client. `student_model` overrides [models.student] model (its other
    settings stay); `on_start` / `on_record` see every call begin / end (e.g. a run's call journal)."""
    plugin = load_plugin(Path(config.evaluation.plugin))
    roles = dict(config.models)
    if student_model:
        base = roles["student"]
        roles["student"] = replace(base, model=student_model)
    if config.judge.model:
        roles.setdefault("judge", RoleSettings(config.judge.model, temperature=0.0, max_tokens=512))
        # a judge role configured under [models.judge] keeps its transport, the [judge] model is the one asked
        roles["judge"] = replace(roles["judge"], model=config.judge.model)
    if any(role.model.startswith("local/") for role in roles.values()):
        from .local_model import register  # imports xllamacpp; only when a local model is configured

        register(Path(config.paths.state), models_dir=Path(config.local_model.cache),
                 n_ctx=config.local_model.context_tokens, threads=config.local_model.threads)
    client = ModelClient(roles, config.model_policy, on_record=on_record, on_pause=on_pause or _announce_pause,
                         on_start=on_start)
    return Session(config, plugin, client)


def _announce_pause(provider: str, error: str) -> None:
    print(f"model provider '{provider}' is failing ({error}); pausing its work until it answers", file=sys.stderr)
