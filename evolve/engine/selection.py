"""Selection: which libraries become parents, which survive a generation, which are the best so far.

- `pareto_parents`: GEPA's per-goal Pareto sampling (parents for the next proposals).
- `survivors`: NSGA-II through DEAP on (val score ↑, total bytes ↓).
- `best_set`: the "best so far" ranking by val score, fewer bytes first on ties.

All pure: the only randomness is the `random.Random` passed in, and ties are broken by library id so the
same inputs always give the same answer.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from collections.abc import Mapping, Sequence

from deap import base, tools

# Scores are means over trials; two libraries whose means differ by float noise are tied on that goal.
_TIE = 1e-9


def pareto_parents(scores: Mapping[str, Mapping[str, float | None]], k: int, rng: random.Random) -> list[str]:
    """Sample `k` parent library ids, GEPA-style (`select_program_candidate_from_pareto_front`).

    `scores` is library_id → goal → mean score; a goal absent (or None) for a library is ignored for it.
    1. For each goal, its front is the set of libraries with the best score on it (ties within 1e-9 all count).
    2. Dominated libraries are dropped: a library is dominated when every front it is on also holds another
       surviving library. Candidates are examined from the lowest mean score up (ties: id), one removal at a
       time, so of two libraries on exactly the same fronts the weaker one goes.
    3. Each survivor is drawn with probability proportional to the number of fronts it is on.
    Draws are without replacement until every survivor has been drawn once, then the pool refills (so k=2
    gives two different parents whenever two exist). Empty when k ≤ 0 or no library has a score on any goal:
    the caller decides what to fall back on (typically the seed)."""
    fronts = _goal_fronts(scores)
    if k <= 0 or not fronts:
        return []
    weights = _front_counts(_drop_dominated(fronts, _mean_scores(scores)))
    ids = sorted(weights)
    chosen: list[str] = []
    pool: list[str] = []
    while len(chosen) < k:
        if not pool:
            pool = list(ids)
        pick = rng.choices(pool, weights=[weights[i] for i in pool])[0]
        pool.remove(pick)
        chosen.append(pick)
    return chosen


def _goal_fronts(scores: Mapping[str, Mapping[str, float | None]]) -> dict[str, frozenset[str]]:
    by_goal: dict[str, dict[str, float]] = {}
    for library, per_goal in scores.items():
        for goal, score in per_goal.items():
            if score is not None and not math.isnan(score):
                by_goal.setdefault(goal, {})[library] = score
    fronts = {}
    for goal, entries in sorted(by_goal.items()):
        best = max(entries.values())
        fronts[goal] = frozenset(lib for lib, s in entries.items() if s >= best - _TIE)
    return fronts


def _mean_scores(scores: Mapping[str, Mapping[str, float | None]]) -> dict[str, float]:
    means = {}
    for library, per_goal in scores.items():
        values = [s for s in per_goal.values() if s is not None and not math.isnan(s)]
        means[library] = sum(values) / len(values) if values else float("-inf")
    return means


def _drop_dominated(fronts: dict[str, frozenset[str]], means: Mapping[str, float]) -> dict[str, frozenset[str]]:
    """GEPA's `remove_dominated_programs`: remove, weakest first, any library every one of whose fronts still holds
    another surviving library; repeat until none can be removed. Every front keeps at least one library."""
    alive = set().union(*fronts.values())
    order = sorted(alive, key=lambda lib: (means[lib], lib))
    removed = True
    while removed:
        removed = False
        for lib in order:
            if lib in alive and all(front & (alive - {lib}) for front in fronts.values() if lib in front):
                alive.discard(lib)
                removed = True
                break
    return {goal: front & alive for goal, front in fronts.items()}


def _front_counts(fronts: Mapping[str, frozenset[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for front in fronts.values():
        for lib in front:
            counts[lib] = counts.get(lib, 0) + 1
    return counts


@dataclass(frozen=True)
class Candidate:
    library_id: str
    val_score: float | None  # mean val score; None = not (yet) scored on val, so not eligible
    nbytes: int


class _Fitness(base.Fitness):
    # A local subclass instead of deap.creator: creator.create mutates module globals and warns on re-creation.
    weights = (1.0, -1.0)  # maximise val score, minimise bytes


class _Individual:
    """The minimum selNSGA2 needs: a `fitness`. The candidate rides along."""

    __slots__ = ("candidate", "fitness")

    def __init__(self, candidate: Candidate):
        self.candidate = candidate
        self.fitness = _Fitness((candidate.val_score, float(candidate.nbytes)))


def _rank_key(c: Candidate) -> tuple:
    assert c.val_score is not None, "only eligible candidates (with a val score) are ranked"
    return (-c.val_score, c.nbytes, c.library_id)


def _eligible(candidates: Sequence[Candidate]) -> list[Candidate]:
    ids = [c.library_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a library appears twice among the candidates")
    return sorted((c for c in candidates if c.val_score is not None and not math.isnan(c.val_score)), key=_rank_key)


def survivors(candidates: Sequence[Candidate], n: int) -> list[Candidate]:
    """The `n` candidates NSGA-II keeps (DEAP `selNSGA2`): whole non-dominated fronts on (val score ↑, bytes ↓),
    then the least crowded of the front that does not fit. Candidates without a val score are not eligible.

    Twins (identical score and bytes) would get arbitrary crowding distances from each other, so NSGA-II sees one
    of them only — the lowest library id. The rest are admitted only when every distinct objective vector fits,
    front by front, then by id. Returned best-ranked first (score ↓, bytes ↑, id)."""
    eligible = _eligible(candidates)
    if n <= 0:
        return []
    distinct: dict[tuple, Candidate] = {}
    twins: list[Candidate] = []
    for c in eligible:  # ranking order: the first of a set of twins has the lowest id
        key = (c.val_score, c.nbytes)
        if key in distinct:
            twins.append(c)
        else:
            distinct[key] = c
    individuals = [_Individual(c) for c in distinct.values()]
    if n < len(individuals):
        kept = [ind.candidate for ind in tools.selNSGA2(individuals, n)]
    else:
        fronts = tools.sortNondominated(individuals, len(individuals))
        front_of = {(ind.candidate.val_score, ind.candidate.nbytes): i for i, front in enumerate(fronts) for ind in front}
        twins.sort(key=lambda c: (front_of[(c.val_score, c.nbytes)], _rank_key(c)))
        kept = list(distinct.values()) + twins[:n - len(individuals)]
    return sorted(kept, key=_rank_key)


def best_set(candidates: Sequence[Candidate], k: int) -> list[Candidate]:
    """The best-so-far ranking: highest val score first; ties go to fewer bytes, then library id. At most `k`.

    A plain sort rather than deap.tools.HallOfFame: HallOfFame compares whole fitness tuples and keeps its own
    mutable state, while this ranking is one line of policy that reads better spelled out."""
    return _eligible(candidates)[:max(k, 0)]
