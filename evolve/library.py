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

from . import skills as skill_io
from .problems import Problem
from .skills import Skill


@dataclass(frozen=True)
class LibraryDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def __str__(self) -> str:
        parts = [f"+{n}" for n in self.added] + [f"-{n}" for n in self.removed] + [f"~{n}" for n in self.changed]
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
        """name → sha256 of the skill's normalised text, sorted by name."""
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
        return LibraryDiff(
            added=tuple(sorted(set(new) - set(old))),
            removed=tuple(sorted(set(old) - set(new))),
            changed=tuple(sorted(n for n in set(old) & set(new) if old[n] != new[n])),
        )


def load_library(root: Path, max_skill_bytes: int = skill_io.DEFAULT_MAX_BYTES) -> tuple[Library, list[Problem]]:
    """Load every `root/<name>/SKILL.md`. Invalid skills are left out and reported."""
    root = Path(root)
    if not root.is_dir():
        return Library(), [Problem(root, "not a folder of skills (expected <root>/<name>/SKILL.md)", None, "not-a-folder")]
    found, problems = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        skill, found_problems = skill_io.load(folder, max_bytes=max_skill_bytes)
        problems += found_problems
        if skill is not None and not found_problems:
            found.append(skill)
    return Library.of(found), problems


def write_library(library: Library, root: Path) -> list[Path]:
    """Write every skill under `root`; returns the written paths. Existing other folders are left alone."""
    return [skill_io.write(skill, root) for skill in library]
