"""What a goal's `check.py` receives and returns, and domain-free helpers for writing checks.

A goal's `check(ctx)` returns one `CheckResult` per check declared in its goal.toml. Messages are read by
the student model and the mutator, so they say what was found and which way it is wrong (too low, too high,
missing, wrong model), never the accepted numbers: a mutator that sees "[8.7, 12.7] Hz" writes that range into a
skill, and the benchmark then measures recall of its own answers. `redact_bounds` removes numeric intervals and
bounds from messages that goal authors wrote anyway; feedback and anything a mutator reads go through it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar


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


def numbers(ctx: CheckContext, key: str, count: int, per: str) -> tuple[list[float] | None, str | None]:
    """(the list under `key` as `count` finite floats, None), or (None, a message for the student) naming the
    key, the count and what each position is (`per`, e.g. "one per coupling strength in [0.1, 0.2]")."""
    if ctx.results is None:
        return None, "no results.json was written (write it with json.dump in the notebook)"
    value: Any = ctx.results.get(key)  # anything the notebook wrote; not iterable or not numbers is refused below
    try:
        values = [float(v) for v in value]
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != count or not all(math.isfinite(v) for v in values):
        return None, f"results.json '{key}' must be a list of {count} finite numbers ({per}), got {value!r}"
    return values, None


def in_range(name: str, ctx: CheckContext, key: str, low: float, high: float, unit: str) -> CheckResult:
    """Passes when results.json holds a finite number under `key` within [low, high]. The message gives the
    value and whether it is too low or too high, never the bounds."""
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    if key not in ctx.results:
        return CheckResult(name, False, f"results.json has no key '{key}' (it has: {_keys(ctx.results)})")
    value = number(ctx, key)
    if value is None:
        return CheckResult(name, False, f"results.json '{key}' must be a finite number, got {_short(ctx.results[key])}")
    shown = f"'{key}' = {value:g}{' ' + unit if unit else ''}"
    if value < low:
        return CheckResult(name, False, f"{shown} is too low")
    if value > high:
        return CheckResult(name, False, f"{shown} is too high")
    return CheckResult(name, True, f"{shown} is in the accepted range")


def at_least(name: str, ctx: CheckContext, key: str, low: float, unit: str) -> CheckResult:
    """Passes when results.json holds a finite number under `key` of at least `low` (the message never says
    what `low` is)."""
    result = in_range(name, ctx, key, low, math.inf, unit)
    if result.passed:
        return replace(result, message=result.message.replace("is in the accepted range", "is high enough"))
    return result


def _keys(results: dict[str, Any], limit: int = 30) -> str:
    keys = sorted(str(k)[:60] for k in results)
    shown = ", ".join(keys[:limit]) or "nothing"
    return shown + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- redaction: the safety net for messages that quote accepted values ---------------------------------------

HIDDEN = "(hidden)"
_NUM = r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_UNIT = r"(?:\s*(?:[A-Za-zµμ°%/²³]+(?:/[A-Za-z]+)?))?"  # "Hz", "mm/ms", "%", "ms"
_MORE = rf"(?:{_UNIT}\s*(?:to|and|or|-|–|—|\.\.|,|;|/)\s*{_NUM})*"  # "5 to 7", "1, 2, 3" after a keyword
_BOUND_PATTERNS = [
    # [8.7, 12.7]  (8.7, 12.7)  [8.7; 12.7] Hz, unless it follows "=" or ":" (then it is a value: "a = [3, -1]")
    rf"(?<![=:])(?<![=:]\s)[\[(]\s*{_NUM}{_UNIT}\s*[,;]\s*{_NUM}{_UNIT}\s*[\])]",
    # between 8.7 and 12.7 Hz; range 8.7 to 12.7
    rf"\bbetween\s+{_NUM}{_UNIT}\s+and\s+{_NUM}",
    rf"\b(?:range|band|interval|window)s?\s*:?\s+(?:of\s+|is\s+|from\s+)?{_NUM}{_MORE}",
    # 8.7–12.7  8.7..12.7  (an en dash or dots between numbers is a range; a plain minus may be arithmetic)
    rf"{_NUM}{_UNIT}\s*(?:–|—|\.\.)\s*{_NUM}",
    # ± 0.5, +/- 0.5, plus or minus 0.5
    rf"(?:±|\+/-|\+-|\bplus or minus)\s*{_NUM}",
    # ≥ 8, <= 8, < 8 ... (a comparator followed by a number is a bound; followed by a name it is a value)
    rf"(?:≤|≥|<=|>=|=<|=>|<|>|≠|!=)\s*{_NUM}",
    # at least 8, no more than 3, below 0.2, exceeds 10 ...
    rf"\b(?:at\s+least|at\s+most|no\s+more\s+than|no\s+less\s+than|no\s+fewer\s+than|more\s+than|"
    rf"less\s+than|fewer\s+than|greater\s+than|smaller\s+than|higher\s+than|lower\s+than|above|below|"
    rf"under|over|exceeds?|exceeding|within|up\s+to|minimum(?:\s+of)?|maximum(?:\s+of)?|threshold(?:\s+of)?"
    rf"|tolerance(?:\s+of)?)\s+{_NUM}",
    # expected 0.5 / expected range: 5 to 7 / should be 0.5 / accepted values 1, 2
    rf"\b(?:expected|expects|expecting|should\s+be|must\s+be|accepted|allowed|target(?:ed)?)"
    rf"(?:\s+(?:value|range|band|interval|values?))?(?:\s*(?:=|:|is|of|in|around|about|near|~|≈))?\s*"
    rf"(?P<open>[\[(])?\s*{_NUM}{_MORE}(?(open)\s*[\])])",
]
_BOUNDS = re.compile("|".join(f"(?:{p})" for p in _BOUND_PATTERNS), re.IGNORECASE)
_NUMBER_START = re.compile(r"[-+−]?\.?\d|[\[(]")


def redact_bounds(message: str) -> str:
    """`message` with numeric intervals and bounds replaced by "(hidden)": "[8.7, 12.7] Hz", "between 8.7 and
    12.7", "≥ 2000 ms", "at least 5", "expected 0.5", "± 0.01". The words before the number stay, so the text
    still reads ("expected (hidden)", "at least (hidden)"). Values the notebook produced ("'peak' = 3.2 Hz")
    are kept: only numbers in the position of a bound are removed."""
    return _BOUNDS.sub(_hide, message)


def _hide(match: re.Match) -> str:
    # Keep the words or comparator before the first number ("expected", "at least", "≥"), drop the numbers.
    text = match.group(0)
    start = _NUMBER_START.search(text)
    words = text[:start.start() if start else len(text)].rstrip()
    return f"{words} {HIDDEN}" if words else HIDDEN


Check = TypeVar("Check", CheckResult, dict)


def redacted_checks(checks: list[Check]) -> list[Check]:
    """The same checks with `redact_bounds` applied to each message (CheckResult objects or their dicts, as
    TrialResult.checks holds them): what the student and the mutator may see."""
    out = []
    for check in checks:
        if isinstance(check, CheckResult):
            out.append(replace(check, message=redact_bounds(check.message)))
        else:
            out.append({**check, "message": redact_bounds(str(check.get("message", "")))})
    return out
