"""The report page: sections of charts, tables and lineage details into one self-contained HTML document.

Contract: `render(header, sections)` returns the HTML text of page.html.j2 (Jinja2, autoescaped: every text from
the archive — notes, diffs, goal names — is shown as text, never as markup). The page loads nothing: styles are
inline, images are data URIs, there is no script. `Section`, `Table` and `Header` are the values it shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .chart import Chart
from .lineage import NodeDetail

TEMPLATE = "page.html.j2"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    key: str  # the HTML id (and the anchor in the navigation)
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    nodes: list[NodeDetail] = field(default_factory=list)
    nodes_note: str = ""


@dataclass(frozen=True)
class Header:
    run_id: str
    archive: str
    generated_at: str
    notes: list[str] = field(default_factory=list)  # snapshot age, migration, a live run
    summary: Table | None = None


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(header: Header, sections: list[Section]) -> str:
    return _environment().get_template(TEMPLATE).render(header=header, sections=sections, fmt=fmt,
                                                        diff_class=diff_class)


def fmt(value: Any) -> str:
    """A table cell: floats to 3 decimals, None as blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def diff_class(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "")
