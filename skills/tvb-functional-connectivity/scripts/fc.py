"""Functional connectivity: the region-by-region correlation matrix, its pairs, and how it compares."""
import itertools

import numpy as np


def fc_matrix(times, data, burn_ms=0.0, voi=0):
    """The (region, region) Pearson correlation of the signals after the burn-in.

    `data` is a monitor's output: 4-D (time, voi, region, mode) as `sim.run()` returns it, or 2-D (time, region).
    A region whose signal is constant has no correlation: that is an error naming it (a run without noise at a
    fixed point), never a matrix with NaN in it."""
    x = np.asarray(data, dtype=float)
    x = x[:, voi, :, 0] if x.ndim == 4 else x
    if x.ndim != 2:
        raise ValueError(f"expected (time, voi, region, mode) or (time, region) data, got shape {x.shape}")
    times = np.asarray(times, dtype=float).ravel()
    if len(times) != x.shape[0]:
        raise ValueError(f"{len(times)} times but {x.shape[0]} samples: pass the t and y of the same monitor")
    x = x[times > burn_ms]
    if x.shape[0] < 3:
        raise ValueError(f"only {x.shape[0]} samples after the {burn_ms} ms burn-in: simulate longer")
    flat = np.flatnonzero(x.std(axis=0) == 0)
    if flat.size:
        raise ValueError(f"region(s) {flat[:10].tolist()} do not fluctuate, so they have no correlation: "
                         "add noise or simulate away from the fixed point")
    return np.corrcoef(x.T)


def pairs(matrix):
    """Each region pair once, without the diagonal: the upper triangle as a 1-D vector."""
    matrix = np.asarray(matrix)
    return matrix[np.triu_indices(matrix.shape[0], k=1)]


def pearson(a, b):
    """The Pearson correlation of two equally long vectors, as a float."""
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def fc_sc_correlation(fc, weights):
    """How well functional connectivity follows structure: Pearson r between the pairs of FC and of the weights."""
    return pearson(pairs(fc), pairs(weights))


def fc_similarity(fcs):
    """The mean Pearson r between the pairs of every two FC matrices (e.g. runs with different noise seeds)."""
    fcs = list(fcs)
    if len(fcs) < 2:
        raise ValueError("similarity needs at least two FC matrices")
    return float(np.mean([pearson(pairs(a), pairs(b)) for a, b in itertools.combinations(fcs, 2)]))
