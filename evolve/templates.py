"""Prompt and report templates: Jinja2 files in `evolve/prompts/`, never string literals in code."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

PROMPTS = Path(__file__).parent / "prompts"


@cache
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)


def render(name: str, folder: Path = PROMPTS, **values) -> str:
    """Render template `name` from `folder` (default: evolve/prompts); a missing value is an error."""
    return _environment(str(folder)).get_template(name).render(**values)
