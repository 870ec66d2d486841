"""From a model's reply to a Jupyter notebook.

The student writes cells as text, never notebook JSON (autotvb lost ~30% of small-model notebooks to broken
JSON escaping). Accepted, in order of preference:
  1. py:percent text (`# %%` cell markers), bare or inside one ```python fence;
  2. one or more ```python fenced blocks: one code cell each, prose between them becomes markdown;
  3. bare Python that parses;
  4. notebook JSON, if the model sent it anyway and it is valid.
Prose with no code is rejected with a reason the model can act on.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
PERCENT_MARKER = re.compile(r"^# %%", re.MULTILINE)
CODE_LANGUAGES = {"", "python", "py", "python3", "ipython", "ipython3"}

NO_CODE = ("Your reply contained no Python code. Reply with the whole notebook as Python: one ```python block, "
           "cells separated by lines '# %%', markdown cells as '# %% [markdown]' followed by '# ' comment lines.")


@dataclass
class Draft:
    """A notebook built from a reply, or the reason none could be built."""

    notebook: NotebookNode | None
    reason: str | None = None  # why the reply was rejected (for the model)
    syntax_errors: list[str] = field(default_factory=list)  # per code cell, for early feedback

    @property
    def ok(self) -> bool:
        return self.notebook is not None


def from_reply(text: str) -> Draft:
    """Build a notebook from a model's reply text."""
    text = text.replace("\r\n", "\n")
    notebook = _from_notebook_json(text) or _from_percent(text) or _from_fences(text) or _from_bare_code(text)
    if notebook is None or not any(c.cell_type == "code" and c.source.strip() for c in notebook.cells):
        return Draft(None, NO_CODE)
    return Draft(notebook, None, syntax_errors(notebook))


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
    return _from_percent(path.read_text(encoding="utf-8"), require_marker=False)


def write(notebook: NotebookNode, path: Path) -> None:
    nbformat.write(notebook, Path(path))


def new_notebook(cells: list[tuple[str, str]]) -> NotebookNode:
    """A notebook from (kind, source) pairs, kind 'code' or 'markdown'."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [make[kind](source.strip("\n")) for kind, source in cells if source.strip()]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _from_percent(text: str, require_marker: bool = True) -> NotebookNode | None:
    fences = [(lang.lower(), body) for lang, body in FENCE.findall(text)]
    candidates = [body for lang, body in fences if lang in CODE_LANGUAGES and PERCENT_MARKER.search(body)]
    if candidates:
        source = max(candidates, key=len)  # a reply may repeat a short snippet before the full notebook
    elif PERCENT_MARKER.search(text) and not fences:
        source = text
    elif not require_marker:
        source = text
    else:
        return None
    parsed = jupytext.reads(_code_out_of_markdown(source), fmt="py:percent")
    return new_notebook([(c.cell_type, c.source) for c in parsed.cells if c.cell_type in ("code", "markdown")])


_MARKDOWN_HEADER = re.compile(r"^# %%.*\[(markdown|md)\]")


def _code_out_of_markdown(source: str) -> str:
    """Start a code cell where a markdown cell's comment lines give way to code. Why: small models often write
    `# %% [markdown]`, a few comment lines, then the code, with no `# %%` before it; py:percent would keep that
    code as markdown text and the reply would count as having no code. The code itself is not touched."""
    lines, in_markdown, out = source.split("\n"), False, []
    for line in lines:
        if PERCENT_MARKER.match(line):
            in_markdown = bool(_MARKDOWN_HEADER.match(line))
        elif in_markdown and line.strip() and not line.lstrip().startswith("#"):
            out.append("# %%")
            in_markdown = False
        out.append(line)
    return "\n".join(out)


def _from_fences(text: str) -> NotebookNode | None:
    cells, position = [], 0
    for match in FENCE.finditer(text):
        language = match.group(1).lower()
        prose = text[position:match.start()].strip()
        if prose:
            cells.append(("markdown", prose))
        if language in CODE_LANGUAGES:
            cells.append(("code", match.group(2)))
        position = match.end()
    if not any(kind == "code" for kind, _ in cells):
        return None
    tail = text[position:].strip()
    if tail:
        cells.append(("markdown", tail))
    return new_notebook(cells)


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
    for _, body in FENCE.findall(stripped):
        if body.lstrip().startswith("{"):
            stripped = body.strip()
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
