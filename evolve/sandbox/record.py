"""What an execution may use (`Limits`) and what it left behind (`ExecutionRecord`), plus error text.

Error strings are read by the student model in its feedback turn, so they are short, ANSI-free and start
with what went wrong: `"NameError: name 'x' is not defined"` then the trimmed traceback, or the limit that
stopped the run (`"timeout: cell 3 exceeded 120 s"`, `"memory: exceeded 4096 MB ..."`). Each limit has a
`TripKind`, which is also the prefix of its message: memory, timeout, output, tasks, disk.

Two kinds of failure are kept apart: the notebook's (`error`, the student's feedback) and the machinery's
(`infrastructure_error`: the kernel or its sandbox could not start, a startup file or the preload failed).
The second is missing data, never the notebook's fault; `error` then holds the same text.
"""
from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import nbformat

TRACEBACK_LINES = 25
MAX_HEAD_CHARS = 2000
MAX_LINE_CHARS = 400
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")

TripKind = Literal["memory", "timeout", "output", "tasks", "disk"]


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits, over the kernel's whole process tree.

    `memory_mb`: proportional set size (shared pages counted once) plus memory files held open or mapped
    (memfd, deleted tmpfs files, SysV shared memory) plus the sandbox's /dev/shm. `output_mb`: the cell
    outputs the parent collects (a print loop must not fill the caller's memory) and the kernel's log.
    `disk_mb`: bytes the notebook can write (its folder, the evidence dir, its private /tmp and state, deleted
    files held open); also each file's size limit. `max_tasks`: processes + threads."""

    cell_timeout_s: float = 120.0
    total_timeout_s: float = 300.0
    memory_mb: int = 4096
    output_mb: int = 64
    disk_mb: int = 2048
    max_tasks: int = 256


@dataclass
class ExecutionRecord:
    """The outcome of executing one notebook in the sandbox.

    `executed` is True only if every code cell ran without error within the limits. `error_cell` indexes
    `notebook.cells` (markdown cells included). `isolation` lists what was actually active for this run
    (see `detect_isolation`). `notebook` holds the outputs produced so far, also on failure, and can always
    be written with nbformat. `limit_exceeded` names the limit that stopped the run, if one did.
    `evidence_dir` is where the kernel's evidence went ($EVOLVE_EVIDENCE_DIR), or None.
    `infrastructure_error` is set (and `executed` False) when the failure was not the notebook's: treat the
    run as missing data."""

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
    evidence_dir: Path | None = None
    infrastructure_error: str | None = None
    limit_exceeded: TripKind | None = None
    # Where `wall_s` went: starting the kernel until it answered, its startup files and preload (the domain's
    # imports), and the cells. With a warm pool the first two happened before the notebook arrived: 0.
    kernel_start_s: float = 0.0
    imports_s: float = 0.0
    execution_s: float = 0.0


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 4, MAX_HEAD_CHARS, 200


def text(value: object) -> str:
    """`value` as text, safely: a string as it is, anything else as a bounded repr (a notebook can send a
    10,000-deep list where a string belongs; str() of that would raise RecursionError)."""
    return value if isinstance(value, str) else _REPR.repr(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


def format_error(ename: str, evalue: str, traceback: list[str] | None, *, lines: int = TRACEBACK_LINES) -> str:
    """`"ename: evalue"` followed by the last `lines` lines of the ANSI-stripped traceback. Long values and
    lines are clipped: the text goes into a small model's context."""
    # The content comes from the kernel, i.e. from the notebook, and may hold anything (text()).
    ename, evalue = text(ename), text(evalue) if evalue else ""
    traceback = traceback if isinstance(traceback, list) else [] if traceback is None else [traceback]
    head = _clip(f"{ename}: {evalue}" if evalue else ename, MAX_HEAD_CHARS)
    body = strip_ansi("\n".join(text(line) for line in traceback)).rstrip().splitlines()
    body = [_clip(line.rstrip(), MAX_LINE_CHARS) for line in body]
    if len(body) > lines:
        body = [f"... ({len(body) - lines} earlier traceback lines omitted)"] + body[-lines:]
    return "\n".join([head, *body]) if body else head


def tail(text: str, lines: int = 15) -> str:
    """The last `lines` lines of `text`, ANSI-stripped."""
    return "\n".join(strip_ansi(text).rstrip().splitlines()[-lines:])
