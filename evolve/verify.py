"""Verifying the benchmark: every goal's reference must pass all its checks; every wrong solution must fail.

A wrong solution 'fails' when it does not run or at least one check fails (checks as credited: a result the
trusted replay found forged, or could not confirm, counts as failed). This is how check ranges are
calibrated and kept honest: a check that passes a wrong solution, or fails the reference, is a broken goal.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from . import notebook as nb_io
from .config import EvaluationSettings, ScoreWeights
from .evaluation import Evaluation, evaluate
from .goals import Goal
from .plugin import DomainPlugin

WRONG_FOLDER = "wrong"


@dataclass
class Outcome:
    goal: str
    solution: str  # "reference" or the wrong solution's file stem
    expected_pass: bool
    evaluation: Evaluation

    @property
    def passed(self) -> bool:
        e = self.evaluation
        return e.status == "scored" and e.executed and bool(e.checks) and all(c.passed for c in e.checks)

    @property
    def as_expected(self) -> bool:
        return self.evaluation.status == "scored" and self.passed == self.expected_pass


def solutions(goal: Goal) -> list[tuple[str, Path, bool]]:
    """(name, path, should pass) for the reference and every wrong/*.py."""
    found = [("reference", goal.reference_path, True)]
    wrong = goal.path / WRONG_FOLDER
    if wrong.is_dir():
        found += [(p.stem, p, False) for p in sorted(wrong.glob("*.py"))]
    return found


def verify(goals: list[Goal], plugin: DomainPlugin, settings: EvaluationSettings, weights: ScoreWeights,
           workroot: Path, jobs: int = 2, progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tasks = [(goal, name, path, expected) for goal in goals for name, path, expected in solutions(goal)]

    def one(task) -> Outcome:
        goal, name, path, expected = task
        folder = Path(workroot) / f"verify-{stamp}" / goal.slug / name  # an execution folder (evolve.evaluation)
        outcome = Outcome(goal.slug, name, expected,
                          evaluate(nb_io.read(path), goal, plugin, settings, weights, folder))
        if progress:
            progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, tasks))


# --- the spread of a reference's results across seeds (evolve goals spread) --------------------------------

@dataclass
class SeedRun:
    seed: int
    results: dict | None  # the notebook's results.json, None when it did not run or wrote none
    error: str | None
    wall_s: float


@dataclass(frozen=True)
class KeySpread:
    key: str
    values: tuple[float, ...]  # one per seed that reported the key as a number
    missing: int  # seeds whose results lacked it (or were not numbers)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def sd(self) -> float | None:
        if len(self.values) < 2:
            return None
        m = sum(self.values) / len(self.values)
        return (sum((v - m) ** 2 for v in self.values) / (len(self.values) - 1)) ** 0.5


def seed_prelude(plugin: DomainPlugin, seed: int) -> str:
    """Code that makes a notebook's randomness depend on `seed`: the plugin's own `seed_prelude` when it has one
    (it knows its domain's generators), else Python's and numpy's global generators."""
    own = getattr(plugin, "seed_prelude", None)
    if callable(own):
        return str(own(seed))
    return f"import random as _random\nimport numpy as _np\n_random.seed({seed})\n_np.random.seed({seed})\n"


def spread(goal: Goal, plugin: DomainPlugin, settings: EvaluationSettings, workroot: Path, seeds: range,
           jobs: int = 2, progress: Callable[[SeedRun], None] | None = None) -> list[SeedRun]:
    """Run the goal's reference once per seed (the seed's prelude cell first) in the sandbox, as a notebook is
    run in a trial, and collect each run's results.json. No checks: this is for calibrating them."""
    from .evaluation import execution_layout, notebook_limits, read_results
    from .sandbox import execute_notebook

    stamp = time.strftime("%Y%m%d-%H%M%S")
    reference = nb_io.read(goal.reference_path)

    def one(seed: int) -> SeedRun:
        notebook = nb_io.new_notebook([("code", seed_prelude(plugin, seed))])
        notebook.cells += reference.cells
        work, evidence = execution_layout(Path(workroot) / f"spread-{stamp}" / goal.slug / f"seed-{seed}")
        record = execute_notebook(notebook, work, notebook_limits(settings, goal),
                                  startup_files=plugin.startup_files(), evidence_dir=evidence,
                                  state_env=plugin.state_env)
        results, problem = read_results(work) if record.executed else (None, None)
        run = SeedRun(seed, results, record.infrastructure_error or record.error or problem, record.wall_s)
        if progress:
            progress(run)
        return run

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, seeds))


def key_spreads(runs: list[SeedRun]) -> list[KeySpread]:
    """Per results key (nested keys joined with '.', list items as `key[i]`), the numeric values across seeds, in
    key order."""
    flat = [_flatten(r.results) if r.results else {} for r in runs]
    keys = sorted({k for f in flat for k in f})
    spreads = []
    for key in keys:
        values = [f[key] for f in flat if isinstance(f.get(key), (int, float)) and not isinstance(f.get(key), bool)]
        spreads.append(KeySpread(key, tuple(float(v) for v in values), len(runs) - len(values)))
    return spreads


def _flatten(value, prefix: str = "") -> dict:
    """Leaves by path: nested keys joined with '.', list items as `key[i]` (a sweep's values by position)."""
    if isinstance(value, dict):
        out: dict = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(value, list) and prefix:
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix[:-1]}[{i}]."))
        return out
    return {prefix[:-1]: value} if prefix else {}
