"""From a model's reply to a Jupyter notebook.

The student writes cells as text, never notebook JSON (autotvb lost ~30% of small-model notebooks to broken
JSON escaping). Accepted, in order of preference (`Draft.path` records which one was taken):
  1. `json`: notebook JSON, if the model sent it anyway and it is valid;
  2. `fences`: one or more fenced blocks. Code fences become code cells, split at `# %%` markers (py:percent,
     markdown cells as `# %% [markdown]`); prose between fences and non-Python fences become markdown cells, and
     a non-Python fence is noted (`Draft.notes`) so the student hears it was not run;
  3. `percent`: bare py:percent text (`# %%` markers, no fences);
  4. `bare`: bare Python that parses.
Prose with no code is rejected with a reason the model can act on.

Never lose what the student wrote: every code line of the reply ends up in the notebook, in order (a property test
checks it over generated replies). Fences are found line by line, as Markdown does: a fence opens and closes only
on a line of its own, so a fence mark inside a comment (`# ```` at the end of a markdown cell, seen in real
replies) neither opens nor closes one. A code fence is left out only when every one of its lines appears, in
order, in another code fence of the reply (the model showed a snippet, then the whole notebook).
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from collections.abc import Callable

import nbformat
from nbformat import NotebookNode

PERCENT_MARKER = re.compile(r"^# %%", re.MULTILINE)
CODE_LANGUAGES = {"", "python", "py", "python3", "ipython", "ipython3"}

NO_CODE = ("Your reply contained no Python code. Reply with the whole notebook as Python: one ```python block, "
           "cells separated by lines '# %%', markdown cells as '# %% [markdown]' followed by '# ' comment lines.")


ConversionPath = Literal["json", "fences", "percent", "bare", "rejected"]


@dataclass
class Draft:
    """A notebook built from a reply, or the reason none could be built."""

    notebook: NotebookNode | None
    reason: str | None = None  # why the reply was rejected (for the model)
    syntax_errors: list[str] = field(default_factory=list)  # per code cell, for early feedback
    path: ConversionPath = "rejected"  # how the reply was read (see the module docstring)
    notes: list[str] = field(default_factory=list)  # parts of the reply that were kept but not run, for the model

    @property
    def ok(self) -> bool:
        return self.notebook is not None


def from_reply(text: str) -> Draft:
    """Build a notebook from a model's reply text."""
    text = text.replace("\r\n", "\n")
    notes: list[str] = []
    readers: tuple[tuple[ConversionPath, Callable[[str], NotebookNode | None]], ...] = (
        ("json", _from_notebook_json), ("fences", lambda t: _from_fences(t, notes)),
        ("percent", _from_bare_percent), ("bare", _from_bare_code))
    for path, build in readers:  # noqa: B007 (`path` is read after the loop: the reader that built the notebook)
        notebook = build(text)
        if notebook is not None:
            break
    if notebook is None or not any(c.cell_type == "code" and c.source.strip() for c in notebook.cells):
        return Draft(None, NO_CODE, notes=notes)
    return Draft(notebook, None, syntax_errors(notebook), path, notes)


@dataclass(frozen=True)
class Fence:
    language: str  # lower-case info string's first word; "" when none
    body: str
    start: int  # index of the opening line
    end: int  # index after the closing line (or the last line, when unterminated)


_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")


def fences(text: str) -> list[Fence]:
    """The fenced blocks of `text`, found line by line (CommonMark's rule: a fence opens and closes only on a line
    of its own, the closing fence at least as long as the opening one, of the same character). An unterminated
    fence runs to the end of the text."""
    lines, found, i = text.split("\n"), [], 0
    while i < len(lines):
        opening = _OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        mark = opening.group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        found.append(Fence(opening.group(2).lower(), "\n".join(lines[i + 1:j]), i, min(j + 1, len(lines))))
        i = j + 1
    return found


def code_cells(notebook: NotebookNode) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == "code"]


def code_text(notebook: NotebookNode) -> str:
    """All code of a notebook as one script (for static scanning)."""
    return "\n\n".join(code_cells(notebook))


def syntax_errors(notebook: NotebookNode) -> list[str]:
    errors = []
    for index, source in enumerate(code_cells(notebook)):
        try:
            ast.parse(_without_magics(source))
        except SyntaxError as error:
            errors.append(f"code cell {index + 1}, line {error.lineno}: SyntaxError: {error.msg}")
    return errors


def read(path: Path) -> NotebookNode:
    """Read a notebook file: `.ipynb`, or `.py` in py:percent form."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    return new_notebook(_percent_cells(path.read_text(encoding="utf-8")))  # no marker needed: the file says it


def write(notebook: NotebookNode, path: Path) -> None:
    nbformat.write(notebook, Path(path))


def new_notebook(cells: list[tuple[str, str]]) -> NotebookNode:
    """A notebook from (kind, source) pairs, kind 'code' or 'markdown'."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [make[kind](source.strip("\n")) for kind, source in cells if source.strip()]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _percent_cells(source: str) -> list[tuple[str, str]]:
    """(kind, source) cells of py:percent text; text without a marker is one code cell.

    Split here, line by line, not by jupytext: jupytext reads a fence mark in a markdown comment (`# ```) as the
    start of a fenced block and swallows every cell up to the next one as markdown (the lost imports above). A
    markdown cell is its comment lines with the `# ` taken off; where its comment lines give way to code with no
    `# %%` before it (small models do this often), the code starts a code cell. Other cell kinds (`[raw]`) are
    kept as markdown."""
    if not PERCENT_MARKER.search(source):
        return [("code", source)]
    cells: list[tuple[str, str]] = []
    kind, lines = "code", []

    def flush() -> None:
        if kind == "code":
            cells.append(("code", "\n".join(lines)))
            return
        text: list[str] = []
        for number, line in enumerate(lines):
            if line.strip() and not line.lstrip().startswith("#"):
                cells.append(("markdown", "\n".join(text)))
                cells.append(("code", "\n".join(lines[number:])))
                return
            text.append(re.sub(r"^\s*# ?", "", line))
        cells.append(("markdown", "\n".join(text)))

    for line in source.split("\n"):
        if PERCENT_MARKER.match(line):
            flush()
            kind, lines = ("code" if _CODE_HEADER.match(line) else "markdown"), []
        else:
            lines.append(line)
    flush()
    return [(k, text) for k, text in cells if text.strip()]


def _from_percent(text: str, require_marker: bool = True) -> NotebookNode | None:
    """A py:percent file (`read`), or bare py:percent text."""
    if require_marker and not PERCENT_MARKER.search(text):
        return None
    return new_notebook(_percent_cells(text))


def _from_bare_percent(text: str) -> NotebookNode | None:
    return _from_percent(text) if not fences(text) else None


_CODE_HEADER = re.compile(r"^# %%(?!.*\[(?:markdown|md|raw)\])")  # `# %%`, `# %% title`: a code cell


def _from_fences(text: str, notes: list[str]) -> NotebookNode | None:
    found = fences(text)
    code = [f for f in found if f.language in CODE_LANGUAGES and f.body.strip()]
    if not code:
        return None
    kept = [f for i, f in enumerate(code) if not any(_repeats(f.body, other.body, j < i)
                                                        for j, other in enumerate(code) if j != i)]
    lines, cells, position = text.split("\n"), [], 0
    for fence in found:
        prose = "\n".join(lines[position:fence.start]).strip()
        if prose:
            cells.append(("markdown", prose))
        position = fence.end
        if fence in kept:
            cells += _percent_cells(fence.body)
        elif fence.language not in CODE_LANGUAGES and fence.body.strip():
            cells.append(("markdown", f"```{fence.language}\n{fence.body}\n```"))
            notes.append(f"a ```{fence.language or 'text'} block was kept as text and not run: the notebook runs "
                         f"Python cells only")
    tail = "\n".join(lines[position:]).strip()
    if tail:
        cells.append(("markdown", tail))
    return new_notebook(cells)


def _repeats(small: str, big: str, big_first: bool) -> bool:
    """True when `small` adds nothing to `big`: its non-blank lines all appear in `big`, in order, and `big` has
    more of them (a snippet shown before the whole notebook), or the two are the same and `big` came first."""
    wanted = [line.strip() for line in small.split("\n") if line.strip()]
    have = [line.strip() for line in big.split("\n") if line.strip()]
    if wanted == have:
        return big_first
    if len(have) <= len(wanted):
        return False
    remaining = iter(have)
    return all(any(line == candidate for candidate in remaining) for line in wanted)


def _from_bare_code(text: str) -> NotebookNode | None:
    if "```" in text or not text.strip():
        return None
    try:
        tree = ast.parse(_without_magics(text))
    except SyntaxError:
        return None
    # Prose can parse as Python only in degenerate cases (a lone word); demand real statements.
    if not any(not isinstance(node, ast.Expr) or isinstance(node.value, ast.Call) for node in tree.body):
        return None
    return new_notebook([("code", text)])


def _from_notebook_json(text: str) -> NotebookNode | None:
    stripped = text.strip()
    for fence in fences(stripped):
        if fence.body.lstrip().startswith("{"):
            stripped = fence.body.strip()
            break
    if not stripped.startswith("{"):
        return None
    try:
        notebook = nbformat.reads(stripped, as_version=4)
        nbformat.validate(notebook)
    except (json.JSONDecodeError, nbformat.ValidationError, AttributeError, KeyError, TypeError):
        return None
    return new_notebook([(c.cell_type, c.source) for c in notebook.cells if c.cell_type in ("code", "markdown")])


def _without_magics(source: str) -> str:
    # IPython magics and shell escapes are not Python syntax; blank them so line numbers stay right.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
