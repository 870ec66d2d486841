"""Acceptance: is a child better than its parent on a paired train minibatch, and does an incumbent's val score
hold up when re-scored before it becomes "best so far"?

Both are pure functions of scores already measured. Missing scores (a provider outage, a broken check) are
dropped and counted, never read as zeros: a child must not win because its parent's trial failed to run.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Hashable, Iterable, Mapping

from ..stats import Interval, bootstrap_mean

Key = tuple[str, int]  # (goal slug, seed): the child and its parent are compared on the same goal and seed


@dataclass(frozen=True)
class Decision:
    accepted: bool
    delta_mean: float | None  # mean of (child − parent) over complete pairs; None when there are none
    pairs: int  # keys where both scores exist
    missing: int  # keys (in either mapping) where the child's or the parent's score is absent or None
    reason: str


def compare(child: Mapping[Key, float | None], parent: Mapping[Key, float | None], margin: float,
            min_pairs: int) -> Decision:
    """The minibatch gate: accept iff at least `min_pairs` complete pairs exist and mean(child − parent) > margin.

    A pair is a key present in both mappings with a score on both sides; every other key in either mapping counts
    as missing. The comparison is strict, so with margin 0 a tie is a rejection (GEPA's StrictImprovementAcceptance:
    a child that changes nothing measurable costs val trials for nothing)."""
    keys = set(child) | set(parent)
    diffs = [c - p for key in sorted(keys) if (c := child.get(key)) is not None and (p := parent.get(key)) is not None]
    pairs, missing = len(diffs), len(keys) - len(diffs)
    if pairs == 0:
        return Decision(False, None, 0, missing, f"no complete pairs ({missing} missing)")
    delta = sum(diffs) / pairs
    summary = f"mean child−parent {delta:+.3f} over {pairs} pair(s), {missing} missing"
    if pairs < min_pairs:
        return Decision(False, delta, pairs, missing, f"too few pairs: {summary}; need {min_pairs}")
    if delta > margin:
        return Decision(True, delta, pairs, missing, f"better: {summary} > margin {margin:g}")
    return Decision(False, delta, pairs, missing, f"not better: {summary} ≤ margin {margin:g}")


@dataclass(frozen=True)
class Confirmation:
    confirmed: bool
    old_mean: float | None  # the score that made it a candidate (shown for the regression, not used to decide)
    new_mean: float | None  # the mean of the fresh re-scores alone
    new_interval: Interval  # bootstrap interval of the fresh re-scores (for reports; the rule uses the mean)
    missing: int  # fresh re-scores that came back missing
    reason: str

    def __bool__(self) -> bool:
        # Without this, `if rescore_confirms(...)` would always be true (a dataclass instance is truthy).
        return self.confirmed


def rescore_confirms(old_scores: Iterable[float | None] | Mapping[Hashable, float | None],
                     new_scores: Iterable[float | None] | Mapping[Hashable, float | None],
                     threshold: float) -> Confirmation:
    """Re-check an incumbent before it becomes best so far.

    Confirms iff the mean of the *fresh* scores alone (new seeds, missing ones dropped) is strictly above
    `threshold` — typically the current best-so-far val score the incumbent is about to displace — and at least
    one fresh score exists. The old scores are not pooled in: they are the possibly lucky draw being checked, and
    averaging them in would let that luck carry the decision. Mappings are read by their values."""
    old = _present(_values(old_scores))
    fresh = _values(new_scores)
    new = _present(fresh)
    missing = len(fresh) - len(new)
    old_mean = sum(old) / len(old) if old else None
    interval = bootstrap_mean(new)
    if not new:
        return Confirmation(False, old_mean, None, interval, missing, f"no fresh scores ({missing} missing)")
    new_mean = sum(new) / len(new)
    was = f"{old_mean:.3f}" if old_mean is not None else "n/a"
    summary = f"re-scored mean {new_mean:.3f} over {len(new)} trial(s) (was {was}; {interval})"
    if new_mean > threshold:
        return Confirmation(True, old_mean, new_mean, interval, missing, f"confirmed: {summary} > {threshold:.3f}")
    return Confirmation(False, old_mean, new_mean, interval, missing, f"not confirmed: {summary} ≤ {threshold:.3f}")


def _values(scores) -> list:
    return list(scores.values()) if isinstance(scores, Mapping) else list(scores)


def _present(values: list) -> list[float]:
    return [float(s) for s in values if s is not None]
