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
class EvaluationSettings:
    plugin: str = "evaluators/tvb"
    cell_timeout_s: float = field(default=180.0, metadata={"min": 1})
    notebook_timeout_s: float = field(default=600.0, metadata={"min": 1})
    budget_factor: float = field(default=3.0, metadata={"min": 1})
    memory_mb: int = field(default=4096, metadata={"min": 256})
    workdir: str = ".evolve/executions"


@dataclass(frozen=True)
class ScoreWeights:
    executed_weight: float = field(default=0.25, metadata={"min": 0})
    checks_weight: float = field(default=0.75, metadata={"min": 0})
    pitfall_penalty: float = field(default=0.05, metadata={"min": 0})


@dataclass(frozen=True)
class JudgeSettings:
    enabled: bool = False
    model: str = ""
    template: str = "evaluators/tvb/judge.md.j2"
    max_attempts: int = field(default=3, metadata={"min": 1})


@dataclass(frozen=True)
class Config:
    paths: Paths = field(default_factory=Paths)
    library: LibraryLimits = field(default_factory=LibraryLimits)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    score: ScoreWeights = field(default_factory=ScoreWeights)
    judge: JudgeSettings = field(default_factory=JudgeSettings)


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
