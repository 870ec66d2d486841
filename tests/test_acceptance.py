"""Acceptance: the paired minibatch gate and the re-check of an incumbent before it becomes best so far."""
import pytest

from evolve.engine.acceptance import compare, rescore_confirms

PARENT = {("g1", 0): 0.2, ("g1", 1): 0.4, ("g2", 0): 0.5, ("g3", 0): 0.0}


def test_a_child_better_by_more_than_the_margin_is_accepted():
    child = {("g1", 0): 0.6, ("g1", 1): 0.4, ("g2", 0): 0.8, ("g3", 0): 0.1}
    decision = compare(child, PARENT, margin=0.1, min_pairs=3)
    assert decision.accepted and decision.pairs == 4 and decision.missing == 0
    assert decision.delta_mean == pytest.approx((0.4 + 0.0 + 0.3 + 0.1) / 4)
    assert decision.reason.startswith("better")


def test_the_margin_is_strict():
    child = {key: score + 0.1 for key, score in PARENT.items()}
    assert not compare(child, PARENT, margin=0.1 + 1e-9, min_pairs=1).accepted
    assert not compare(PARENT, PARENT, margin=0.0, min_pairs=1).accepted  # a tie is not an improvement


def test_missing_scores_are_dropped_and_counted_never_zeros():
    # The parent's g3 trial failed (None) and the child never ran g2: two keys missing, two pairs left.
    parent = {**PARENT, ("g3", 0): None}
    child = {("g1", 0): 0.5, ("g1", 1): 0.5, ("g3", 0): 0.9}
    decision = compare(child, parent, margin=0.0, min_pairs=2)
    assert (decision.pairs, decision.missing) == (2, 2)
    assert decision.delta_mean == pytest.approx((0.3 + 0.1) / 2)  # g3's 0.9 against a missing parent is not a win
    assert decision.accepted


def test_too_few_pairs_is_a_rejection_whatever_the_difference():
    child = {("g1", 0): 1.0, ("g1", 1): None}
    decision = compare(child, PARENT, margin=0.0, min_pairs=2)
    assert not decision.accepted and decision.pairs == 1 and decision.delta_mean == pytest.approx(0.8)
    assert "too few pairs" in decision.reason
    nothing = compare({}, PARENT, margin=0.0, min_pairs=0)
    assert not nothing.accepted and nothing.delta_mean is None and nothing.missing == 4


def test_rescore_confirms_on_the_fresh_mean_alone():
    lucky = [1.0]
    confirmed = rescore_confirms(lucky, [0.7, 0.8, None], threshold=0.6)
    assert confirmed and confirmed.new_mean == pytest.approx(0.75) and confirmed.missing == 1
    assert confirmed.old_mean == 1.0 and confirmed.new_interval.n == 2
    # Pooled with the lucky 1.0 the mean would be 0.7 > 0.6; the fresh scores alone say 0.55.
    refuted = rescore_confirms(lucky, [0.5, 0.6], threshold=0.6)
    assert not refuted and refuted.new_mean == pytest.approx(0.55) and "not confirmed" in refuted.reason


def test_rescore_is_strict_and_needs_fresh_scores():
    assert not rescore_confirms([0.9], [0.6, 0.6], threshold=0.6)
    empty = rescore_confirms([0.9], [None, None], threshold=0.0)
    assert not empty and empty.new_mean is None and empty.missing == 2


def test_rescore_reads_mappings_by_value_and_iterators_once():
    assert rescore_confirms({("g", 0): 0.2}, {("g", 1): 0.9, ("g", 2): 0.7}, threshold=0.5)
    assert rescore_confirms(iter([0.2]), (s for s in [0.9, None]), threshold=0.5).missing == 1
