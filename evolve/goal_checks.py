"""Running a goal's `check.py` against the evidence of one execution.

check.py is project code (trusted); the evidence it reads came from hostile code, so it only ever sees data.
A check.py that raises, or that does not report exactly the checks its goal.toml declares, is a broken goal:
that is an infrastructure error, never a student's failure.
"""
from __future__ import annotations

import importlib.util
import traceback

from .checks import CheckContext, CheckResult
from .goals import Goal


class GoalCheckError(Exception):
    """The goal's check.py is broken (raised, or reported the wrong checks)."""


def run_checks(goal: Goal, ctx: CheckContext) -> list[CheckResult]:
    """Results in the order goal.toml declares its checks."""
    spec = importlib.util.spec_from_file_location(f"evolve_goal_check_{goal.slug.replace('-', '_')}", goal.check_path)
    if spec is None or spec.loader is None:  # not a .py path: nothing to import
        raise GoalCheckError(f"{goal.slug}: {goal.check_path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        returned = list(module.check(ctx))
    except Exception as error:
        tail = traceback.format_exc(limit=-3)
        raise GoalCheckError(f"{goal.check_path}: check() raised {type(error).__name__}: {error}\n{tail}") from error
    bad = [r for r in returned if not isinstance(r, CheckResult)]
    if bad:
        raise GoalCheckError(f"{goal.check_path}: check() must return CheckResult objects, got {type(bad[0]).__name__}")
    by_name = {r.name: r for r in returned}
    declared = list(goal.spec.checks)
    missing = [n for n in declared if n not in by_name]
    extra = [n for n in by_name if n not in goal.spec.checks]
    if missing or extra or len(by_name) != len(returned):
        raise GoalCheckError(f"{goal.check_path}: check() must report each declared check once; "
                             f"missing {missing or 'none'}, undeclared {extra or 'none'}")
    return [by_name[n] for n in declared]
