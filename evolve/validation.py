"""Validate whatever a path holds: a skill, a folder of skills, a goal, a folder of goals, or a config file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import bundle
from . import goals as goal_io
from . import skills as skill_io
from .config import Config, load_config
from .library import load_library
from .problems import Problem


@dataclass
class Report:
    skills: int = 0
    goals: int = 0
    configs: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.skills += other.skills
        self.goals += other.goals
        self.configs += other.configs
        self.problems += other.problems


def validate_path(path: Path, config: Config) -> Report:
    path = Path(path)
    max_skill = config.library.max_skill_bytes
    if not path.exists():
        return Report(problems=[Problem(path, "no such file or folder", None, "missing-path")])
    if path.is_file():
        if path.name.upper() == skill_io.SKILL_FILE:
            return validate_path(path.parent, config)
        if path.suffix == ".toml":
            return _validate_config(path)
        return Report(problems=[Problem(path, "not a SKILL.md, a goal folder or a .toml config", None, "unknown-path")])
    if (path / skill_io.SKILL_FILE).is_file() or (path / skill_io.SKILL_FILE.lower()).is_file():
        _, problems = skill_io.load(path, max_bytes=max_skill, limits=config.library.bundle)
        return Report(skills=1, problems=problems)
    if goal_io.is_goal_folder(path):
        _, problems = goal_io.load_goal(path)
        return Report(goals=1, problems=problems)
    return _validate_folder(path, config)


def _validate_folder(path: Path, config: Config) -> Report:
    children = sorted(p for p in path.iterdir() if p.is_dir() and p.name[0] not in "._")
    skill_dirs = [c for c in children if (c / skill_io.SKILL_FILE).is_file() or (c / "skill.md").is_file()]
    goal_dirs = [c for c in children if goal_io.is_goal_folder(c)]
    report = Report()
    if skill_dirs:
        library, problems = load_library(path, max_skill_bytes=config.library.max_skill_bytes,
                                         limits=config.library.bundle)
        report.skills += len(skill_dirs)
        report.problems += problems
        report.problems += [Problem(path / name / bundle.SCRIPTS / module, message, None, "script-clash")
                            for name, module, message in bundle.clashes({s.name: s.scripts for s in library})]
        if library.nbytes > config.library.max_library_bytes:
            report.problems.append(Problem(path, f"the library is {library.nbytes} bytes; the limit "
                                           f"[library] max_library_bytes is {config.library.max_library_bytes}",
                                           None, "library-too-large"))
    for goal_dir in goal_dirs:
        report.add(validate_path(goal_dir, config))
    others = [c for c in children if c not in skill_dirs and c not in goal_dirs]
    for other in others:
        report.problems.append(Problem(other, "neither a skill (no SKILL.md) nor a goal (no goal.toml / GOAL.md)",
                                       None, "unknown-folder"))
    if not children:
        report.problems.append(Problem(path, "empty folder: no skills or goals to validate", None, "empty-folder"))
    return report


def _validate_config(path: Path) -> Report:
    _, problems = load_config(path)
    return Report(configs=1, problems=problems)
