"""A library: the genome. An immutable set of skills, name → skill, identified by the hash of its manifest.

Mutations return new libraries; nothing here touches files except `load_library` and `write_library`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from collections.abc import Iterable, Mapping

from . import bundle
from . import skills as skill_io
from .problems import Problem
from .skills import Skill


@dataclass(frozen=True)
class LibraryDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    # changed skill → the files of its folder that differ (SKILL.md, references/..., scripts/...), when any
    # bundled file is among them (a SKILL.md-only change needs no detail)
    changed_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def __str__(self) -> str:
        changed = [f"~{n}" + (f" ({', '.join(self.changed_files[n])})" if n in self.changed_files else "")
                   for n in self.changed]
        parts = [f"+{n}" for n in self.added] + [f"-{n}" for n in self.removed] + changed
        return " ".join(parts) if parts else "(no change)"


@dataclass(frozen=True)
class Library:
    skills: Mapping[str, Skill] = field(default_factory=dict)

    def __post_init__(self):
        for name, skill in self.skills.items():
            if name != skill.name:
                raise ValueError(f"library key '{name}' differs from the skill's name '{skill.name}'")
        object.__setattr__(self, "skills", MappingProxyType(dict(sorted(self.skills.items()))))

    @classmethod
    def of(cls, skills: Iterable[Skill]) -> Library:
        skills = list(skills)
        names = [s.name for s in skills]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"two skills share the name(s) {', '.join(duplicates)}")
        return cls({s.name: s for s in skills})

    @property
    def manifest(self) -> dict[str, str]:
        """name → the skill's content address (SKILL.md and its bundled files; `Skill.sha256`), sorted by name."""
        return {name: skill.sha256 for name, skill in self.skills.items()}

    @property
    def id(self) -> str:
        """sha256 of the manifest: two libraries with the same skills have the same id."""
        canonical = json.dumps(self.manifest, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def nbytes(self) -> int:
        """Bytes of the skills' SKILL.md texts (bundled files are read on request, not carried in prompts)."""
        return sum(s.nbytes for s in self.skills.values())

    def __len__(self) -> int:
        return len(self.skills)

    def __iter__(self):
        return iter(self.skills.values())

    def __contains__(self, name: str) -> bool:
        return name in self.skills

    def __getitem__(self, name: str) -> Skill:
        return self.skills[name]

    def with_skill(self, skill: Skill) -> Library:
        """A new library with `skill` added, or replacing the skill of the same name."""
        return Library({**self.skills, skill.name: skill})

    def without(self, name: str) -> Library:
        if name not in self.skills:
            raise KeyError(f"no skill named '{name}' in library {self.short_id}")
        return Library({k: v for k, v in self.skills.items() if k != name})

    def diff(self, newer: Library) -> LibraryDiff:
        """What changed going from this library to `newer`."""
        old, new = self.manifest, newer.manifest
        changed = tuple(sorted(n for n in set(old) & set(new) if old[n] != new[n]))
        detail = {}
        for name in changed:
            before, after = self.skills[name], newer.skills[name]
            paths = bundle.changed_paths(before.files, after.files)
            if paths:
                text = (skill_io.SKILL_FILE,) if before.text != after.text else ()
                detail[name] = text + paths
        return LibraryDiff(
            added=tuple(sorted(set(new) - set(old))),
            removed=tuple(sorted(set(old) - set(new))),
            changed=changed,
            changed_files=MappingProxyType(detail),
        )


def load_library(root: Path, max_skill_bytes: int = skill_io.DEFAULT_MAX_BYTES,
                 limits: bundle.BundleLimits = bundle.DEFAULT_LIMITS) -> tuple[Library, list[Problem]]:
    """Load every skill folder `root/<name>/` (SKILL.md and its bundled files). Invalid skills are left out and
    reported."""
    root = Path(root)
    if not root.is_dir():
        return Library(), [Problem(root, "not a folder of skills (expected <root>/<name>/SKILL.md)", None, "not-a-folder")]
    found, problems = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        skill, found_problems = skill_io.load(folder, max_bytes=max_skill_bytes, limits=limits)
        problems += found_problems
        if skill is not None and not found_problems:
            found.append(skill)
    return Library.of(found), problems


def write_library(library: Library, root: Path) -> list[Path]:
    """Write every skill folder under `root`; returns the SKILL.md paths. Existing other folders are left alone."""
    return [skill_io.write(skill, root) for skill in library]
