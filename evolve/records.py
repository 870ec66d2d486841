"""The records a trial and a model call leave behind: `Turn`, `TrialResult`, `CallRecord`, and the words they use.

Plain dataclasses over the standard library (and evolve.phases, itself standard library only), so the archive,
the synthetic runs of tests and benchmarks, and anything else that stores or reads these records can import them
without the model stack (litellm takes seconds to a minute to import on a busy machine). evolve.trial and
evolve.models make them and re-export them; there is exactly one definition of each.

The `Literal` aliases name the values the code compares: a type checker catches a misspelt one.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .phases import Phases

TrialStatus = Literal["scored", "missing"]  # missing: no score (provider down, broken checks, our failure)
# "disclosure": the student asked for skills by name (routing = "disclosure") or for reference files of its routed
# skills (evolve.references; the turn's hints name the files given); "rejected": the reply had no code;
# "cut": cut off at max_tokens, not executed; "repeated": code already executed, resampled instead
TurnOutcome = Literal["evaluated", "rejected", "cut", "repeated", "disclosure"]
# Why a trial's turns ended ("": none ran; "missing": the trial measured nothing, see missing_reason).
StopReason = Literal["", "solved", "max-turns", "cut", "repeated", "prose", "missing"]
# what a trial was run as: a population member, the seed, no skills, or a best-of-N sample of the seed
Condition = Literal["population", "seed", "none", "best-of-n"]


@dataclass
class Turn:
    reply: str
    outcome: TurnOutcome
    score: float | None = None
    executed: bool | None = None
    error: str | None = None
    feedback: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_s: float = 0.0
    exec_s: float = 0.0
    conversion: str | None = None  # how the reply became a notebook (evolve.notebook.ConversionPath); None: not tried
    finish_reason: str | None = None  # the model's ("stop", "length": cut off at max_tokens, ...); None: unknown
    max_tokens: int | None = None  # the answer budget this call had
    kept_cells: int = 0  # cells kept from the last notebook before this reply's (a repair; 0: run as sent)
    hints: list[str] = field(default_factory=list)  # skill passages put into this turn's feedback ("skill: heading")
    resample: int = 0  # > 0: asked again after a repeated reply (the n-th resample, another seed, hotter)
    solved: bool = False  # this turn's notebook ran and passed every check


@dataclass
class TrialResult:
    key: str
    goal: str
    split: str
    library_id: str | None  # None: no skills
    model: str
    seed: int
    status: TrialStatus
    score: float | None
    executed: bool
    stop_reason: StopReason
    injected: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    over_budget: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    feedback: str = ""  # the final evaluation's feedback: what the mutator reads
    missing_reason: str | None = None
    wall_s: float = 0.0
    cached: bool = False
    isolation: list[str] = field(default_factory=list)  # sandbox features active for the final notebook
    replay_status: str | None = None  # the final notebook's trusted replay (evolve.replay_report); None: not run
    integrity: str | None = None  # why the final notebook was caught forging; None: it was not
    phases: Phases = field(default_factory=Phases)  # where the trial's time went, over all its turns
    judge: dict[str, Any] | None = None  # the LLM judge's verdict on the final notebook (status, scores, mean,
    # model, reason; "missing" when the judge failed); None: no judge asked. Beside the score, never instead of it.

    @property
    def solved(self) -> bool:
        return is_solved(self.status, self.executed, self.checks)

    @property
    def prompt_tokens(self) -> int:
        return sum(t.prompt_tokens for t in self.turns)

    @property
    def completion_tokens(self) -> int:
        return sum(t.completion_tokens for t in self.turns)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["prompt_tokens"], data["completion_tokens"] = self.prompt_tokens, self.completion_tokens
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialResult:
        data = {k: v for k, v in data.items() if k not in ("prompt_tokens", "completion_tokens")}
        data["turns"] = [Turn(**t) for t in data.get("turns", [])]
        data["phases"] = Phases.from_dict(data.get("phases"))
        return cls(**data)


def is_solved(status: str, executed: bool, checks) -> bool:
    """Solved: scored, ran without error, and every declared check passed (no checks declared: not solved)."""
    return status == "scored" and bool(executed) and bool(checks) and all(c["passed"] for c in checks)


@dataclass
class CallRecord:
    """One model call, successful or not (evolve.models records every one)."""

    role: str
    model: str
    resolved_model: str | None
    ok: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None
    attempts: int = 1
    error: str | None = None
    started_at: float = 0.0
    cached_tokens: int | None = None  # prompt tokens served from the provider's cache; None: not reported
    prompt_s: float | None = None  # the provider's own prompt time (the embedded model reports it); None: unknown
    generation_s: float | None = None  # the provider's own generation time; None: unknown
    request: str | None = None  # what was sent, and dropped (evolve.request_shape.described); None: nothing sent
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)  # the call's identity, across a kill and resume
