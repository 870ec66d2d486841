"""The end-of-run summary: the best library against the seed, no skills and best-of-N on val and test, with
bootstrap 95% intervals, paired differences on the same (goal, seed) cells, and what changed in the best library.

Honest by construction: missing trials are counted and left out; best-of-N is the mean over goals of the best of
its N samples (an upper baseline the run must beat to claim the skills helped beyond resampling).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..library import Library
from ..stats import Interval, bootstrap_mean, paired_difference
from ..table import format_table
from .scoreboard import Scoreboard


@dataclass(frozen=True)
class Row:
    condition: str
    split: str
    score: Interval
    missing: int
    vs_seed: Interval | None


def rows(board: Scoreboard, best: str | None, seed: str, splits=("val", "test")) -> list[Row]:
    out = []
    for split in splits:
        cells = {
            "best": _cells(board, best, split, "seed" if best == seed else "population") if best else {},
            "seed": _cells(board, seed, split, "seed"),
            "no skills": _cells(board, None, split, "none"),
        }
        for name, found in cells.items():
            scores = [v for v in found.values() if v is not None]
            missing = sum(v is None for v in found.values())
            pairs = [(cells["seed"][k], v) for k, v in found.items() if k in cells["seed"]]
            vs_seed = None if name == "seed" else paired_difference(pairs)
            out.append(Row(name, split, bootstrap_mean(scores), missing, vs_seed))
        best_of, n = _best_of_n(board, seed, split)
        if best_of.n:
            out.append(Row(f"best-of-{n} seed", split, best_of, 0, None))
    return out


def _cells(board: Scoreboard, library_id: str | None, split: str, condition: str) -> dict[tuple, float | None]:
    return {(o.goal, o.seed): o.score for o in board.of_library(library_id, split, (condition,))}


def _best_of_n(board: Scoreboard, seed: str, split: str) -> tuple[Interval, int]:
    """The mean over goals of each goal's best scored sample, and N (the most scored samples of a goal)."""
    per_goal: dict[str, list[float]] = {}
    for o in board.of_library(seed, split, ("best-of-n",)):
        if o.score is not None:
            per_goal.setdefault(o.goal, []).append(o.score)
    return bootstrap_mean([max(v) for v in per_goal.values()]), max(map(len, per_goal.values()), default=0)


def table(summary: list[Row]) -> str:
    return format_table(
        ("split", "condition", "n", "missing", "mean score [95% CI]", "paired Δ vs seed [95% CI]"),
        [(r.split, r.condition, str(r.score.n), str(r.missing), str(r.score),
          "—" if r.vs_seed is None else str(r.vs_seed)) for r in summary])


def library_diff(old: Library, new: Library) -> str:
    """A unified diff of every changed, added and removed skill (what the note reports)."""
    parts = []
    for name in sorted(set(old.skills) | set(new.skills)):
        before = old[name].text if name in old else ""
        after = new[name].text if name in new else ""
        if before != after:
            parts.extend(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                              f"seed/{name}/SKILL.md", f"best/{name}/SKILL.md"))
    return "".join(parts)
