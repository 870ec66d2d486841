"""What the engine knows about trials in this run: one outcome per cell (library, goal, seed, condition).

Rebuilt from the archive on resume (`Scoreboard.load`), so a resumed run never runs a scored cell again; a
missing cell is retried (missing is not evidence). Means skip missing cells: a failed model call never counts
as a zero.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from collections.abc import Iterable

from ..archive.views import LIBRARY_CONDITIONS
from ..records import TrialResult, is_solved


@dataclass(frozen=True)
class Outcome:
    library_id: str | None
    goal: str
    split: str
    seed: int
    condition: str
    status: str  # 'scored' or 'missing'
    score: float | None
    solved: bool
    feedback: str = ""
    injected: tuple[str, ...] = ()
    code: str = ""  # the student's last reply

    @property
    def cell(self) -> tuple:
        return (self.library_id, self.goal, self.seed, self.condition)

    @classmethod
    def of(cls, result: TrialResult, library_id: str | None, condition: str) -> Outcome:
        code = result.turns[-1].reply if result.turns else ""
        return cls(library_id, result.goal, result.split, result.seed, condition, result.status, result.score,
                   result.solved, result.feedback or "", tuple(result.injected), code)


class Scoreboard:
    def __init__(self, outcomes: Iterable[Outcome] = ()):
        self._cells: dict[tuple, Outcome] = {}
        for outcome in outcomes:
            self.add(outcome)

    def add(self, outcome: Outcome) -> None:
        known = self._cells.get(outcome.cell)
        if known is None or known.status != "scored":  # a scored outcome replaces a missing one, never the reverse
            self._cells[outcome.cell] = outcome

    def get(self, library_id: str | None, goal: str, seed: int, condition: str = "population") -> Outcome | None:
        return self._cells.get((library_id, goal, seed, condition))

    def score(self, library_id: str | None, goal: str, seed: int, condition: str = "population") -> float | None:
        """The cell's score; None when it is missing or was never run."""
        found = self.get(library_id, goal, seed, condition)
        return found.score if found is not None else None

    def scored(self, cell: tuple) -> bool:
        found = self._cells.get(cell)
        return found is not None and found.status == "scored"

    def of_library(self, library_id: str | None, split: str | None = None,
                   conditions: tuple[str, ...] = LIBRARY_CONDITIONS) -> list[Outcome]:
        return [o for o in self._cells.values() if o.library_id == library_id and o.condition in conditions
                and (split is None or o.split == split)]

    def library_trials(self, split: str) -> list[Outcome]:
        """Every library trial on `split` (the seed and the population, not baselines or operator trials)."""
        return [o for o in self._cells.values() if o.split == split and o.condition in LIBRARY_CONDITIONS
                and o.library_id is not None]

    def mean(self, library_id: str | None, split: str) -> tuple[float | None, int]:
        scores = [o.score for o in self.of_library(library_id, split) if o.status == "scored" and o.score is not None]
        return (statistics.fmean(scores) if scores else None), len(scores)

    def per_goal(self, library_id: str | None, split: str) -> dict[str, float]:
        by_goal: dict[str, list[float]] = {}
        for o in self.of_library(library_id, split):
            if o.status == "scored" and o.score is not None:
                by_goal.setdefault(o.goal, []).append(o.score)
        return {goal: statistics.fmean(values) for goal, values in by_goal.items()}

    def seed_spread(self) -> dict[tuple, list[float]]:
        """Scores across seeds per (library, goal, condition), for the noise a decision must beat
        (evolve.engine.racing.prior_sd_of_differences)."""
        cells: dict[tuple, list[float]] = {}
        for o in self._cells.values():
            if o.status == "scored" and o.score is not None:
                cells.setdefault((o.library_id, o.goal, o.condition), []).append(o.score)
        return cells

    def successes(self, library_id: str, split: str = "train") -> list[Outcome]:
        """Solved trials of the library on `split`, by goal and seed (what execution proved: promote-example)."""
        found = [o for o in self.of_library(library_id, split) if o.status == "scored" and o.solved]
        return sorted(found, key=lambda o: (o.goal, o.seed))

    def failures(self, library_id: str, split: str = "train") -> list[Outcome]:
        """Scored, unsolved trials of the library on `split`, worst first (what the mutator learns from)."""
        found = [o for o in self.of_library(library_id, split) if o.status == "scored" and not o.solved]
        return sorted(found, key=lambda o: (o.score, o.goal, o.seed))

    def __len__(self) -> int:
        return len(self._cells)

    @classmethod
    def load(cls, archive, run_id: str) -> Scoreboard:
        outcomes = []
        for r in archive.trial_outcomes(run_id):
            solved = is_solved(r["status"], r["executed"], r["checks"] or [])
            outcomes.append(Outcome(r["library_id"], r["goal"], r["split"], r["seed"], r["condition"], r["status"],
                                    r["score"], solved, r["feedback"] or "", tuple(r["injected"] or ()),
                                    r["code"] or ""))
        return cls(outcomes)
