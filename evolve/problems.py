"""A validation problem: which file, which line, what is wrong and what to change.

Validators are pure functions returning lists of `Problem`; nothing raises for bad user input
until the command line decides how to report it.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    line: int | None = None
    code: str = "invalid"  # a stable short name for the kind of problem (tests pin these)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message} [{self.code}]"


def closest(word: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The most similar valid word, for 'did you mean' hints."""
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    hint = closest(word, choices)
    if hint:
        return f"did you mean '{hint}'?"
    return "valid keys: " + ", ".join(choices)


def line_of(text: str, needle_prefix: str, start_line: int = 1) -> int | None:
    """1-based number of the first line (at or after start_line) that starts with needle_prefix, ignoring indentation."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start_line and line.lstrip().startswith(needle_prefix):
            return number
    return None
