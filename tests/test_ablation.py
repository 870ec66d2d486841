"""Ablation on a scripted student: rows per cell, missing trials counted not zeroed, paired differences."""
import json

import litellm

from evolve.ablation import Condition, run_ablation, summarize
from evolve.library import Library
from helpers.trial_data import BROKEN, GOOD, SKILL, context


def test_ablation_rows_and_summary(tmp_path, goal):
    down = litellm.ServiceUnavailableError("down", llm_provider="scriptedstudent", model="small")
    # Order: seed 0 (none, skills), seed 1 (none, skills), seed 2 (none, skills).
    ctx, _ = context(tmp_path, [BROKEN, GOOD, BROKEN, GOOD, down, GOOD], max_turns=1, cache=False)
    conditions = [Condition("none", None), Condition("skills", Library.of([SKILL]))]
    out = tmp_path / "rows.jsonl"
    rows = run_ablation(conditions, [goal], range(3), ["scriptedstudent/small"], ctx, out)
    assert len(rows) == 6 and len(out.read_text().splitlines()) == 6
    assert json.loads(out.read_text().splitlines()[0])["condition"] == "none"
    summary = {s.condition: s for s in summarize(rows, "none")}
    none, skills = summary["none"], summary["skills"]
    assert none.model == "scriptedstudent/small" and none.score.groups == 1
    assert (none.trials, none.missing, none.score.n) == (3, 1, 2)  # the outage is missing, not a zero
    assert none.score.mean == 0.0 and none.success.mean == 0.0
    assert skills.score.mean == 1.0 and skills.success.mean == 1.0
    assert none.vs_baseline is None
    assert skills.vs_baseline.n == 2 and skills.vs_baseline.mean == 1.0  # only the matched, scored pairs


def test_ablation_trials_go_into_the_archive_as_a_run(tmp_path, goal):
    from evolve.archive import open_for_reading
    from evolve.commands.ablate import open_recorder
    from evolve.config import Config

    ctx, _ = context(tmp_path, [BROKEN, GOOD, GOOD, GOOD], max_turns=1, cache=False)
    skills = Library.of([SKILL])
    conditions = [Condition("none", None), Condition("seed", skills)]
    archive, run_id, record = open_recorder(tmp_path / "a.duckdb", Config(), conditions, [goal], 2,
                                            ["scriptedstudent/small"], drain=ctx.client.drain)
    with archive:
        rows = run_ablation(conditions, [goal], range(2), ["scriptedstudent/small"], ctx, tmp_path / "rows.jsonl",
                            record=record)
    reader = open_for_reading(tmp_path / "a.duckdb")
    try:
        found = reader.rows("SELECT condition, library_id, seed, score FROM trials WHERE run_id = ? ORDER BY seed, "
                            "condition", [run_id])
        scores = {r["library_id"]: (r["n"], r["mean"]) for r in reader.rows("SELECT * FROM library_scores")}
        (design,) = reader.rows("SELECT payload->>'$.conditions.seed' AS seed FROM events WHERE kind = 'ablation'")
        calls = reader.rows("SELECT role, count(*) AS n FROM llm_calls WHERE run_id = ? GROUP BY role", [run_id])
    finally:
        reader.close()
    assert [(r["condition"], r["library_id"], r["seed"], r["score"]) for r in found] == \
        [("none", None, 0, rows[0]["score"]), ("seed", skills.id, 0, 1.0), ("none", None, 1, 1.0),
         ("seed", skills.id, 1, 1.0)]
    assert scores == {skills.id: (2, 1.0), None: (2, rows[0]["score"] / 2 + 0.5)}  # the views see both conditions
    assert design["seed"] == skills.id
    assert [(c["role"], c["n"]) for c in calls] == [("student", 4)]  # every trial's model call is archived


def test_models_are_summarised_apart_never_pooled():
    rows = [{"condition": c, "model": m, "goal": g, "seed": s, "status": "scored", "solved": score == 1.0,
             "score": score}
            for m, good in (("big", 1.0), ("small", 0.0)) for g in ("a", "b") for s in (0, 1)
            for c, score in (("none", 0.0), ("seed", good))]
    summary = {(s.condition, s.model): s for s in summarize(rows, "none")}
    assert set(summary) == {("none", "big"), ("seed", "big"), ("none", "small"), ("seed", "small")}
    assert summary["seed", "big"].score.mean == 1.0 and summary["seed", "small"].score.mean == 0.0
    assert summary["seed", "big"].vs_baseline.mean == 1.0 and summary["seed", "big"].vs_baseline.groups == 2
