"""What an execution may use (`Limits`) and what it left behind (`ExecutionRecord`), plus error text.

Error strings are read by the student model in its feedback turn, so they are short, ANSI-free and start
with what went wrong: `"NameError: name 'x' is not defined"` then the trimmed traceback, or the limit that
stopped the run (`"timeout: cell 3 exceeded 120 s"`, `"memory: exceeded 4096 MB ..."`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

TRACEBACK_LINES = 25
MAX_HEAD_CHARS = 2000
MAX_LINE_CHARS = 400
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits. `memory_mb` bounds the RSS of the kernel's whole process tree; `output_mb`
    bounds the cell outputs the parent collects (a print loop must not fill the caller's memory)."""

    cell_timeout_s: float = 120.0
    total_timeout_s: float = 300.0
    memory_mb: int = 4096
    output_mb: int = 64


@dataclass
class ExecutionRecord:
    """The outcome of executing one notebook in the sandbox.

    `executed` is True only if every code cell ran without error within the limits. `error_cell` indexes
    `notebook.cells` (markdown cells included). `isolation` lists what was actually active for this run
    (see `detect_isolation`). `notebook` holds the outputs produced so far, also on failure."""

    executed: bool
    error: str | None
    error_cell: int | None
    timed_out: bool
    memory_exceeded: bool
    wall_s: float
    isolation: list[str]
    notebook: nbformat.NotebookNode
    workdir: Path
    output_exceeded: bool = False
    kernel_log: str = field(default="", repr=False)  # tail of the kernel's stderr, for diagnosing deaths


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


def format_error(ename: str, evalue: str, traceback: list[str] | None, *, lines: int = TRACEBACK_LINES) -> str:
    """`"ename: evalue"` followed by the last `lines` lines of the ANSI-stripped traceback. Long values and
    lines are clipped: the text goes into a small model's context."""
    head = _clip(f"{ename}: {evalue}" if evalue else ename, MAX_HEAD_CHARS)
    body = strip_ansi("\n".join(traceback or [])).rstrip().splitlines()
    body = [_clip(line.rstrip(), MAX_LINE_CHARS) for line in body]
    if len(body) > lines:
        body = [f"... ({len(body) - lines} earlier traceback lines omitted)"] + body[-lines:]
    return "\n".join([head, *body]) if body else head


def tail(text: str, lines: int = 15) -> str:
    """The last `lines` lines of `text`, ANSI-stripped."""
    return "\n".join(strip_ansi(text).rstrip().splitlines()[-lines:])
