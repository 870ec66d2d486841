"""What a goal's `check.py` receives and returns, and domain-free helpers for writing checks.

A goal's `check(ctx)` returns one `CheckResult` per check declared in its goal.toml. Messages are read by
the student model and the mutator, so they say what was expected and what was found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class CheckContext:
    """Evidence from one execution: the results.json the notebook wrote (None if it wrote none or it was not
    valid JSON), the simulation trace records, and the executed notebook (an nbformat node) if any."""

    results: dict[str, Any] | None
    trace: list[dict[str, Any]] = field(default_factory=list)
    notebook: Any = None


def number(ctx: CheckContext, key: str) -> float | None:
    """A finite number stored under `key` in results.json, or None."""
    if not ctx.results or key not in ctx.results:
        return None
    value = ctx.results[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def in_range(name: str, ctx: CheckContext, key: str, low: float, high: float, unit: str) -> CheckResult:
    """Passes when results.json holds a finite number under `key` within [low, high]."""
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    if key not in ctx.results:
        return CheckResult(name, False, f"results.json has no key '{key}' (it has: {', '.join(sorted(ctx.results)) or 'nothing'})")
    value = number(ctx, key)
    if value is None:
        return CheckResult(name, False, f"results.json '{key}' must be a finite number, got {ctx.results[key]!r}")
    if not low <= value <= high:
        return CheckResult(name, False, f"'{key}' = {value:g} {unit} is outside the expected range [{low:g}, {high:g}] {unit}")
    return CheckResult(name, True, f"'{key}' = {value:g} {unit} is within [{low:g}, {high:g}] {unit}")


def at_least(name: str, ctx: CheckContext, key: str, low: float, unit: str) -> CheckResult:
    """Passes when results.json holds a finite number under `key` of at least `low`."""
    result = in_range(name, ctx, key, low, math.inf, unit)
    value = number(ctx, key)
    if value is None:
        return result
    relation = "≥" if result.passed else "<"
    return CheckResult(name, result.passed, f"'{key}' = {value:g} {unit} {relation} {low:g} {unit} required")
