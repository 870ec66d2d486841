"""Run configuration: a TOML file read into typed, immutable objects.

`configs/default.toml` documents every option; a test keeps it in step with these classes. Relative paths
are resolved against the folder `evolve` is run from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import typed_toml
from .problems import Problem

DEFAULT_CONFIG_PATH = Path("configs/default.toml")


@dataclass(frozen=True)
class Paths:
    skills: str = "skills"
    goals: str = "goals"
    archive: str = "archive/evolve.duckdb"
    state: str = ".evolve"


@dataclass(frozen=True)
class LibraryLimits:
    max_skill_bytes: int = field(default=16_384, metadata={"min": 256})
    max_library_bytes: int = field(default=65_536, metadata={"min": 256})


@dataclass(frozen=True)
class Config:
    paths: Paths = field(default_factory=Paths)
    library: LibraryLimits = field(default_factory=LibraryLimits)


def load_config(path: Path | None = None) -> tuple[Config | None, list[Problem]]:
    """Read a config file. With no path: configs/default.toml if present here, else the built-in defaults."""
    if path is None:
        if not DEFAULT_CONFIG_PATH.is_file():
            return Config(), []
        path = DEFAULT_CONFIG_PATH
    data, text, problems = typed_toml.read_toml(Path(path))
    if data is None:
        return None, problems
    return typed_toml.load(Config, data, Path(path), text)
