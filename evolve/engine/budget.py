"""When a run stops: trial, wall-time and per-role cost budgets, no-improvement patience, a stop file, Ctrl-C.

`Stopper.reason(state)` returns why the run must stop now (None: keep going), reading the run's state it is
given (as GEPA's stop conditions do): patience counts `state.stale`, the engine's own count of generations
without a better incumbent, so there is one owner of that number. It is asked between trials, so a stop never
cuts a trial short; the engine then commits and exits, and `evolve run --resume` continues.

Budgets are the run's, not the invocation's: `trials_run` and `spent_before` (per-role cost recorded by
earlier invocations, read from the archive) carry over a resume; `cost_by_role()` is this process's spend.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from collections.abc import Callable, Mapping


class RunState(Protocol):
    stale: int  # generations in a row without a better incumbent


@dataclass
class Stopper:
    max_trials: int = 0  # 0: no limit (trials actually run: cached ones are free)
    max_wall_s: float = 0.0  # 0: no limit (this invocation's wall time)
    max_cost_usd: Mapping[str, float] = field(default_factory=dict)  # role -> limit
    patience: int = 0  # generations without a better incumbent (0: no limit)
    stop_file: Path | None = None
    cost_by_role: Callable[[], Mapping[str, float]] = dict  # this process's spend per role
    spent_before: Mapping[str, float] = field(default_factory=dict)  # per role, by earlier invocations of the run
    clock: Callable[[], float] = time.monotonic
    trials_run: int = 0
    interrupted: bool = False  # set by the Ctrl-C handler
    started: float = field(default=0.0)

    def __post_init__(self):
        self.started = self.started or self.clock()

    def reason(self, state: RunState | None = None) -> str | None:
        if self.interrupted:
            return "interrupted (Ctrl-C)"
        if self.stop_file is not None and self.stop_file.exists():
            return f"stop file {self.stop_file} found"
        if self.max_trials and self.trials_run >= self.max_trials:
            return f"trial budget reached ({self.trials_run}/{self.max_trials})"
        if self.max_wall_s and self.clock() - self.started >= self.max_wall_s:
            return f"wall-time budget reached ({self.max_wall_s:.0f} s)"
        costs = self.spent() if self.max_cost_usd else {}
        for role, limit in self.max_cost_usd.items():
            if costs.get(role, 0.0) >= limit:
                return f"cost budget of role {role} reached (${costs.get(role, 0.0):.2f} of ${limit:.2f})"
        stale = state.stale if state is not None else 0
        if self.patience and stale >= self.patience:
            return f"no better incumbent for {stale} generation(s) (patience {self.patience})"
        return None

    def spent(self) -> dict[str, float]:
        """Per role, what the run has spent: earlier invocations plus this one."""
        now = self.cost_by_role()
        return {role: self.spent_before.get(role, 0.0) + now.get(role, 0.0) for role in {*self.spent_before, *now}}
