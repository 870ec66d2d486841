"""Feedback a small model can act on: where the notebook failed, what it had, and how a reply fits into it (the
skills' passages about a failure are evolve.hints).

Contract (pure functions; nothing here executes code or calls a model):
- `locate_failure(notebook, error_cell, error)` → a `Failure` (or None when no cell failed): the failing code
  cell's number (1-based, code cells only), the line in that cell and its text, the error's head line, and the
  names the cells before it defined (they ran, so they exist). The line comes from the first `Cell In[n], line L`
  frame of the error output the kernel recorded for that cell (IPython ≥ 8), else from the `---->` marker.
  These outputs come from the notebook's own kernel, so every text taken from them is clipped; a notebook can
  only mislead its own next turn with them, never its score.
- `patch(previous, reply_text)` → the notebook to run when the reply labels its cells `# %% cell N` (the
  numbering the student was shown its last notebook with): each labelled cell replaces that code cell of the
  last notebook, unlabelled code cells go after the labelled cell before them, labels past the end are appended,
  and every other cell is kept; None when no cell is labelled (the reply is not a patch).
- `splice(previous, error_cell, reply)` → for an unlabelled reply to a repair request: the cells before the
  failing one are kept and the reply's cells follow them, unless the reply is itself a whole notebook (it
  repeats at least half of the kept cells' code lines), which is then run as it is.
  `Splice.kept` says how many cells were kept from the last notebook (0: the reply was run as it is).
- `split_at_failure(notebook, failure)` → (notebook, failure) with the failing cell cut in two before the top-level
  statement that failed: the lines above it ran and become their own cell, kept like any cell before a failure,
  so a one-cell notebook (what small models write) is repaired from its failing statement on, not rewritten
  whole. None when the statement is the cell's first, the line is unknown, or the cell does not parse. Running
  the split notebook is running the same code (a kernel does not care where cells break).
- `replace(previous, error_cell, reply)` → for an unlabelled reply to a request for the failing cell alone: that
  cell is replaced by the reply's cells and every other cell is kept, unless the reply is a whole notebook (the
  same test as `splice`).
- `failing_statement(notebook, failure)` → the source of the top-level statement of the failing cell that holds
  the failing line (all its lines), or None when the line is unknown or the cell does not parse.
- `replace_statement(previous, failure, reply)` → for an answer to a request for that statement alone: the reply's
  code replaces the statement, and the statements right after it that bind only names the reply binds too (the
  reply rewrote them as well) are dropped; everything else is kept. A reply that repeats at least half of the
  other lines of the cell and the cells before it is a rewrite, handled as `replace` does. None when the
  statement cannot be found (the caller falls back to `replace`).
- `fit_reply(previous, failure, focus, reply_text, reply)` → the notebook to run for a reply to the last
  feedback (`focus`: what the last request asked for alone — "statement", "cell" or None): a statement answer takes
  the statement's place (labels ignored: `# %% cell N` on it would drop the cell's rest); else labelled cells
  patch; else an answer to a focused request replaces the failing cell; else an answer to a failure after the
  first cell continues the cells that ran. None: run the reply as it is.
- `code_key(notebook)` → the notebook's code lines without blank lines or cell breaks: two notebooks with the same
  key run the same code (a reply that only re-cuts cells is a repeat).
- `to_percent(notebook)` → the notebook as py:percent text, code cells numbered (`# %% cell 2`) as the feedback
  numbers them (what the student is shown of its last notebook).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from collections.abc import Iterable

import nbformat
from nbformat import NotebookNode

from .notebook import CODE_LANGUAGES, fences
from .sandbox.record import strip_ansi

LINE_CHARS = 300  # one source line, as shown
NAMES_LIMIT = 40  # names listed as defined
CONTEXT_LINES = 2  # source lines shown on each side of the failing line
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
_ARROW = re.compile(r"^-+>\s*(\d+)", re.MULTILINE)



@dataclass(frozen=True)
class Failure:
    """Where a notebook failed. `cell` numbers code cells from 1; `index` is its index in notebook.cells."""

    cell: int
    index: int
    line: int | None  # 1-based line in the cell; None when the error named none (timeout, kernel death)
    line_text: str  # that line, clipped ("" when unknown)
    excerpt: str  # the lines around it, numbered, the failing one marked with "-->"
    error_head: str  # "NameError: name 'np' is not defined" (first line of the error)
    defined: tuple[str, ...]  # names the earlier cells defined
    first: bool  # the failing cell is the notebook's first code cell: nothing before it to keep

    def query(self) -> str:
        """What the skills are searched with."""
        return f"{self.error_head} {self.line_text}"


@dataclass
class Splice:
    notebook: NotebookNode
    kept: int  # cells kept from the previous notebook (0: the reply was taken as the whole notebook)
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def locate_failure(notebook: NotebookNode | None, error_cell: int | None, error: str | None) -> Failure | None:
    """The failing cell of an executed notebook (see the module contract); None when no cell is known."""
    if notebook is None or error_cell is None or not 0 <= error_cell < len(notebook.cells):
        return None
    cell = notebook.cells[error_cell]
    if cell.get("cell_type") != "code":
        return None
    number = sum(1 for c in notebook.cells[:error_cell + 1] if c.get("cell_type") == "code")
    source = _text(cell.get("source", ""))
    lines = source.splitlines()
    line = _failing_line(cell, error)
    if line is not None and not 1 <= line <= len(lines):
        line = None
    earlier = [_text(c.get("source", "")) for c in notebook.cells[:error_cell] if c.get("cell_type") == "code"]
    head = (error or "").strip().splitlines()[0][:LINE_CHARS] if (error or "").strip() else "error"
    return Failure(cell=number, index=error_cell, line=line,
                   line_text=lines[line - 1].strip()[:LINE_CHARS] if line else "",
                   excerpt=_excerpt(lines, line), error_head=head, defined=names_defined(earlier),
                   first=number == 1)


def _failing_line(cell: NotebookNode, error: str | None) -> int | None:
    texts = []
    for output in cell.get("outputs", []) or []:
        if output.get("output_type") == "error" and isinstance(output.get("traceback"), list):
            texts.append(strip_ansi("\n".join(str(t) for t in output["traceback"][:200]))[:20_000])
    texts.append(error or "")
    for text in texts:
        match = _CELL_LINE.search(text) or _ARROW.search(text)
        if match:
            return int(match.group(1))
    return None


def _excerpt(lines: list[str], line: int | None) -> str:
    if line is None:
        chosen = range(1, min(len(lines), 2 * CONTEXT_LINES + 1) + 1)
    else:
        chosen = range(max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES) + 1)
    return "\n".join(f"{'-->' if n == line else '   '} {n:>3} | {lines[n - 1][:LINE_CHARS]}" for n in chosen)


def names_defined(sources: Iterable[str]) -> tuple[str, ...]:
    """Names bound at the top level of these cells (imports, assignments, defs, loop and with targets), in order.
    A cell that does not parse is skipped (it cannot have run)."""
    seen: dict[str, None] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in _top_level(tree.body):
            for name in _bound(node):
                seen.setdefault(name, None)
    return tuple(list(seen)[:NAMES_LIMIT])


def _top_level(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements at module level, including those inside top-level if/for/while/with/try blocks."""
    for node in body:
        yield node
        for attribute in ("body", "orelse", "finalbody"):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from _top_level(getattr(node, attribute, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _top_level(handler.body)


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    return [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]


_LABEL = re.compile(r"^#\s*%%\s*cell\s+(\d+)\b", re.IGNORECASE)


def labelled_cells(reply: str) -> list[tuple[int | None, str]]:
    """(label, source) for each code cell of the reply's Python fences (the whole reply when it has none);
    markdown cells are left out. The label is N of a `# %% cell N` header, else None."""
    blocks = [f.body for f in fences(reply.replace("\r\n", "\n")) if f.language in CODE_LANGUAGES] or [reply]
    cells: list[tuple[int | None, str]] = []
    for block in blocks:
        label, kind, lines = None, "code", []
        for line in block.split("\n") + ["# %% [end]"]:
            if line.startswith("# %%"):
                if kind == "code" and "\n".join(lines).strip():
                    cells.append((label, "\n".join(lines).strip("\n")))
                match = _LABEL.match(line)
                label = int(match.group(1)) if match else None
                kind = "markdown" if re.search(r"\[(markdown|md|raw|end)\]", line) else "code"
                lines = []
            else:
                lines.append(line)
    return cells


def patch(previous: NotebookNode, reply: str) -> Splice | None:
    """The last notebook with the reply's labelled cells put in place (see the module contract)."""
    cells = labelled_cells(reply)
    if not any(label for label, _ in cells):
        return None
    replacements: dict[int, list[str]] = {}
    pending: list[str] = []  # unlabelled cells before the first labelled one
    current: int | None = None
    for label, source in cells:
        if label:
            current = label
            replacements.setdefault(label, []).extend(pending + [source])
            pending = []
        elif current is None:
            pending.append(source)
        else:
            replacements[current].append(source)
    merged, number, kept = [], 0, 0
    for cell in previous.cells:
        if cell.get("cell_type") == "code":
            number += 1
            if number in replacements:
                merged += [nbformat.v4.new_code_cell(source) for source in replacements.pop(number)]
                continue
        merged.append(_fresh(cell))
        kept += 1
    for label in sorted(replacements):  # labels past the last cell: new cells at the end
        merged += [nbformat.v4.new_code_cell(source) for source in replacements[label]]
    return Splice(_like(previous, merged), kept, f"replaced cells {sorted({l for l, _ in cells if l})}, kept {kept} cells")


def splice(previous: NotebookNode, error_cell: int, reply: NotebookNode) -> Splice:
    """The notebook to run after a repair request (see the module contract)."""
    kept_cells = list(previous.cells[:error_cell])
    whole = _whole_notebook(kept_cells, reply)
    if whole is not None:
        return whole
    merged = _like(previous, [_fresh(c) for c in kept_cells] + [_fresh(c) for c in reply.cells])
    return Splice(merged, len(kept_cells), f"kept the {len(kept_cells)} cells before the failing one")


def split_at_failure(notebook: NotebookNode, failure: Failure) -> tuple[NotebookNode, Failure] | None:
    """The notebook with the failing cell cut before its failing top-level statement (see the module contract)."""
    source = _text(notebook.cells[failure.index].get("source", ""))
    found = _statement_span(source, failure.line)  # (None for magics, which do not parse, or no line)
    if found is None or found[1] == 0:
        return None
    start = _start(found[0][found[1]])
    assert failure.line is not None  # (_statement_span found it)
    lines = source.splitlines()
    head, tail = "\n".join(lines[:start - 1]).rstrip(), "\n".join(lines[start - 1:])
    split = _like(notebook, [_fresh(c) for c in notebook.cells[:failure.index]] + [
        nbformat.v4.new_code_cell(head), nbformat.v4.new_code_cell(tail)] + [
        _fresh(c) for c in notebook.cells[failure.index + 1:]])
    line = failure.line - start + 1
    earlier = [_text(c.get("source", "")) for c in split.cells[:failure.index + 1] if c.get("cell_type") == "code"]
    tail_lines = tail.splitlines()
    return split, Failure(cell=failure.cell + 1, index=failure.index + 1, line=line,
                          line_text=failure.line_text, excerpt=_excerpt(tail_lines, line),
                          error_head=failure.error_head, defined=names_defined(earlier), first=False)


def replace(previous: NotebookNode, error_cell: int, reply: NotebookNode) -> Splice:
    """The last notebook with its failing cell replaced by the reply's cells (see the module contract)."""
    whole = _whole_notebook(previous.cells[:error_cell], reply)
    if whole is not None:
        return whole
    before, after = [_fresh(c) for c in previous.cells[:error_cell]], [_fresh(c) for c in previous.cells[error_cell + 1:]]
    kept = len(before) + len(after)
    return Splice(_like(previous, before + [_fresh(c) for c in reply.cells] + after), kept, f"replaced the failing cell, kept {kept} cells")


def _statement_span(source: str, line: int | None) -> tuple[list[ast.stmt], int] | None:
    """The cell's top-level statements and the index of the one holding `line`; None when unknown."""
    if line is None:
        return None
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return None
    for k, node in enumerate(body):
        if _start(node) <= line <= (node.end_lineno or node.lineno):
            return body, k
    return None


def _start(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def failing_statement(notebook: NotebookNode, failure: Failure) -> str | None:
    """The failing top-level statement's source (see the module contract)."""
    source = _text(notebook.cells[failure.index].get("source", ""))
    found = _statement_span(source, failure.line)
    if found is None:
        return None
    body, k = found
    return "\n".join(source.splitlines()[_start(body[k]) - 1:body[k].end_lineno or body[k].lineno])


def replace_statement(previous: NotebookNode, failure: Failure, reply: NotebookNode) -> Splice | None:
    """The last notebook with the failing statement replaced by the reply (see the module contract)."""
    source = _text(previous.cells[failure.index].get("source", ""))
    found = _statement_span(source, failure.line)
    if found is None:
        return None
    body, k = found
    lines = source.splitlines()
    start, end = _start(body[k]), body[k].end_lineno or body[k].lineno
    written = "\n".join(_text(c.get("source", "")) for c in reply.cells if c.get("cell_type") == "code").strip("\n")
    others = _distinctive(_text(c.get("source", "")) for c in previous.cells[:failure.index]
                          if c.get("cell_type") == "code") + _distinctive(["\n".join(lines[:start - 1] + lines[end:])])
    written_lines = set(_distinctive([written]))
    if others and sum(line in written_lines for line in others) / len(others) >= 0.5:
        return replace(previous, failure.index, reply)  # the reply rewrote the cell (or the notebook)
    bound = set(names_defined([written]))
    after, cut = k + 1, end
    while after < len(body) and (names := set(_bound(body[after]))) and names <= bound:
        cut = body[after].end_lineno or body[after].lineno  # the reply rewrote it too: `t2, y2 = ...` after `t1, y1`
        after += 1
    rest = lines[cut:]
    cell = nbformat.v4.new_code_cell("\n".join(lines[:start - 1] + written.splitlines() + rest))
    merged = _like(previous, [_fresh(c) for c in previous.cells[:failure.index]] + [cell] + [
        _fresh(c) for c in previous.cells[failure.index + 1:]])
    return Splice(merged, len(previous.cells) - 1,
                  f"replaced the failing statement and {after - k - 1} after it, kept the rest")


def fit_reply(previous: NotebookNode, failure: Failure | None, focus: str | None, reply_text: str,
              reply: NotebookNode) -> Splice | None:
    """Where the reply goes in the last notebook (see the module contract)."""
    fitted = replace_statement(previous, failure, reply) if failure is not None and focus == "statement" else None
    fitted = fitted or patch(previous, reply_text)
    if fitted is not None or failure is None:
        return fitted
    if focus is not None:
        return replace(previous, failure.index, reply)
    return None if failure.first else splice(previous, failure.index, reply)


def code_key(notebook: NotebookNode) -> str:
    """The notebook's code as one text without blank lines or cell breaks (see the module contract)."""
    return "\n".join(line.rstrip() for cell in notebook.cells if cell.get("cell_type") == "code"
                     for line in _text(cell.get("source", "")).splitlines() if line.strip())


def _whole_notebook(kept_cells: list[NotebookNode], reply: NotebookNode) -> Splice | None:
    """The reply as the whole notebook when it repeats at least half of the kept cells' code lines (or nothing
    is kept); None when it is a part to put in place."""
    kept_lines = _distinctive(_text(c.get("source", "")) for c in kept_cells if c.get("cell_type") == "code")
    if not kept_cells or not kept_lines:
        return Splice(reply, 0, "nothing before the failing cell to keep")
    reply_lines = set(_distinctive(_text(c.get("source", "")) for c in reply.cells if c.get("cell_type") == "code"))
    repeated = sum(line in reply_lines for line in kept_lines) / len(kept_lines)
    if repeated >= 0.5:
        return Splice(reply, 0, f"the reply repeats {repeated:.0%} of the kept cells: taken as the whole notebook")
    return None


def _like(previous: NotebookNode, cells: list[NotebookNode]) -> NotebookNode:
    """A new notebook of `cells` with the last notebook's metadata (its kernel and language)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = previous.get("metadata", {})
    notebook.cells = cells
    return notebook


def _fresh(cell: NotebookNode) -> NotebookNode:
    source = _text(cell.get("source", ""))
    if cell.get("cell_type") == "code":
        return nbformat.v4.new_code_cell(source)
    return nbformat.v4.new_markdown_cell(source)


def _distinctive(sources: Iterable[str]) -> list[str]:
    return [" ".join(line.split()) for source in sources for line in source.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def to_percent(notebook: NotebookNode) -> str:
    """The notebook as py:percent text: `# %%` before each code cell, markdown cells as `# ` comment lines."""
    parts, number = [], 0
    for cell in notebook.cells:
        source = _text(cell.get("source", "")).rstrip()
        if cell.get("cell_type") == "code":
            number += 1
            parts.append(f"# %% cell {number}\n{source}")
        elif source:
            parts.append("# %% [markdown]\n" + "\n".join(f"# {line}".rstrip() for line in source.splitlines()))
    return "\n\n".join(parts) + "\n"


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)
