"""The operator contract: (parent libraries, train-split feedback) → a child library and a note.

An operator is a small object with a `name`, an `arity` (how many parents it takes) and `propose(...)`. It reads
only what `OperatorInput` gives it, may call the `mutator` role through the client, and returns text turned into
skills — it never touches files, the archive or the evaluator. Rules every operator keeps:

- Feedback comes from the *train* split only; an operator never sees val or test goals.
- Malformed model output (no parsable SKILL.md, a skill that fails validation, an unchanged library) is not a
  crash: `propose` raises `OperatorDeclined` with a reason the engine records as a rejected proposal.
- `ProviderDown` from the client propagates unchanged (the engine pauses or stops; it is never a rejection).
- The note says in one or two sentences what changed and why; it becomes the edge note and the CHANGELOG line.
- Every model call made is returned in `Proposal.calls` so the engine can record its cost under the operator.
- Operators that need to score candidates themselves (the DSPy ones) get `score_library` and a budget of
  trials; every trial they spend is counted by the engine through that callable.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol
from collections.abc import Callable, Sequence

from ...config import LibraryLimits
from ...facts import Fact
from ...library import Library
from ...models import CallRecord, ModelClient


class OperatorDeclined(Exception):
    """The operator could not produce a usable child (bad model output, nothing to change): not a crash.

    `calls` holds the model calls made before declining, so a rejected proposal's cost is still counted
    under its operator (an operator that spent a mutator call and then got prose back did cost something)."""

    def __init__(self, reason: str, calls: Sequence[CallRecord] = ()):
        super().__init__(reason)
        self.reason = reason
        self.calls = list(calls)


@dataclass(frozen=True)
class Failure:
    """One train-split trial of parents[0] that did not fully succeed: what the mutator learns from."""

    goal: str
    request: str  # the goal's GOAL.md text (train goals only)
    score: float | None
    feedback: str  # the evaluator's feedback for the final notebook (errors, failed checks, pitfalls)
    injected: tuple[str, ...] = ()  # skills the student was shown
    code: str = ""  # the student's last reply (its code), possibly trimmed


# score_library(library, goal_slugs) → one score per goal (None = missing); each goal costs one trial.
ScoreLibrary = Callable[[Library, Sequence[str]], list]
# evaluate_library(library, goal_slugs) → one (score, feedback) pair per goal, feedback being the evaluator's text
# for that trial (score None = missing). Same cost and budget as score_library; optional: an operator that learns
# from feedback (dspy-gepa) uses it when given and falls back to score_library.
EvaluateLibrary = Callable[[Library, Sequence[str]], list]


@dataclass
class OperatorInput:
    parents: tuple[Library, ...]
    failures: tuple[Failure, ...]  # train failures of parents[0], worst first
    limits: LibraryLimits
    rng: random.Random
    ancestor: Library | None = None  # the parents' nearest common ancestor (crossover), if known
    train_goals: tuple[str, ...] = ()  # slugs the DSPy operators may score on
    score_library: ScoreLibrary | None = None
    trial_budget: int = 0  # most trials score_library may be called for (DSPy operators)
    evaluate_library: EvaluateLibrary | None = None  # score_library plus each trial's feedback text (optional)
    successes: tuple[Failure, ...] = ()  # solved train trials of parents[0] (score 1, code that passed)
    facts: tuple[Fact, ...] = ()  # the verified-facts index ([library] facts_index; evolve.facts)


@dataclass
class Proposal:
    child: Library
    note: str
    calls: list[CallRecord] = field(default_factory=list)
    trials_used: int = 0


class Operator(Protocol):
    name: str
    arity: int

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        """Return a child different from parents[0], or raise OperatorDeclined / ProviderDown."""
        ...
