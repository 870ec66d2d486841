"""Selection: GEPA per-goal Pareto sampling, NSGA-II survivors through DEAP, the best-so-far ranking."""
import random
from collections import Counter

import pytest

from evolve.engine.selection import Candidate, best_set, pareto_parents, survivors

# Fronts: g1 {A}, g2 {A, B}, g3 {B}, g4 {C}. D is on no front. So A and B are on 2 fronts each, C on 1.
TABLE = {
    "A": {"g1": 0.9, "g2": 0.8, "g3": 0.1, "g4": 0.1},
    "B": {"g1": 0.2, "g2": 0.8, "g3": 0.9, "g4": 0.1},
    "C": {"g1": 0.1, "g2": 0.1, "g3": 0.1, "g4": 0.7},
    "D": {"g1": 0.5, "g2": 0.5, "g3": 0.5, "g4": 0.5},
}


def frequencies(scores, draws=2000, seed=1):
    rng = random.Random(seed)
    counts = Counter(pareto_parents(scores, 1, rng)[0] for _ in range(draws))
    return {lib: counts[lib] / draws for lib in sorted(counts)}


def test_parents_are_drawn_in_proportion_to_the_fronts_they_are_on():
    freq = frequencies(TABLE)
    assert set(freq) == {"A", "B", "C"}  # D is best on nothing
    assert freq["A"] == pytest.approx(0.4, abs=0.04)
    assert freq["B"] == pytest.approx(0.4, abs=0.04)
    assert freq["C"] == pytest.approx(0.2, abs=0.04)


def test_a_library_whose_every_front_holds_a_stronger_one_is_dropped():
    # E ties A on g1 and g2 but is weaker overall: every front E is on also holds A (or B), so E goes; A then
    # keeps g1 to itself and survives.
    table = {**TABLE, "E": {"g1": 0.9, "g2": 0.8, "g3": 0.0, "g4": 0.0}}
    assert frequencies(table) == frequencies(TABLE)


def test_goals_missing_for_a_library_are_ignored_for_it():
    # F was scored on g4 only, ties C there, and has the higher mean over the goals it has: C is dropped.
    table = {**TABLE, "F": {"g4": 0.7, "g9": None}}
    freq = frequencies(table)
    assert "C" not in freq and freq["F"] == pytest.approx(0.2, abs=0.04)


def test_sampling_is_deterministic_given_the_rng_and_distinct_while_it_can_be():
    assert pareto_parents(TABLE, 5, random.Random(7)) == pareto_parents(TABLE, 5, random.Random(7))
    for seed in range(20):
        first_three = pareto_parents(TABLE, 5, random.Random(seed))[:3]
        assert sorted(first_three) == ["A", "B", "C"]  # every survivor once before any repeat
    assert pareto_parents(TABLE, 0, random.Random(0)) == []


def test_nothing_scored_gives_no_parents():
    assert pareto_parents({"A": {}, "B": {"g1": None}}, 1, random.Random(0)) == []
    assert pareto_parents({}, 2, random.Random(0)) == []


CANDIDATES = [
    Candidate("a", 0.9, 5000),
    Candidate("b", 0.7, 2000),
    Candidate("c", 0.5, 1000),
    Candidate("d", 0.6, 3000),  # dominated by b: lower score, more bytes
    Candidate("e", 0.4, 4000),  # dominated by b, c and d
    Candidate("f", None, 100),  # never scored on val: not eligible, however small
]


def ids(candidates):
    return [c.library_id for c in candidates]


def test_nsga2_keeps_the_non_dominated_front_first():
    assert ids(survivors(CANDIDATES, 3)) == ["a", "b", "c"]
    assert ids(survivors(CANDIDATES, 4)) == ["a", "b", "d", "c"]
    assert ids(survivors(CANDIDATES, 10)) == ["a", "b", "d", "c", "e"]
    assert survivors(CANDIDATES, 0) == []


def test_nsga2_cuts_a_front_by_crowding_keeping_its_extremes():
    assert ids(survivors(CANDIDATES, 2)) == ["a", "c"]


def test_twins_go_to_the_lowest_id_and_fill_only_leftover_places():
    twins = [Candidate("y", 0.7, 2000), Candidate("x", 0.7, 2000), Candidate("a", 0.9, 5000),
             Candidate("c", 0.5, 1000), Candidate("z", 0.3, 9000)]
    assert ids(survivors(twins, 3)) == ["a", "x", "c"]
    assert ids(survivors(twins, 4)) == ["a", "x", "c", "z"]  # a distinct dominated vector beats a twin
    assert ids(survivors(twins, 5)) == ["a", "x", "y", "c", "z"]
    assert survivors(twins, 3) == survivors(list(reversed(twins)), 3)


def test_a_library_listed_twice_is_an_error():
    with pytest.raises(ValueError):
        survivors([Candidate("a", 0.5, 10), Candidate("a", 0.6, 10)], 1)


def test_best_set_ranks_by_score_then_fewer_bytes_then_id():
    tied = CANDIDATES + [Candidate("g", 0.9, 3000), Candidate("h", 0.9, 3000)]
    assert ids(best_set(tied, 4)) == ["g", "h", "a", "b"]
    assert ids(best_set(CANDIDATES, 10)) == ["a", "b", "d", "c", "e"]
    assert best_set(CANDIDATES, 0) == []
