"""Verified facts: the domain's sentences that a test confirms, read from an index file.

The index is a Markdown table whose rows are `` | `test_name` | the fact sentence | `` (the TVB one is
docs/tvb-facts.md, named by `[library] facts_index`). Each row names the test that verifies it against the pinned
domain library; a project test holds every row to its test's `Fact:` docstring, so a sentence taken from here is
one that execution confirmed. The error-fact operator (evolve.engine.operators.error_fact) turns a recurring
error into one of these sentences; nothing else may.

Contract: `read_index` never raises on a malformed row (it is skipped: a header, a separator, prose); it raises
OSError only when the file cannot be read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The first cell may add a note after the name: "(slow)", "(in `tests/other_module.py`)".
_ROW = re.compile(r"^\|\s*`(?P<test>[A-Za-z_][A-Za-z0-9_]*)`(?:\s*\([^|]*\))?\s*\|\s*(?P<text>.+?)\s*\|\s*$")


@dataclass(frozen=True)
class Fact:
    text: str  # the sentence a skill may state
    test: str  # the test function that verifies it


def read_index(path: Path) -> list[Fact]:
    """Every `| `test` | fact |` row of the index, in file order."""
    facts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line.strip())
        if match:
            facts.append(Fact(match["text"].strip(), match["test"]))
    return facts
