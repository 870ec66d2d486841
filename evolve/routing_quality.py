"""Routing quality: how often the skills routed to a goal include the ones its reference solution relies on.

A skill is relied on by a goal when a code line only it teaches reappears in the goal's reference solution: a line
of one of its Python blocks, 16+ characters, not a comment or an import (the lines `evolve.trial.used_skills`
looks for), that no other skill of the library has (boilerplate every skill repeats, such as building a simulator,
says nothing about which skill a solution needs). Routing that leaves such a skill out (ranked too low, or over
the byte budget) withholds what the solution needs.

Contract:
- `relied_on(library, code, role)`: the names of the role's skills the code relies on, sorted.
- `measure(library, goals, mode, budget_bytes, role)`: one `GoalRouting` per goal whose reference solution can be
  read (goals without one are skipped), routed as a trial routes (room held back to read a reference file): relied, routed, and the relied skills not routed (`missed`, each with
  why: over the budget, or not ranked). Modes `all` and `bm25` only: `disclosure` depends on the model's choice.
- `recall(rows)`: relied skills routed / relied skills, over all rows (None when no goal relies on any skill).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import references
from .goals import Goal
from .library import Library
from .routing import route


_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)  # (as evolve.trial reads a skill's code)


@dataclass(frozen=True)
class GoalRouting:
    goal: str
    relied: tuple[str, ...]
    routed: tuple[str, ...]
    over_budget: tuple[str, ...]  # relied on, wanted by the ranking, left out for the byte budget

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(name for name in self.relied if name not in self.routed)

    @property
    def recall(self) -> float | None:
        return None if not self.relied else (len(self.relied) - len(self.missed)) / len(self.relied)

    def reason(self, name: str) -> str:
        """Why a relied-on skill was not routed."""
        return "over the byte budget" if name in self.over_budget else "not ranked for this request"


def relied_on(library: Library, code: str, role: str = "student") -> tuple[str, ...]:
    lines = {s.name: _code_lines(s.body) for s in library if s.role == role}
    counts = Counter(line for found in lines.values() for line in found)
    solution = {_squash(line) for line in code.splitlines()}
    return tuple(sorted(name for name, found in lines.items()
                        if any(counts[line] == 1 and line in solution for line in found)))


def _code_lines(body: str) -> set[str]:
    return {line for block in _CODE_BLOCK.findall(body) for line in map(_squash, block.splitlines())
            if len(line) >= 16 and not line.startswith(("#", "import ", "from "))}


def _squash(line: str) -> str:
    return " ".join(line.split())


def measure(library: Library, goals: Iterable[Goal], mode: str, budget_bytes: int, role: str = "student"
            ) -> list[GoalRouting]:
    if mode not in ("all", "bm25"):
        raise ValueError(f"routing quality is measured for 'all' and 'bm25', not '{mode}' (disclosure routes by the "
                         "model's own choice, which needs a trial)")
    rows = []
    for goal in goals:
        try:
            code = goal.reference_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        relied = relied_on(library, code, role)
        routed = route(library, goal.request, mode, budget_bytes, role=role)
        held = references.reserve(routed.injected, budget_bytes)  # as a trial routes (evolve.trial)
        if held:
            routed = route(library, goal.request, mode, budget_bytes - held, role=role)
        rows.append(GoalRouting(goal.slug, relied, routed.names,
                                tuple(n for n in routed.over_budget if n in relied)))
    return rows


def recall(rows: Sequence[GoalRouting]) -> float | None:
    relied = sum(len(r.relied) for r in rows)
    return None if not relied else sum(len(r.relied) - len(r.missed) for r in rows) / relied
