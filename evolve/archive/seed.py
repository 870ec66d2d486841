"""Hand-edited skills brought into a run's population (`evolve seed`), as a library with operator 'manual'.

Contract:
- `prepare(folder, config)` validates the folder like `evolve validate` does and returns the library, or the
  problems (and then nothing may be written). The export annotations `lineage` and `score` are removed from
  each skill's metadata: they describe where an exported copy came from, not what the skill teaches, and
  dropping them gives an unedited skill back its original hash (so the diff shows only the hand edits).
- `add(archive, run_id, library, ...)` records the library with an edge of operator 'manual' whose parent is
  the run's current best (none if the run has no scored val trial yet), at generation last + 1. The
  `pending_seeds` view then lists it until the engine records its first trial.
- When a run holds the archive, `queue()` writes the seed to `<stem>.inbox/` beside it (atomically), bundled files
  (base64) included; the running writer takes it in with `take_queued()` when it asks for `pending_seeds`.
- A skill is its whole folder (evolve.bundle): its references, scripts and assets travel with it.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from .. import skills as skill_io
from ..library import Library, load_library
from ..problems import Problem

EXPORT_ONLY_METADATA = ("lineage", "score")


@dataclass(frozen=True)
class Seeded:
    library_id: str
    run_id: str
    parent: str | None
    added: bool  # False: the run already had this library (nothing written)
    reason: str = ""


def prepare(folder: Path, config) -> tuple[Library | None, list[Problem]]:
    """The folder's skills as a library, validated; (None, problems) when anything is wrong."""
    from ..validation import validate_path

    folder = Path(folder)
    report = validate_path(folder, config)
    problems = list(report.problems)
    if not problems and not report.skills:
        problems.append(Problem(folder, "no skills here (expected <folder>/<name>/SKILL.md)", None, "no-skills"))
    if problems:
        return None, problems
    library, problems = load_library(folder, max_skill_bytes=config.library.max_skill_bytes,
                                     limits=config.library.bundle)
    if problems:
        return None, problems
    cleaned = []
    for skill in library:
        kept = {k: v for k, v in skill.metadata.items() if k not in EXPORT_ONLY_METADATA}
        cleaned.append(skill_io.Skill(skill.name, skill.description, skill.body, kept, skill.extra, skill.files))
    return Library.of(cleaned), []


def add(archive, run_id: str, library: Library, note: str = "", source: str = "") -> Seeded:
    """Record `library` in the run's population as a manual seed (see the module contract)."""
    with archive.transaction():
        known = archive.rows("SELECT 1 FROM population WHERE run_id = ? AND library_id = ?", [run_id, library.id])
        if known:
            return Seeded(library.id, run_id, None, False, "the run already has this library")
        best = archive.best(run_id)
        parent = best["library_id"] if best else None
        last = archive.last_generation(run_id)
        generation = 0 if last is None else last + 1
        archive.add_edge(run_id, library, [parent] if parent else [], "manual",
                         note=note or f"hand-edited skills from {source or 'a folder'}", generation=generation)
        archive.event(run_id, "seed", {"library": library.id, "parent": parent, "source": source,
                                       "generation": generation})
    return Seeded(library.id, run_id, parent, True)


def inbox_path(database: Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.inbox")


def queue(database: Path, library: Library, run_id: str | None, note: str, source: str) -> Path:
    """Queue a seed for the process holding `database`; run_id None: whichever run takes it first."""
    inbox = inbox_path(database)
    inbox.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{library.short_id}-{secrets.token_hex(3)}.json"
    data = {"run_id": run_id, "note": note, "source": source, "skills": {s.name: s.text for s in library},
            "files": {s.name: {path: base64.b64encode(content).decode("ascii") for path, content in s.files.items()}
                      for s in library if s.files}}
    temporary = inbox / f".{name}.tmp"
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, inbox / name)  # atomic: the writer never reads half a file
    return inbox / name


def take_queued(archive, run_id: str) -> list[Seeded]:
    """Add the queued seeds meant for this run (or for any run) and remove their files."""
    inbox = inbox_path(archive.path)
    if not inbox.is_dir():
        return []
    taken = []
    for path in sorted(inbox.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("run_id") not in (None, run_id):
            continue
        skills = []
        for name, text in sorted(data["skills"].items()):
            skill, problems = skill_io.parse(text, path, folder_name=name, max_bytes=1 << 30)
            if skill is None:  # validated when queued; a hand-altered queue file is set aside, not lost
                path.rename(path.with_suffix(".rejected"))
                break
            files = {path: base64.b64decode(text) for path, text in data.get("files", {}).get(name, {}).items()}
            skills.append(skill.with_files(files))
        else:
            taken.append(add(archive, run_id, Library.of(skills), data.get("note", ""), data.get("source", "")))
            # Removed only once committed: a crash in between re-adds it next time, which `add` ignores.
            archive.after_commit(lambda p=path: p.unlink(missing_ok=True))
    return taken
