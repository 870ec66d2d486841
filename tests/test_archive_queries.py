"""The canned queries (archive/queries/*.sql) on a generated run, and `evolve sql` as a user runs it."""
from __future__ import annotations

import json
from collections import Counter

import pyarrow.parquet as pq
import pytest
from helpers.archive_data import ROOT, val_means

from evolve.archive import open_for_reading
from evolve.archive import queries as canned
from evolve.cli import main

FOLDER = ROOT / "archive" / "queries"


def run_query(path, name, **params):
    query = canned.find(name, FOLDER)
    with open_for_reading(path) as reader:
        return reader.rows(query.sql, query.bind(params) or None)


def test_every_query_states_its_question_and_declares_its_parameters():
    found = {q.name: q for q in canned.available(FOLDER)}
    assert set(found) == {"best_set", "skill_ancestry", "sentence_history", "split_gap", "operator_success",
                          "cost_per_role", "failure_messages", "integrity_flags", "truncation", "turn_rescue",
                          "trial_phases", "kv_cache", "val_over_trials", "progress_by_generation", "lineage_nodes",
                          "lineage_changes", "goal_heatmap", "refusal_reasons", "races"}
    for query in found.values():
        assert query.question.endswith((".", "?", ")")) and "?" in query.question, query.name
    assert [(p.name, p.default) for p in found["skill_ancestry"].params] == [
        ("skill", None), ("library", "best"), ("run", "latest")]


def test_best_set_lists_the_best_librarys_skills_with_the_baselines(generated_file):
    path, g = generated_file
    rows = run_query(path, "best_set")
    assert [r["skill"] for r in rows] == ["pitfalls", "recipe"]
    assert {r["library_id"] for r in rows} == {g.kept[-1]}
    best = g.libraries[g.kept[-1]]
    assert [r["skill_sha256"] for r in rows] == [best["pitfalls"].sha256, best["recipe"].sha256]
    first = rows[0]
    assert (first["val_score"], first["n"], first["seed_score"], first["none_score"]) == (0.705, 4, 0.405, 0.205)


def test_skill_ancestry_says_what_happened_to_the_skill_at_each_step(generated_file):
    path, g = generated_file
    recipe = run_query(path, "skill_ancestry", skill="recipe")
    assert [(r["library_id"], r["operator"], r["skill_change"]) for r in recipe] == [
        (g.kept[3], "reflective", "changed"), (g.kept[2], "add-skill", "changed"),
        (g.kept[1], "compress", "changed"), (g.seed.id, "seed", "added")]
    assert recipe[0]["note"] == "g3: added 'Sentence g3k0.'"
    pitfalls = run_query(path, "skill_ancestry", skill="pitfalls", library=g.kept[2][:10], run=g.run_id)
    assert [r["skill_change"] for r in pitfalls] == ["unchanged", "unchanged", "added"]
    assert run_query(path, "skill_ancestry", skill="no-such-skill")[0]["skill_change"] == "absent"


def test_sentence_history_finds_the_first_appearance_and_compares_scores_after(generated_file):
    path, g = generated_file
    rows = run_query(path, "sentence_history", sentence="SENTENCE G2K0.")
    assert [r["generation"] for r in rows] == [2, 3]
    first, later = rows
    assert first["introduced_by"] == f"{g.kept[2][:12]} (add-skill): g2: added 'Sentence g2k0.'"
    assert later["introduced_by"] is None and first["in_skills"] == "recipe"
    # generation 2: the kept child carries it (quality 0.60), the crossover child does not (0.45, one seed missing)
    assert (first["libraries_with"], first["mean_with"], first["n_with"]) == (1, 0.605, 4)
    assert (first["libraries_without"], first["mean_without"], first["n_without"]) == (1, 0.45, 2)
    # generation 3: both children descend from the carrier
    assert (later["libraries_with"], later["libraries_without"], later["n_with"]) == (2, 0, 6)
    assert run_query(path, "sentence_history", sentence="never written anywhere") == []


def test_split_gap_per_generation(generated_file):
    path, g = generated_file
    rows = {r["generation"]: r for r in run_query(path, "split_gap")}
    assert sorted(rows) == [0, 1, 2, 3]
    zero = rows[0]  # the seed library only (the no-skills baseline is not a library)
    assert (zero["train"], zero["val"], zero["test"]) == (0.505, 0.405, 0.355)
    assert (zero["n_train"], zero["n_val"], zero["n_test"]) == (4, 4, 2)
    assert (zero["train_val_gap"], zero["val_test_gap"]) == (0.1, 0.05)
    expected = [r.score for gen, cond, r in g.trials if gen == 3 and r.split == "val" and r.status == "scored"]
    assert rows[3]["val"] == pytest.approx(sum(expected) / len(expected), abs=1e-4)
    assert rows[3]["n_val"] == len(expected)


def test_operator_success_counts_kept_children_and_score_deltas(generated_file):
    path, g = generated_file
    rows = {r["operator"]: r for r in run_query(path, "operator_success")}
    proposed = Counter(e["operator"] for e in g.edges)
    kept = Counter(e["operator"] for e in g.edges if e["accepted"])
    for operator in proposed:
        assert (rows[operator]["proposed"], rows[operator]["kept"]) == (proposed[operator], kept[operator])
    assert rows["seed"]["mean_val_delta"] is None and rows["seed"]["proposed"] == 1
    means = val_means(g)
    crossover = next(e for e in g.edges if e["operator"] == "crossover")
    parents = sum(means[p][1] for p in crossover["parents"]) / 2
    assert rows["crossover"]["mean_val_delta"] == pytest.approx(means[crossover["child"]][1] - parents, abs=1e-4)
    assert rows["reflective"]["keep_rate"] == 1.0 and rows["reflective"]["mean_val_delta"] == pytest.approx(0.1)


def test_cost_per_role(generated_file):
    path, g = generated_file
    rows = {r["role"]: r for r in run_query(path, "cost_per_role")}
    missing = sum(r.status == "missing" for _, _, r in g.trials)
    assert (rows["student"]["calls"], rows["student"]["failed"]) == (len(g.trials), missing)
    assert (rows["mutator"]["calls"], rows["mutator"]["cost_usd"], rows["mutator"]["prompt_tokens"]) == (6, 0.06, 12000)
    assert rows["mutator"]["p95_latency_s"] == 10.0 and rows["student"]["cost_usd"] == 0.0


def test_failure_messages_group_numbers_away_and_rank_per_goal(generated_file):
    path, g = generated_file
    rows = run_query(path, "failure_messages")
    failing = Counter(r.goal for _, _, r in g.trials if r.status == "scored" and r.score < 0.5)
    missing = Counter(r.goal for _, _, r in g.trials if r.status == "missing")
    checks = {r["goal"]: r for r in rows if r["kind"] == "check rate"}
    assert {goal: r["trials"] for goal, r in checks.items()} == dict(failing)
    assert checks["goal-e"]["pattern"] == "'rate' = # Hz is outside the expected range [#, #] Hz"
    assert {r["goal"]: r["trials"] for r in rows if r["kind"] == "missing"} == dict(missing)
    assert all(r["trials"] == failing[r["goal"]] for r in rows if r["kind"] == "error")
    top = run_query(path, "failure_messages", limit="1")
    assert len(top) == len({r["goal"] for r in rows}) and all(t["kind"] == "check rate" for t in top)


def test_parameter_mistakes_are_clear():
    query = canned.find("sentence_history", FOLDER)
    with pytest.raises(canned.QueryError, match="needs --param sentence="):
        query.bind({})
    with pytest.raises(canned.QueryError, match="has no parameter 'sentense'"):
        query.bind({"sentense": "x"})
    with pytest.raises(canned.QueryError, match="did you mean 'best_set'"):
        canned.find("best_sets", FOLDER)


def test_a_query_file_without_its_question_or_with_undeclared_parameters_is_refused(tmp_path):
    (tmp_path / "bare.sql").write_text("SELECT 1\n")
    (tmp_path / "undeclared.sql").write_text("-- Which x?\nSELECT $x\n")
    with pytest.raises(canned.QueryError, match="start with a comment"):
        canned.parse(tmp_path / "bare.sql")
    with pytest.raises(canned.QueryError, match="differ"):
        canned.parse(tmp_path / "undeclared.sql")


def test_evolve_sql_formats(generated_file, tmp_path, capsys):
    path, g = generated_file
    assert main(["sql", "--run", str(path), "SELECT library_id, score, n FROM best_so_far"]) == 0
    table = capsys.readouterr().out
    assert g.kept[-1] in table and "0.705" in table and "(1 row)" in table
    assert main(["sql", "--run", str(path), "--query", "best_set", "--format", "json"]) == 0
    assert [r["skill"] for r in json.loads(capsys.readouterr().out)] == ["pitfalls", "recipe"]
    assert main(["sql", "--run", str(path), "--format", "csv", "SELECT manifest, $x AS x FROM libraries LIMIT 1",
                 "--param", "x=a,b"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "manifest,x" and lines[1].endswith(',"a,b"') and '""recipe""' in lines[1]
    out = tmp_path / "trials.parquet"
    assert main(["sql", "--run", str(path), "--format", "parquet", "--out", str(out), "SELECT * FROM trials"]) == 0
    assert pq.read_table(out).num_rows == len(g.trials)
    assert main(["sql", "--run", str(path), "--query", "skill_ancestry", "--param", "skill=recipe"]) == 0
    assert "reflective" in capsys.readouterr().out
    assert main(["sql"]) == 0 and "sentence_history --param sentence=..." in capsys.readouterr().out


def test_evolve_sql_errors(generated_file, capsys):
    path, _ = generated_file
    assert main(["sql", "--run", str(path), "DELETE FROM trials"]) == 2
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "--run", str(path), "SELECT * FROM trails"]) == 2
    assert "trails" in capsys.readouterr().err
    assert main(["sql", "--run", str(path), "--query", "sentence_history"]) == 2
    assert "needs --param sentence=" in capsys.readouterr().err
    assert main(["sql", "--run", str(path), "SELECT 1", "--param", "x=1"]) == 2
    assert "does not use $x" in capsys.readouterr().err
    assert main(["sql", "--run", str(path), "--format", "parquet", "SELECT 1"]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_integrity_flags_lists_the_trials_caught_forging_with_their_reason(tmp_path):
    from evolve.archive import Archive
    from evolve.archive.synthetic import seed_library, trial_result

    path = tmp_path / "evolve.duckdb"
    library = seed_library()
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({}, seed=library)
        with archive.transaction():
            archive.record_trials(run, 0, [
                trial_result(library.id, "goal-a", "train", 0, 0.9),
                trial_result(library.id, "goal-a", "train", 1, 0.0, integrity="the trace claims a run the replay "
                                                                            "does not reproduce"),
                trial_result(library.id, "goal-b", "val", 0, None),
            ], condition="population")
    rows = run_query(path, "integrity_flags")
    assert [(r["goal"], r["seed"], r["replay_status"]) for r in rows] == [("goal-a", 1, "forged")]
    assert "does not reproduce" in rows[0]["reason"]
    assert run_query(path, "integrity_flags", run="run-that-does-not-exist") == []
    with open_for_reading(path) as reader:
        stored = reader.rows("SELECT e.isolation, e.replay_status, e.conversions FROM evaluations e JOIN trials t "
                             "ON t.trial_id = e.trial_id WHERE t.status = 'scored' ORDER BY t.seed")
    assert stored[0] == {"isolation": ["fresh-folder", "net-namespace"], "replay_status": "confirmed",
                         "conversions": ["fences"]}


def test_truncation_counts_cut_turns_per_goal(tmp_path):
    from dataclasses import replace as with_

    from evolve.archive import Archive
    from evolve.archive.synthetic import seed_library, trial_result

    path = tmp_path / "evolve.duckdb"
    library = seed_library()
    cut_then_ok = trial_result(library.id, "goal-a", "train", 0, 0.9)
    cut_then_ok.turns = [with_(cut_then_ok.turns[0], outcome="cut", finish_reason="length", score=None),
                         cut_then_ok.turns[0]]
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({}, seed=library)
        with archive.transaction():
            archive.record_trials(run, 0, [cut_then_ok, trial_result(library.id, "goal-b", "train", 0, 0.2)],
                                  condition="population")
    rows = {r["goal"]: r for r in run_query(path, "truncation")}
    assert (rows["goal-a"]["cut_turns"], rows["goal-a"]["turns"], rows["goal-a"]["cut_rate"]) == (1, 2, 0.5)
    assert rows["goal-b"]["cut_turns"] == 0 and rows["goal-b"]["trials_ending_cut"] == 0


def test_turn_outcomes_count_first_turn_failures_that_later_turns_fixed_and_rescued(tmp_path):
    from evolve.archive import Archive
    from evolve.archive.synthetic import seed_library, trial_result
    from evolve.trial import Turn

    def trial(seed, turns):
        result = trial_result(library.id, "goal-a", "train", seed, 1.0 if turns[-1].solved else 0.0)
        result.turns = turns  # as the harness records them: the answer is the last notebook that ran
        result.executed = any(t.executed for t in turns if t.outcome == "evaluated")
        result.stop_reason = "solved" if turns[-1].solved else "max-turns"
        return result

    def evaluated(ran, solved=False, **more):
        return Turn(reply="```python\nx\n```", outcome="evaluated", score=1.0 if solved else 0.1, executed=ran,
                    solved=solved, **more)

    cut = Turn(reply="```python\nx", outcome="cut", finish_reason="length", max_tokens=900)
    repeated = Turn(reply="```python\nx\n```", outcome="repeated")
    path = tmp_path / "a.duckdb"
    library = seed_library()
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({}, seed=library)
        with archive.transaction():
            archive.record_trials(run, 0, [
                trial(0, [evaluated(False), evaluated(True, kept_cells=2, hints=["recipe: Errors"])]),  # fixed
                trial(1, [cut, evaluated(True), evaluated(True, solved=True)]),  # fixed and rescued
                trial(2, [evaluated(True, solved=True)]),  # solved at once
                trial(3, [evaluated(False), repeated, evaluated(False, resample=1)]),  # never ran
                trial(4, [evaluated(False), evaluated(True), evaluated(False)]),  # fixed: turn 2's notebook stands
            ], condition="seed")
        assert archive.turn_totals(run) == {"trials": 5, "first_failed": 4, "fixed": 3, "first_unsolved": 4,
                                            "rescued": 1}
        details = archive.rows("SELECT e.turn_details FROM evaluations e JOIN trials t USING (trial_id) "
                               "WHERE t.seed = 3")[0]["turn_details"]
        assert [d["resample"] for d in details] == [0, 0, 1]
    (row,) = run_query(path, "turn_rescue")
    assert (row["first_failed"], row["fixed"], row["rescued"], row["cut_turns"], row["resampled_turns"],
            row["repair_turns"], row["hinted_turns"]) == (4, 3, 1, 1, 1, 1, 1)
    assert row["fixed_rate"] == pytest.approx(0.75) and row["rescue_rate"] == pytest.approx(0.25)


def test_trial_phases_and_the_kv_cache_hit_rate_come_from_what_trials_and_calls_recorded(tmp_path):
    from evolve.archive import Archive
    from evolve.archive.synthetic import seed_library, trial_result
    from evolve.models import CallRecord
    from evolve.phases import Phases

    library = seed_library()
    path = tmp_path / "a.duckdb"
    timed = [trial_result(library.id, "goal-a", "train", seed, 0.5) for seed in (0, 1, 2)]
    timed[0].phases = Phases(prompt_s=2.0, generation_s=10.0, execution_s=4.0)
    timed[1].phases = Phases(prompt_s=4.0, generation_s=20.0, execution_s=8.0, replay_s=3.0)
    timed[2].cached, timed[2].phases = True, Phases(generation_s=999.0)  # from the cache: not this run's time
    for result in timed:
        result.wall_s = 20.0
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({}, seed=library)
        with archive.transaction():
            archive.record_trials(run, 0, timed, condition="seed")
            archive.record_calls(run, [
                CallRecord("student", "local/m", "local/m", True, prompt_tokens=1000, cached_tokens=600,
                           prompt_s=1.0, generation_s=2.0),
                CallRecord("student", "local/m", "local/m", True, prompt_tokens=1000, cached_tokens=0),
                CallRecord("student", "local/m", "local/m", True, prompt_tokens=500),  # reported nothing
                CallRecord("student", "local/m", None, False, prompt_tokens=0, error="down")])
        stored = archive.rows("SELECT phases FROM trials ORDER BY seed")
        assert stored[0]["phases"]["generation_s"] == 10.0 and stored[0]["phases"]["kernel_start_s"] is None
        calls = archive.rows("SELECT cached_tokens, prompt_s, generation_s FROM llm_calls ORDER BY call_id")
        assert calls[0] == {"cached_tokens": 600, "prompt_s": 1.0, "generation_s": 2.0}
    (phases,) = run_query(path, "trial_phases")
    assert phases["trials"] == 2 and phases["generation_s"] == 15.0 and phases["replay_s"] == 3.0
    assert phases["generation_share"] == pytest.approx(0.75) and phases["execution_share"] == pytest.approx(0.3)
    (cache,) = run_query(path, "kv_cache")
    assert (cache["calls"], cache["cached_tokens"], cache["calls_not_reporting"]) == (3, 600, 1)
    assert cache["hit_rate"] == pytest.approx(0.3)
