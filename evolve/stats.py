"""Honest summaries of noisy trial scores: bootstrap intervals and paired differences.

Missing trials (a provider down, a broken check) are excluded and counted, never averaged in as zeros.
Resampling is seeded so a report is reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

RESAMPLES = 5000


@dataclass(frozen=True)
class Interval:
    mean: float | None
    low: float | None
    high: float | None
    n: int

    def __str__(self) -> str:
        if self.mean is None:
            return "n/a (no data)"
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


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


def paired_difference(pairs: Sequence[tuple[float, float]], confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of (b - a) over matched pairs (same goal, seed and model), with a bootstrap interval."""
    return bootstrap_mean([b - a for a, b in pairs if a is not None and b is not None], confidence, seed)
