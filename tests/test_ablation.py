"""Ablation on a scripted student: rows per cell, missing trials counted not zeroed, paired differences."""
import json

import litellm

from evolve.ablation import Condition, run_ablation, summarize
from evolve.library import Library
from test_trial import BROKEN, GOOD, SKILL, context, goal  # noqa: F401  (goal is a fixture)


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
    assert (none.trials, none.missing, none.score.n) == (3, 1, 2)  # the outage is missing, not a zero
    assert none.score.mean == 0.0 and none.success.mean == 0.0
    assert skills.score.mean == 1.0 and skills.success.mean == 1.0
    assert none.vs_baseline is None
    assert skills.vs_baseline.n == 2 and skills.vs_baseline.mean == 1.0  # only the matched, scored pairs
