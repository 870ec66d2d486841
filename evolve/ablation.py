"""An ablation: conditions (no skills, the seed library, any library) × goals × seeds × models, summarised
with bootstrap intervals and paired differences against a baseline condition — autotvb's table, done honestly:
missing trials are counted and left out, never averaged in as zeros.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .goals import Goal
from .library import Library
from .stats import Interval, bootstrap_mean, paired_difference
from .trial import TrialContext, TrialResult, run_trial


@dataclass(frozen=True)
class Condition:
    name: str
    library: Library | None  # None: no skills


def row_of(condition: Condition, result: TrialResult) -> dict:
    solved = result.solved
    return {"condition": condition.name, "library_id": result.library_id, "goal": result.goal,
            "split": result.split, "model": result.model, "seed": result.seed, "status": result.status,
            "score": result.score, "executed": result.executed, "solved": solved, "turns": len(result.turns),
            "stop_reason": result.stop_reason, "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens, "wall_s": round(result.wall_s, 2),
            "trial_key": result.key, "cached": result.cached, "injected": result.injected, "used": result.used,
            "missing_reason": result.missing_reason}


def run_ablation(conditions: list[Condition], goals: list[Goal], seeds: Iterable[int], models: list[str],
                 ctx: TrialContext, out: Path, progress: Callable[[str], None] = lambda m: None,
                 record: Callable[[Condition, TrialResult], None] | None = None) -> list[dict]:
    """Run every cell of the design; each row is appended to `out` (JSONL) as soon as it exists, and the whole
    result is handed to `record` (e.g. the archive) when given."""
    out.parent.mkdir(parents=True, exist_ok=True)
    seeds = list(seeds)
    total = len(conditions) * len(goals) * len(seeds) * len(models)
    rows = []
    with out.open("a") as sink:
        for model in models:
            for goal in goals:
                for seed in seeds:
                    for condition in conditions:
                        progress(f"[{len(rows) + 1}/{total}] {condition.name} × {goal.slug} × seed {seed} × {model}")
                        result = run_trial(goal, condition.library, seed, ctx, model=model)
                        if record is not None:
                            record(condition, result)
                        row = row_of(condition, result)
                        rows.append(row)
                        sink.write(json.dumps(row) + "\n")
                        sink.flush()
    return rows


@dataclass(frozen=True)
class ConditionSummary:
    condition: str
    trials: int
    missing: int
    score: Interval
    success: Interval
    vs_baseline: Interval | None  # paired mean score difference (this − baseline)


def summarize(rows: list[dict], baseline: str) -> list[ConditionSummary]:
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    by_cell = {(r["condition"], r["goal"], r["seed"], r["model"]): r for r in rows}
    summaries = []
    for name in conditions:
        mine = [r for r in rows if r["condition"] == name]
        scored = [r for r in mine if r["status"] == "scored"]
        pairs = None
        if name != baseline:
            matched = [(by_cell.get((baseline, r["goal"], r["seed"], r["model"])), r) for r in scored]
            pairs = paired_difference([(b["score"], r["score"]) for b, r in matched
                                       if b is not None and b["status"] == "scored"])
        summaries.append(ConditionSummary(
            condition=name, trials=len(mine), missing=len(mine) - len(scored),
            score=bootstrap_mean([r["score"] for r in scored]),
            success=bootstrap_mean([float(r["solved"]) for r in scored]), vs_baseline=pairs))
    return summaries
