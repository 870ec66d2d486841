"""Racing: is a challenger better than the library it would replace, decided on as many paired trials as the noise
needs — few when the difference is large, up to a cap when it is small — instead of on one lucky sample.

The test (a sequential paired test in the style of F-race / irace and cap-evolve's Δ > k·SE gate): after each
round of pairs (same goal, same seed, challenger − incumbent), with n pairs of mean d̄,
  SE = s_pooled / √n,  s_pooled² = ((n − 1)·s² + w·σ0²) / (n − 1 + w)
where s is the pairs' sample standard deviation and σ0 the prior standard deviation of one difference, measured
from the archive's seed-to-seed spread (`prior_sd_of_differences`) and worth w pseudo-pairs. Pooling with the
prior keeps a run of identical pairs (all 0: neither library ran) from looking certain. Then
  - "better"     when d̄ − k·SE > margin;
  - "not better" when d̄ + k_f·SE < margin + min_effect: not even an optimistic reading (k_f = futility_k,
    smaller than k) reaches the smallest gain worth paying trials for — so a child that changes nothing
    measurable (all pairs 0, the common case) is refused at the first look instead of running to the cap;
  - otherwise "undecided": another round, unless the cap of pairs is reached — then it is refused as undecided
    (counted: a run reports how many decisions hit the cap).
k is set for repeated looks: with k = 3, a first look at 6 pairs and rounds of 3 up to 18, an equal challenger is
accepted at most 3.6% of the time (after 9-11 pairs on average; all-zero pairs are refused at 6), a clearly
better one (solve rate 0.05 → 0.7) 99.6% of the time after 6.9 pairs, a moderately better one (0.15 → 0.4) only
31% of the time: the price of not being fooled by noise at these sample sizes (tests/test_racing.py simulates
bounded, mostly-zero scores like the benchmark's; k = 2.5 accepted 5-6% of equal challengers, and k = 2.5 with a
first look at 2 pairs 8-10%).

Pure functions of scores already measured; missing scores (None) are dropped and counted, never read as zeros.

References: M. Birattari et al., "A Racing Algorithm for Configuring Metaheuristics" (GECCO 2002), F-race;
M. López-Ibáñez et al., "The irace package" (2016); A. Wald, "Sequential Tests of Statistical Hypotheses" (1945).
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from ..config import RaceSettings  # k, min_pairs, max_pairs (the cap), prior_sd (σ0 by default), prior_weight (w)

Verdict = Literal["better", "not better", "undecided"]


@dataclass(frozen=True)
class RaceDecision:
    verdict: Verdict
    pairs: int
    missing: int
    mean: float | None
    se: float | None
    at_cap: bool  # the cap was reached without a decision (verdict then "undecided")
    reason: str

    @property
    def accepted(self) -> bool:
        return self.verdict == "better"

    @property
    def finished(self) -> bool:
        """No more pairs to run: a verdict, or the cap."""
        return self.verdict != "undecided" or self.at_cap


Key = TypeVar("Key", bound=Hashable)  # one pair's key, the same type on both sides


def decide(challenger: Mapping[Key, float | None], incumbent: Mapping[Key, float | None],
           settings: RaceSettings, margin: float = 0.0, prior_sd: float | None = None) -> RaceDecision:
    """The race's state after the pairs measured so far (keys: (goal, seed)); see the module contract. `prior_sd`
    (σ0, e.g. from `prior_sd_of_differences`) replaces the settings' default."""
    keys = sorted(set(challenger) | set(incumbent), key=repr)
    diffs = [c - i for key in keys if (c := challenger.get(key)) is not None and (i := incumbent.get(key)) is not None]
    n, missing = len(diffs), len(keys) - len(diffs)
    at_cap = n >= settings.max_pairs
    if n == 0:
        return RaceDecision("undecided", 0, missing, None, None, at_cap, f"no complete pairs ({missing} missing)")
    mean = sum(diffs) / n
    sigma0 = settings.prior_sd if prior_sd is None else prior_sd
    sample_var = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
    pooled = ((n - 1) * sample_var + settings.prior_weight * sigma0 ** 2) / (n - 1 + settings.prior_weight)
    se = math.sqrt(pooled / n)
    summary = (f"mean Δ {mean:+.3f} ± {settings.k:g}·SE {se:.3f} over {n} pair(s)"
               + (f", {missing} missing" if missing else ""))
    if n < settings.min_pairs:
        return RaceDecision("undecided", n, missing, mean, se, at_cap, f"{summary}; need {settings.min_pairs} pairs")
    if mean - settings.k * se > margin:
        return RaceDecision("better", n, missing, mean, se, False, f"better: {summary} clears {margin:g}")
    if mean + settings.futility_k * se < margin + settings.min_effect:
        return RaceDecision("not better", n, missing, mean, se, False,
                            f"not better: {summary}; even +{settings.futility_k:g}·SE stays under the smallest "
                            f"gain worth having ({margin + settings.min_effect:g})")
    if at_cap:
        return RaceDecision("undecided", n, missing, mean, se, True,
                            f"undecided at the cap of {settings.max_pairs} pairs: {summary}; refused")
    return RaceDecision("undecided", n, missing, mean, se, False, f"undecided: {summary}; more pairs")


def prior_sd_of_differences(scores_by_cell: Mapping[tuple[Hashable, Hashable], Iterable[float | None]],
                            default: float, floor: float = 0.1) -> tuple[float, int]:
    """σ0 for one paired difference from seed-to-seed spread: for each (library, goal) cell with ≥ 2 scores, the
    sample variance across seeds; their mean (weighted by degrees of freedom) is one trial's noise, and a
    difference of two independent trials has twice that variance. Returns (σ0, cells used); `default` when no
    cell has two scores, and never below `floor` (cells that scored 0 on every seed say nothing about a library
    that might run)."""
    total, dof, cells = 0.0, 0, 0
    for values in scores_by_cell.values():
        present = [float(v) for v in values if v is not None]
        if len(present) < 2:
            continue
        mean = sum(present) / len(present)
        total += sum((v - mean) ** 2 for v in present)
        dof += len(present) - 1
        cells += 1
    if not dof:
        return default, 0
    return max(floor, math.sqrt(2 * total / dof)), cells
