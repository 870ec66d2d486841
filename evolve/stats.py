"""Honest summaries of noisy trial scores: bootstrap intervals and paired differences.

Missing trials (a provider down, a broken check) are excluded and counted, never averaged in as zeros.
Resampling is seeded so a report is reproducible.

Trials of one goal are not independent (a goal is hard or easy for every seed), so where values come grouped
by goal, `clustered_mean` resamples goals and then seeds within each drawn goal (the two-stage bootstrap for
clustered data: Davison & Hinkley 1997, Bootstrap Methods and their Application, §3.8; Field & Welsh 2007,
"Bootstrapping clustered data", JRSS B 69:369-390), and the estimate is the mean of goal means (every goal
weighs the same). Its interval says how the result would vary on other goals like these, not only other seeds.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping, Sequence

import numpy as np

RESAMPLES = 5000


@dataclass(frozen=True)
class Interval:
    mean: float | None
    low: float | None
    high: float | None
    n: int
    groups: int | None = None  # clusters (goals) the interval resampled; None: values resampled as independent

    def __str__(self) -> str:
        if self.mean is None:
            return "n/a (no data)"
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def with_groups(self) -> str:
        """The interval with how many goals it rests on (what makes it wide or narrow)."""
        return str(self) if self.groups is None or self.mean is None else f"{self} ({self.groups} goals)"


def bootstrap_mean(values: Sequence[float], confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean with a percentile-bootstrap confidence interval."""
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return Interval(None, None, None, 0)
    if data.size == 1:
        return Interval(float(data[0]), float(data[0]), float(data[0]), 1)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(RESAMPLES, data.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    return Interval(float(data.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)),
                    int(data.size))


def paired_difference(pairs: Sequence[tuple[float | None, float | None]], confidence: float = 0.95,
                      seed: int = 0) -> Interval:
    """Mean of (b - a) over matched pairs (same goal, seed and model), with a bootstrap interval; a pair with a
    missing side (None) is left out."""
    return bootstrap_mean([b - a for a, b in pairs if a is not None and b is not None], confidence, seed)


def clustered_mean(groups: Mapping[str, Sequence[float]], confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of group means with a two-stage (groups, then values within groups) percentile bootstrap; see the
    module doc. Missing values are left out; a group with none is dropped."""
    clusters = [np.asarray([v for v in values if v is not None], dtype=float) for values in groups.values()]
    clusters = [c for c in clusters if c.size]
    n = int(sum(c.size for c in clusters))
    if not clusters:
        return Interval(None, None, None, 0, 0)
    estimate = float(np.mean([c.mean() for c in clusters]))
    if n == 1:
        return Interval(estimate, estimate, estimate, 1, 1)
    rng = np.random.default_rng(seed)
    k = len(clusters)
    means = np.empty(RESAMPLES)
    picks = rng.integers(0, k, size=(RESAMPLES, k))
    for i in range(RESAMPLES):
        drawn = [clusters[j] for j in picks[i]]
        means[i] = np.mean([c[rng.integers(0, c.size, size=c.size)].mean() for c in drawn])
    tail = (1 - confidence) / 2
    return Interval(estimate, float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)), n, k)
