"""The difficulty ladder: each goal's measured score with the seed library and without skills, in one table.

Selection can only prefer one library to another on a val goal where libraries score differently, and a
benchmark is only as useful as its goals that are neither solved always nor never. So the ladder is measured,
never typed: `evolve goals ladder --archive A --archive B --save goals/ladder.toml` reads the scored `seed` and
`none` trials of ablation and run archives, merges them (a trial stored in two archives counts once, by its
trial key) and places each goal on a rung, with the reason:

- `unmeasured`: one of the two conditions has no trial;
- `never`: every trial under both conditions scored 0;
- `always`: every trial under both conditions solved the goal;
- `flat`: the two means differ by less than `min_gap`: the library makes no measurable difference;
- `thin`: the means differ, but a condition has fewer than `min_n` trials (one lucky sample can do that);
- `selective`: the means differ on at least `min_n` trials each: a val goal that can select.

Contract: `measure` and `place` are pure; `write` then `read` gives back the same entries. Missing trials never
reach here (a model call that failed measured nothing).
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Rung = Literal["unmeasured", "never", "always", "flat", "thin", "selective"]
RUNGS: tuple[Rung, ...] = ("unmeasured", "never", "always", "flat", "thin", "selective")
CONDITIONS = ("seed", "none")
MIN_GAP = 0.1   # a difference of means below this is noise at the benchmark's seed-to-seed spread (~0.35 sd)
MIN_N = 2       # issue 21: at least two seeds per condition before a goal is called selective


@dataclass(frozen=True)
class Tally:
    """One goal under one condition: trials, mean score, how many ran and how many solved it."""

    n: int = 0
    mean: float = 0.0
    ran: int = 0
    solved: int = 0


@dataclass(frozen=True)
class Entry:
    goal: str
    split: str
    seed: Tally
    none: Tally
    rung: Rung
    reason: str


def measure(trials: Iterable[Mapping[str, Any]], min_gap: float = MIN_GAP, min_n: int = MIN_N) -> list[Entry]:
    """Entries per goal from trial rows (goal, split, condition, trial_key, score, executed, solved), each trial
    key counted once; conditions other than seed/none are ignored. Sorted by goal."""
    seen: set[tuple[str, str]] = set()
    rows: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    splits: dict[str, str] = {}
    for row in trials:
        if row["condition"] not in CONDITIONS or row.get("score") is None:
            continue
        identity = (row["condition"], row["trial_key"])
        if identity in seen:
            continue
        seen.add(identity)
        splits[row["goal"]] = row["split"]
        rows.setdefault(row["goal"], {c: [] for c in CONDITIONS})[row["condition"]].append(row)
    entries = []
    for goal in sorted(rows):
        seed, none = (_tally(rows[goal][c]) for c in CONDITIONS)
        rung, reason = place(seed, none, min_gap, min_n)
        entries.append(Entry(goal, splits[goal], seed, none, rung, reason))
    return entries


def place(seed: Tally, none: Tally, min_gap: float = MIN_GAP, min_n: int = MIN_N) -> tuple[Rung, str]:
    """The rung of a goal measured as `seed` and `none`, and why."""
    if seed.n == 0 or none.n == 0:
        return "unmeasured", f"no trial {'with the seed library' if seed.n == 0 else 'without skills'}"
    if seed.mean == 0 and none.mean == 0:
        return "never", f"all {seed.n + none.n} trials scored 0"
    if seed.solved == seed.n and none.solved == none.n:
        return "always", f"all {seed.n + none.n} trials solved it"
    gap = seed.mean - none.mean
    if abs(gap) < min_gap:
        return "flat", f"seed {seed.mean:.2f} vs none {none.mean:.2f}: less than {min_gap:g} apart"
    said = f"seed {seed.mean:.2f} (n={seed.n}) vs none {none.mean:.2f} (n={none.n})"
    if min(seed.n, none.n) < min_n:
        return "thin", f"{said}: fewer than {min_n} trials in a condition"
    return "selective", said


def _tally(rows: list[Mapping[str, Any]]) -> Tally:
    if not rows:
        return Tally()
    return Tally(n=len(rows), mean=round(sum(float(r["score"]) for r in rows) / len(rows), 4),
                 ran=sum(bool(r["executed"]) for r in rows), solved=sum(bool(r["solved"]) for r in rows))


def write(entries: Iterable[Entry], path: Path, header: str) -> None:
    """The table as TOML, one table per goal; `header` (the command and sources) as leading comments."""
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()] + [""]
    for entry in entries:
        lines.append(f'["{entry.goal}"]')
        lines.append(f'split = "{entry.split}"')
        for condition in CONDITIONS:
            tally: Tally = getattr(entry, condition)
            lines.append(f"{condition} = {{ n = {tally.n}, mean = {tally.mean!r}, ran = {tally.ran}, "
                         f"solved = {tally.solved} }}")
        lines.append(f'rung = "{entry.rung}"')
        lines.append(f"reason = {_quote(entry.reason)}")
        lines.append("")
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def read(path: Path) -> dict[str, Entry]:
    """The saved table, goal → entry. Raises ValueError naming the file and goal on a malformed row."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    entries = {}
    for goal, row in data.items():
        try:
            rung = row["rung"]
            if rung not in RUNGS:
                raise ValueError(f"unknown rung {rung!r} (one of {', '.join(RUNGS)})")
            entries[goal] = Entry(goal, str(row["split"]), Tally(**row["seed"]), Tally(**row["none"]), rung,
                                  str(row["reason"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}: goal {goal!r}: {error}") from error
    return entries


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
