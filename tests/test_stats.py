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
