"""A goal: one benchmark task in `goals/<slug>/`.

    GOAL.md        the request, in a scientist's words; it names every results.json key it requires
    goal.toml      split, tier, compute budget, tags, the required results keys (with units), the checks
    reference.py   a reference solution (py:percent cells) that passes every check
    check.py       `def check(ctx)` → one result per check declared in goal.toml

The engine reads goals; only a domain evaluator knows what the checks mean.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import typed_toml
from .problems import Problem

GOAL_FILE, SPEC_FILE, CHECK_FILE = "GOAL.md", "goal.toml", "check.py"
SPLITS = ("train", "val", "test")
TIERS = ("tutorial", "abstract", "paper")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+([-_][a-z0-9]+)*$")
CHECK_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
RESULT_KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_BUDGET_S = 600  # a goal whose reference needs longer than this does not belong in an evolution loop


@dataclass(frozen=True)
class ResultKey:
    unit: str  # "1" for dimensionless, "" is not allowed: say what the number is
    description: str


@dataclass(frozen=True)
class GoalSpec:
    """The typed content of goal.toml."""

    title: str
    split: Literal["train", "val", "test"]
    tier: Literal["tutorial", "abstract", "paper"]
    budget_s: float = field(metadata={"min": 0, "min_exclusive": True, "max": MAX_BUDGET_S})
    results: dict[str, ResultKey]
    checks: dict[str, str]  # check name → what it verifies, in a sentence
    tags: list[str] = field(default_factory=list)
    reference: str = "reference.py"


@dataclass(frozen=True)
class Goal:
    slug: str
    path: Path
    request: str  # GOAL.md text
    spec: GoalSpec

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def split(self) -> str:
        return self.spec.split

    @property
    def tier(self) -> str:
        return self.spec.tier

    @property
    def budget_s(self) -> float:
        return self.spec.budget_s

    @property
    def reference_path(self) -> Path:
        return self.path / self.spec.reference

    @property
    def check_path(self) -> Path:
        return self.path / CHECK_FILE


def load_goal(folder: Path) -> tuple[Goal | None, list[Problem]]:
    """Load and validate one goal folder. The goal is None when any problem was found."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        return None, [Problem(folder, "not a goal folder (expected GOAL.md, goal.toml, reference.py, check.py)",
                              None, "not-a-folder")]
    if not SLUG_PATTERN.match(folder.name):
        problems.append(Problem(folder, f"goal folder name '{folder.name}' must be lower case a-z, 0-9, with single "
                                "'-' or '_' between words", None, "slug-invalid"))
    request = _read_request(folder, problems)
    spec = _read_spec(folder, problems)
    if spec is not None:
        problems += _check_results_named(folder, request, spec)
        problems += _check_python(folder / spec.reference, "reference", None)
        problems += _check_python(folder / CHECK_FILE, "check", "check")
    if problems:
        return None, problems
    assert spec is not None, "_read_spec records a problem whenever it finds no spec"
    return Goal(folder.name, folder, request, spec), []


def _read_request(folder: Path, problems: list[Problem]) -> str:
    path = folder / GOAL_FILE
    if not path.is_file():
        problems.append(Problem(path, "missing: write the request in a scientist's words, starting with '# <title>'",
                                None, "missing-goal-md"))
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        problems.append(Problem(path, "empty: write the request in a scientist's words", None, "empty-goal-md"))
    elif not text.lstrip().startswith("# "):
        problems.append(Problem(path, "must start with a '# <title>' heading", 1, "goal-md-heading"))
    return text


def _read_spec(folder: Path, problems: list[Problem]) -> GoalSpec | None:
    path = folder / SPEC_FILE
    if not path.is_file():
        problems.append(Problem(path, "missing: add goal.toml with title, split, tier, budget_s, [results] and [checks]",
                                None, "missing-goal-toml"))
        return None
    data, text, found = typed_toml.read_toml(path)
    problems += found
    if data is None:
        return None
    spec, found = typed_toml.load(GoalSpec, data, path, text)
    problems += found
    if spec is None:
        return None
    before = len(problems)
    if not spec.results:
        problems.append(Problem(path, "[results] is empty: declare each results.json key the notebook must write, "
                                "with its unit", typed_toml.key_line(text, (), None), "results-empty"))
    for key, result in spec.results.items():
        line = typed_toml.key_line(text, ("results", key), None)
        if not RESULT_KEY_PATTERN.match(key):
            problems.append(Problem(path, f"results key '{key}' must be a Python identifier (letters, digits, _)",
                                    line, "result-key-invalid"))
        if not result.unit.strip():
            problems.append(Problem(path, f"results key '{key}' needs a unit ('1' if dimensionless)", line,
                                    "result-unit-missing"))
    if not spec.checks:
        problems.append(Problem(path, "[checks] is empty: declare at least one check (name = what it verifies)",
                                typed_toml.key_line(text, ("checks",), None), "checks-empty"))
    for name, description in spec.checks.items():
        line = typed_toml.key_line(text, ("checks",), name)
        if not CHECK_NAME_PATTERN.match(name):
            problems.append(Problem(path, f"check name '{name}' must be snake_case", line, "check-name-invalid"))
        if not description.strip():
            problems.append(Problem(path, f"check '{name}' needs a sentence saying what it verifies", line,
                                    "check-description-missing"))
    return spec if len(problems) == before else None


def _check_results_named(folder: Path, request: str, spec: GoalSpec) -> list[Problem]:
    """A model can only write the keys the request names: every required key must appear in GOAL.md."""
    if not request:
        return []
    missing = [key for key in spec.results if not re.search(rf"\b{re.escape(key)}\b", request)]
    if not missing:
        return []
    return [Problem(folder / GOAL_FILE, f"results key(s) {', '.join(missing)} required by goal.toml are not named "
                    "in GOAL.md; the model cannot guess them", None, "result-not-in-request")]


def _check_python(path: Path, what: str, function: str | None) -> list[Problem]:
    if not path.is_file():
        return [Problem(path, f"missing {what} file", None, f"missing-{what}")]
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        return [Problem(path, f"Python syntax error: {error.msg}", error.lineno, f"{what}-syntax")]
    if function and not any(isinstance(node, ast.FunctionDef) and node.name == function for node in tree.body):
        return [Problem(path, f"must define a top-level function '{function}(ctx)'", None, f"{what}-no-function")]
    return []


def load_goals(root: Path, splits: tuple[str, ...] | None = None) -> tuple[list[Goal], list[Problem]]:
    """Every goal folder under `root` (folders starting with '.' or '_' are skipped), optionally by split."""
    root = Path(root)
    if not root.is_dir():
        return [], [Problem(root, "not a folder of goals (expected <root>/<slug>/goal.toml)", None, "not-a-folder")]
    goals, problems = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] not in "._"):
        goal, found = load_goal(folder)
        problems += found
        if goal is not None and (splits is None or goal.split in splits):
            goals.append(goal)
    return goals, problems


def is_goal_folder(path: Path) -> bool:
    return (Path(path) / SPEC_FILE).is_file() or (Path(path) / GOAL_FILE).is_file()
