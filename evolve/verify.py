"""Verifying the benchmark: every goal's reference must pass all its checks; every wrong solution must fail.

A wrong solution 'fails' when it does not run or at least one check fails (checks as credited: a result the
trusted replay found forged, or could not confirm, counts as failed). This is how check ranges are
calibrated and kept honest: a check that passes a wrong solution, or fails the reference, is a broken goal.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from . import notebook as nb_io
from .config import EvaluationSettings, ScoreWeights
from .evaluation import Evaluation, evaluate
from .goals import Goal
from .plugin import DomainPlugin

WRONG_FOLDER = "wrong"


@dataclass
class Outcome:
    goal: str
    solution: str  # "reference" or the wrong solution's file stem
    expected_pass: bool
    evaluation: Evaluation

    @property
    def passed(self) -> bool:
        e = self.evaluation
        return e.status == "scored" and e.executed and bool(e.checks) and all(c.passed for c in e.checks)

    @property
    def as_expected(self) -> bool:
        return self.evaluation.status == "scored" and self.passed == self.expected_pass


def solutions(goal: Goal) -> list[tuple[str, Path, bool]]:
    """(name, path, should pass) for the reference and every wrong/*.py."""
    found = [("reference", goal.reference_path, True)]
    wrong = goal.path / WRONG_FOLDER
    if wrong.is_dir():
        found += [(p.stem, p, False) for p in sorted(wrong.glob("*.py"))]
    return found


def verify(goals: list[Goal], plugin: DomainPlugin, settings: EvaluationSettings, weights: ScoreWeights,
           workroot: Path, jobs: int = 2, progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tasks = [(goal, name, path, expected) for goal in goals for name, path, expected in solutions(goal)]

    def one(task) -> Outcome:
        goal, name, path, expected = task
        folder = Path(workroot) / f"verify-{stamp}" / goal.slug / name  # an execution folder (evolve.evaluation)
        outcome = Outcome(goal.slug, name, expected,
                          evaluate(nb_io.read(path), goal, plugin, settings, weights, folder))
        if progress:
            progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, tasks))
