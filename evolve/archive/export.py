"""`evolve export`: one archived library as an Agent Skills folder an agent can load as is.

Contract: `export(reader, library_id, run_id, folder)` writes `folder/<name>/` for every skill: its SKILL.md and
every bundled file (references/, scripts/, assets/; the layout `evolve validate` and `load_library` read) and `folder/CHANGELOG.md` built from the operators' notes
along the library's lineage, newest first. Each skill gets two metadata strings (the spec allows only
strings there): `lineage` ("<library> <- <parent> (<operator>) <- ...", 12-character ids, first parents) and
`score` ("0.705 val (n=4); seed 0.405 (n=4); no skills 0.205 (n=4)"). The bodies are the archived ones,
unchanged. `folder` must not exist or be empty; the tree is written beside it and renamed into place, so a
failed export leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from .. import skills as skill_io
from ..library import Library
from .errors import ArchiveError

MAX_LINEAGE_STEPS = 8


def export(reader, library_id: str, run_id: str, folder: Path) -> list[Path]:
    """Write the library's tree; returns the written SKILL.md paths (inside `folder`)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ArchiveError(folder, "already exists and is not an empty folder.",
                           "Nothing was written. Choose a new --to folder, or empty this one.")
    library = reader.library(library_id)
    walk = reader.lineage(library.id, run_id)
    lineage, score = lineage_text(walk), score_text(reader, run_id, library.id)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for skill in library:
            skill_io.write(skill.with_metadata(lineage=lineage, score=score), staging)
        (staging / "CHANGELOG.md").write_text(changelog(reader, library, run_id, walk, score), encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / skill.name / skill_io.SKILL_FILE for skill in library]


def lineage_text(walk: list[dict]) -> str:
    """The first-parent chain back to the root: 'a <- b (how a was made from b) <- c (how b was made) ...'."""
    if not walk:
        return "no recorded lineage"
    by_id = {row["ancestor_id"]: row for row in walk}
    row, parts = walk[0], [walk[0]["ancestor_id"][:12]]
    if not row.get("parents"):
        return f"{parts[0]} ({row.get('operator') or 'root'})"
    while row and row.get("parents") and len(parts) <= MAX_LINEAGE_STEPS:
        parent, others = row["parents"][0], len(row["parents"]) - 1
        parts.append(f"{parent[:12]} ({row['operator']}{f' with {others} more' if others else ''})")
        row = by_id.get(parent)
    if row and row.get("parents"):
        parts.append("...")
    return " <- ".join(parts)


def score_text(reader, run_id: str, library_id: str) -> str:
    mine = reader.scores(run_id, library_id)
    parts = [f"{mine['mean']:.3f} val (n={mine['n']})" if mine["n"] else "no scored val trials"]
    seed = reader.rows("SELECT seed_library FROM runs WHERE run_id = ?", [run_id])
    seed_id = seed[0]["seed_library"] if seed else None
    if seed_id and seed_id != library_id:
        s = reader.scores(run_id, seed_id)
        if s["n"]:
            parts.append(f"seed {s['mean']:.3f} (n={s['n']})")
    none = reader.scores(run_id, None)
    if none["n"]:
        parts.append(f"no skills {none['mean']:.3f} (n={none['n']})")
    return "; ".join(parts)


def changelog(reader, library: Library, run_id: str, walk: list[dict], score: str) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    lines = [f"# Changelog: library {library.short_id}", "",
             f"Exported on {today} from run {run_id} of {reader.path}. Score: {score}.",
             f"Skills: {', '.join(library.skills)}. Newest change first; ids are the first 12 characters.", ""]
    for row in walk:  # nearest first
        parents = row.get("parents") or []
        origin = f" from {', '.join(p[:12] for p in parents)}" if parents else ""
        generation = "" if row.get("generation") is None else f"generation {row['generation']}, "
        lines.append(f"## {row['ancestor_id'][:12]}: {generation}{row.get('operator') or 'unknown operator'}{origin}")
        lines.append("")
        if parents:
            with contextlib.suppress(ArchiveError):  # a parent from outside this archive: no diff to show
                lines.append(f"Changed skills: {reader.library(parents[0]).diff(reader.library(row['ancestor_id']))}")
        note = (row.get("note") or "").strip()
        lines += ([note] if note else ["(no note)"]) + [""]
    return "\n".join(lines).rstrip() + "\n"
