"""An Evaluation: execute a notebook in the sandbox, collect the evidence, run the goal's checks, score it.

Like OpenEvolve's EvaluationResult: numbers in `metrics`, everything a human or a model reads in `artifacts`.
Objective first: did it run, did the checks on results.json and the simulation trace pass, which known
pitfalls are in the code. A broken goal check or a sandbox failure is an infrastructure error: status
"error" and no score (missing data), never a zero.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from . import notebook as nb_io
from .checks import CheckContext, CheckResult
from .config import EvaluationSettings, ScoreWeights
from .goal_checks import GoalCheckError, run_checks
from .goals import Goal
from .plugin import DomainPlugin, Pitfall
from .sandbox import ExecutionRecord, Limits, execute_notebook
from .templates import render

RESULTS_FILE = "results.json"


@dataclass
class Evaluation:
    status: str  # "scored" or "error" (infrastructure failure: no score)
    score: float | None
    executed: bool
    checks: list[CheckResult] = field(default_factory=list)
    pitfalls: list[Pitfall] = field(default_factory=list)
    error: str | None = None  # the notebook's error (or the infrastructure error when status is "error")
    wall_s: float = 0.0
    isolation: list[str] = field(default_factory=list)
    results: dict[str, Any] | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    feedback: str = ""
    workdir: Path | None = None
    notebook: Any = field(default=None, repr=False)  # the executed notebook, with outputs

    @property
    def metrics(self) -> dict[str, float]:
        passed = sum(c.passed for c in self.checks)
        return {"executed": float(self.executed), "checks_passed": float(passed),
                "checks_total": float(len(self.checks)),
                "check_fraction": passed / len(self.checks) if self.checks else 0.0,
                "pitfalls": float(len(self.pitfalls)), "wall_s": self.wall_s}

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "score": self.score, "executed": self.executed,
            "checks": [asdict(c) for c in self.checks], "pitfalls": [asdict(p) for p in self.pitfalls],
            "error": self.error, "isolation": self.isolation, "wall_s": round(self.wall_s, 3),
            "metrics": self.metrics, "results": self.results, "trace_records": len(self.trace),
            "feedback": self.feedback, "workdir": str(self.workdir) if self.workdir else None,
        }


def score_of(weights: ScoreWeights, executed: bool, checks: list[CheckResult], pitfalls: list[Pitfall]) -> float:
    """The scalar defined in [score] of the config, in [0, 1]."""
    fraction = sum(c.passed for c in checks) / len(checks) if checks else 0.0
    total = weights.executed_weight + weights.checks_weight
    raw = (weights.executed_weight * executed + weights.checks_weight * fraction) / total if total else 0.0
    return min(1.0, max(0.0, raw - weights.pitfall_penalty * len(pitfalls)))


def notebook_limits(settings: EvaluationSettings, goal: Goal) -> Limits:
    total = min(settings.notebook_timeout_s, settings.budget_factor * goal.budget_s)
    return Limits(cell_timeout_s=min(settings.cell_timeout_s, total), total_timeout_s=total,
                  memory_mb=settings.memory_mb)


def evaluate(notebook: NotebookNode, goal: Goal, plugin: DomainPlugin, settings: EvaluationSettings,
             weights: ScoreWeights, workdir: Path) -> Evaluation:
    """Execute `notebook` in a fresh `workdir` and score it against `goal`."""
    record = execute_notebook(notebook, Path(workdir), notebook_limits(settings, goal),
                              startup_files=plugin.startup_files())
    return assess(record, notebook, goal, plugin, weights)


def assess(record: ExecutionRecord, notebook: NotebookNode, goal: Goal, plugin: DomainPlugin,
           weights: ScoreWeights) -> Evaluation:
    """Score an execution that already happened (separated so a pool can execute and this can judge)."""
    results, results_problem = read_results(record.workdir)
    trace = plugin.read_trace(record.workdir)
    ctx = CheckContext(results=results, trace=trace, notebook=record.notebook)
    pitfalls = plugin.pitfalls(nb_io.code_text(notebook))
    evaluation = Evaluation(status="scored", score=None, executed=record.executed, pitfalls=pitfalls,
                            error=record.error, wall_s=record.wall_s, isolation=list(record.isolation),
                            results=results, trace=trace, workdir=record.workdir, notebook=record.notebook)
    try:
        evaluation.checks = run_checks(goal, ctx)
    except GoalCheckError as error:
        evaluation.status, evaluation.error = "error", str(error)
        evaluation.feedback = f"The goal's own checks failed to run; this notebook was not scored.\n{error}"
        return evaluation
    evaluation.score = score_of(weights, record.executed, evaluation.checks, pitfalls)
    evaluation.feedback = render("feedback.md.j2", evaluation=evaluation, goal=goal,
                                 results_problem=results_problem, trace_summary=plugin.summarize_trace(trace),
                                 record=record)
    return evaluation


def read_results(workdir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """results.json as a dict, or None and why not (for feedback)."""
    path = Path(workdir) / RESULTS_FILE
    if not path.is_file():
        return None, f"no {RESULTS_FILE} was written in the notebook's folder"
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"), parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        return None, f"{RESULTS_FILE} is not valid JSON ({error}); write numbers with float(...), not NaN"
    if not isinstance(data, dict):
        return None, f"{RESULTS_FILE} must hold a JSON object (a dict of named values), not {type(data).__name__}"
    return data, None


def _reject_constant(name: str) -> float:
    # Python's json writes NaN/Infinity, which are not JSON; a check must never compare against them.
    raise ValueError(f"{name} is not a valid JSON number")
