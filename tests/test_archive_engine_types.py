"""The archive takes the engine's values as the engine's modules hand them out: TrialResult (also as the trial
cache returns it), Turn and CallRecord through evolve.trial and evolve.models, and the judge's Verdict."""
from evolve.archive import Archive, synthetic
from evolve.judge import Verdict
from evolve.models import CallRecord
from evolve.trial import TrialResult, Turn


def test_real_results_calls_and_verdicts_round_trip(tmp_path):
    library = synthetic.seed_library()
    scored = synthetic.trial_result(library.id, "goal-c", "val", 0, 0.75, key="k1")
    cached = TrialResult.from_json(synthetic.trial_result(library.id, "goal-d", "val", 1, 0.25, key="k2").to_json())
    cached.cached = True
    missing = synthetic.trial_result(library.id, "goal-c", "val", 2, None)
    missing.key = ""  # an outage before the prompt existed: trial.py leaves the key empty
    assert isinstance(scored, TrialResult) and isinstance(scored.turns[0], Turn)
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({"real": True}, seed=library)
        assert archive.record_trials(run, 1, [scored, cached, missing],
                                     verdicts={"k1": Verdict("missing", reason="judge down")}) == 3
        ids = archive.record_calls(run, [CallRecord("student", "local/x", "local/x", True, 10, 20, 0.5, None)])
        trials = archive.rows("SELECT t.trial_key, t.status, t.score, t.cached, t.prompt_tokens, e.judge_status, "
                              "e.judge_scores, e.transcript[1].outcome AS outcome "
                              "FROM trials t JOIN evaluations e USING (trial_id) ORDER BY t.trial_id")
        calls = archive.rows("SELECT role, prompt_tokens, completion_tokens, cost_usd FROM llm_calls")
        (best,) = archive.rows("SELECT library_id, n, score, missing FROM best_so_far")
    assert [(t["trial_key"], t["status"], t["score"], t["cached"]) for t in trials] == [
        ("k1", "scored", 0.75, False), ("k2", "scored", 0.25, True),
        ("missing:goal-c:local/tiny:2", "missing", None, False)]
    assert trials[0]["prompt_tokens"] == 900 and trials[0]["outcome"] == "evaluated"
    assert (trials[0]["judge_status"], trials[0]["judge_scores"]) == ("missing", None)
    assert ids == [1] and calls == [{"role": "student", "prompt_tokens": 10, "completion_tokens": 20, "cost_usd": None}]
    assert best == {"library_id": library.id, "n": 2, "score": 0.5, "missing": 1}
