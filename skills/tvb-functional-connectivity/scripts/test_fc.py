import numpy as np

from skill_scripts.fc import fc_matrix, fc_sc_correlation, fc_similarity, pairs


def signals(seed, n=4, samples=400):
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(samples)
    x = rng.standard_normal((samples, n))
    x[:, 0] += 3 * common  # regions 0 and 1 share a signal: strongly correlated
    x[:, 1] += 3 * common
    return np.arange(samples, dtype=float), x[:, None, :, None]


def test_regions_that_share_a_signal_are_correlated_and_others_are_not():
    t, y = signals(0)
    fc = fc_matrix(t, y, burn_ms=10.0)
    assert fc.shape == (4, 4) and np.allclose(np.diag(fc), 1.0)
    assert fc[0, 1] > 0.8 and abs(fc[2, 3]) < 0.3
    assert pairs(fc).shape == (6,)


def test_fc_follows_a_structure_that_links_the_shared_regions():
    t, y = signals(1)
    weights = np.zeros((4, 4))
    weights[0, 1] = weights[1, 0] = 1.0
    assert fc_sc_correlation(fc_matrix(t, y), weights) > 0.8
    assert fc_similarity([fc_matrix(*signals(2)), fc_matrix(*signals(3))]) > 0.8


def test_a_region_that_does_not_fluctuate_is_named():
    t, y = signals(0)
    y[:, 0, 2, 0] = 0.5
    try:
        fc_matrix(t, y)
        raise AssertionError("a constant region should be refused")
    except ValueError as error:
        assert "[2]" in str(error) and "noise" in str(error)
