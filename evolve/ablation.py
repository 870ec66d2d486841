"""An ablation: conditions (no skills, the seed library, any library) × goals × seeds × models, summarised
per condition and model with bootstrap intervals that resample goals and then seeds, and paired differences
against a baseline condition — autotvb's table, done honestly: missing trials are counted and left out, never
averaged in as zeros, and a model is never pooled with another.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable

from .goals import Goal
from .library import Library
from .stats import Interval, clustered_mean
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
            "missing_reason": result.missing_reason, "judge_status": (result.judge or {}).get("status"),
            "judge_mean": (result.judge or {}).get("mean")}


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
    model: str
    trials: int
    missing: int
    score: Interval  # mean of goal means; goals, then seeds within goals, resampled
    success: Interval
    vs_baseline: Interval | None  # paired score difference (this − baseline, same goal, seed and model)
    judge: Interval | None = None  # the LLM judge's rubric mean (1-5) over judged trials; None: no judge
    judge_missing: int = 0  # trials the judge was asked about and failed on


def summarize(rows: list[dict], baseline: str) -> list[ConditionSummary]:
    """One summary per condition × model (models are never pooled: they are different students). Intervals
    resample goals and then seeds within goals (evolve.stats.clustered_mean): the goal is the unit of
    independence."""
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    by_cell = {(r["condition"], r["goal"], r["seed"], r["model"]): r for r in rows}
    summaries = []
    for model in models:
        for name in conditions:
            mine = [r for r in rows if r["condition"] == name and r["model"] == model]
            if not mine:
                continue
            scored = [r for r in mine if r["status"] == "scored"]
            pairs = None
            if name != baseline:
                differences: dict[str, list[float]] = {}
                for r in scored:
                    base = by_cell.get((baseline, r["goal"], r["seed"], model))
                    if base is not None and base["status"] == "scored":
                        differences.setdefault(r["goal"], []).append(r["score"] - base["score"])
                pairs = clustered_mean(differences)
            judged = [r for r in scored if r.get("judge_status") == "judged"]
            asked = [r for r in scored if r.get("judge_status")]
            summaries.append(ConditionSummary(
                condition=name, model=model, trials=len(mine), missing=len(mine) - len(scored),
                score=clustered_mean(_by_goal(scored, "score")), success=clustered_mean(_by_goal(scored, "solved")),
                vs_baseline=pairs, judge=clustered_mean(_by_goal(judged, "judge_mean")) if asked else None,
                judge_missing=len(asked) - len(judged)))
    return summaries


def _by_goal(rows: list[dict], key: str) -> dict[str, list[float]]:
    grouped: dict[str, list[float]] = {}
    for r in rows:
        grouped.setdefault(r["goal"], []).append(float(r[key]))
    return grouped
