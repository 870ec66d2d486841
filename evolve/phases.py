"""Where a trial's time went: one record of named phases, summed over its turns (standard library only).

Contract: `Phases` holds seconds per phase; a phase that was not measured is None (an API model does not say
how long it read the prompt), never 0. `add` sums two records field by field (None + None = None, None + x =
x, so a sum is as complete as its parts allow). The phases, in the order a trial goes through them:

- `queue_s`: waiting for a worker after the executor was handed the trial, and for free cores (evolve.cores)
  before a local model call or a notebook;
- `model_wait_s`: a model call's time outside the provider's own work (waiting for the provider's concurrency
  slot, retries, HTTP); `prompt_s` / `generation_s`: reading the prompt / generating, as the provider timed them
  (the embedded model does; for an API model only the whole call is known and it all counts as generation);
- `kernel_start_s`: starting the sandboxed kernel until it answers; `imports_s`: its startup files and preload
  (the domain's imports); with a warm pool both happened before the notebook arrived and are 0;
- `execution_s`: running the notebook's cells; `checks_s`: reading its results and running the goal's checks;
  `replay_s`: the trusted replay.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

NAMES = ("queue_s", "model_wait_s", "prompt_s", "generation_s", "kernel_start_s", "imports_s", "execution_s",
         "checks_s", "replay_s")


@dataclass
class Phases:
    queue_s: float | None = None
    model_wait_s: float | None = None
    prompt_s: float | None = None
    generation_s: float | None = None
    kernel_start_s: float | None = None
    imports_s: float | None = None
    execution_s: float | None = None
    checks_s: float | None = None
    replay_s: float | None = None

    def add(self, other: Phases | None) -> Phases:
        if other is None:
            return self
        return Phases(**{f.name: _plus(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)})

    def as_dict(self) -> dict[str, float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict | None) -> Phases:
        """From `as_dict` output (a cached trial); unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: (None if v is None else float(v)) for k, v in (data or {}).items() if k in known})

    @property
    def total_s(self) -> float:
        return sum(v for v in self.as_dict().values() if v is not None)


def _plus(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def of_call(latency_s: float, prompt_s: float | None, generation_s: float | None) -> Phases:
    """A model call's phases: the provider's own prompt and generation times when it gave them, the rest of the
    call as waiting; without them the whole call counts as generation."""
    if prompt_s is None and generation_s is None:
        return Phases(generation_s=latency_s)
    inside = (prompt_s or 0.0) + (generation_s or 0.0)
    return Phases(model_wait_s=max(0.0, latency_s - inside), prompt_s=prompt_s, generation_s=generation_s)
