"""Bootstrap intervals: they contain the mean, shrink with data, and ignore missing values."""
import pytest

from evolve.stats import bootstrap_mean, paired_difference


def test_interval_contains_the_mean_and_is_reproducible():
    values = [0.0, 0.5, 1.0, 1.0, 0.25, 0.75]
    interval = bootstrap_mean(values)
    assert interval.low <= interval.mean <= interval.high
    assert interval.mean == pytest.approx(sum(values) / 6)
    assert bootstrap_mean(values) == interval


def test_more_data_gives_a_narrower_interval():
    few = bootstrap_mean([0.0, 1.0] * 3)
    many = bootstrap_mean([0.0, 1.0] * 300)
    assert (many.high - many.low) < (few.high - few.low) / 3


def test_missing_values_are_left_out_not_zeroed():
    assert bootstrap_mean([1.0, None, 1.0]).mean == 1.0
    assert bootstrap_mean([1.0, None, 1.0]).n == 2
    assert bootstrap_mean([]).mean is None and str(bootstrap_mean([])) == "n/a (no data)"


def test_paired_difference_uses_matched_pairs():
    interval = paired_difference([(0.0, 1.0), (0.5, 1.0), (1.0, 1.0), (None, 1.0)])
    assert interval.n == 3 and interval.mean == pytest.approx(0.5)
    assert interval.low >= 0.0


def test_a_clustered_interval_weighs_goals_equally_and_is_wider_than_one_that_treats_seeds_as_independent():
    from evolve.stats import bootstrap_mean, clustered_mean

    # Two goals, one always solved, one never, ten seeds each: the seeds say nothing about other goals.
    groups = {"easy": [1.0] * 10, "hard": [0.0] * 10}
    clustered, flat = clustered_mean(groups), bootstrap_mean([1.0] * 10 + [0.0] * 10)
    assert clustered.mean == flat.mean == 0.5 and clustered.groups == 2 and clustered.n == 20
    assert clustered.high - clustered.low > 2 * (flat.high - flat.low)
    assert (clustered.low, clustered.high) == (0.0, 1.0)
    lopsided = clustered_mean({"a": [1.0] * 9, "b": [0.0]})  # one seed of b counts as much as nine of a
    assert lopsided.mean == 0.5
    assert clustered_mean({"a": [None], "b": []}).mean is None
    assert clustered_mean(groups) == clustered_mean(groups)  # seeded: reproducible
    assert clustered.with_groups().endswith("(2 goals)")
