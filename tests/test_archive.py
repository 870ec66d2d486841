"""The archive writer and its views, on a generated run with known answers."""
from __future__ import annotations

import pytest
from helpers.archive_data import val_means

from evolve.archive import Archive, ArchiveError
from evolve.archive.synthetic import GOALS, score_of, seed_library, trial_result
from evolve.records import CallRecord
from evolve.library import Library
from evolve.skills import Skill


def test_best_so_far_is_the_highest_val_mean_with_the_baselines_beside_it(generated):
    path, g = generated
    means = val_means(g)
    with Archive.open(path, snapshots=False) as archive:
        (best,) = archive.rows("SELECT * FROM best_so_far")
    expected = max((lib for lib in means if lib), key=lambda lib: means[lib][1])
    assert best["library_id"] == expected == g.kept[-1]
    assert (best["n"], best["score"]) == (4, pytest.approx(0.705))
    assert (best["n"], best["score"]) == (means[expected][0], pytest.approx(means[expected][1]))
    assert best["seed_library"] == g.seed.id
    assert (best["seed_n"], best["seed_score"]) == (4, pytest.approx(0.405))
    assert (best["none_n"], best["none_score"]) == (4, pytest.approx(0.205))
    assert best["vs_seed"] == pytest.approx(0.30) and best["vs_none"] == pytest.approx(0.50)


def test_best_so_far_ignores_other_baselines_and_missing_trials_and_breaks_ties_by_size(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        lucky = trial_result(g.seed.id, "goal-c", "val", 7, 1.0, key="best-of-n")
        archive.record_trials(g.run_id, 9, [lucky] * 3, condition="best-of-8")  # another protocol: not a candidate
        assert archive.best(g.run_id)["library_id"] == g.kept[-1]
        small = Library.of([Skill("tiny", "Use when testing ties.", "x")])
        archive.add_edge(g.run_id, small, [g.kept[-1]], "compress", generation=4)
        archive.record_trials(g.run_id, 4, [trial_result(small.id, goal, split, s, 0.705)
                                            for goal, split in GOALS if split == "val" for s in range(2)]
                              + [trial_result(small.id, "goal-c", "val", 5, None)])  # missing: not averaged in
        best = archive.best(g.run_id)
    assert best["library_id"] == small.id and best["n"] == 4 and best["missing"] == 1  # same mean, fewer bytes


def test_best_so_far_of_an_engine_run_is_its_incumbent_not_the_highest_val_mean(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        assert archive.best(g.run_id)["chosen_by"] == "val mean"  # no generation-done event: not an engine run
        # The engine kept an earlier library: the top val mean did not hold up when re-scored on fresh seeds.
        archive.event(g.run_id, "generation-done", {"generation": 3, "incumbent": g.kept[-1]})
        archive.event(g.run_id, "generation-done", {"generation": 4, "incumbent": g.kept[2]})
        best = archive.best(g.run_id)
        (top,) = archive.rows("SELECT max(mean) AS mean FROM library_scores WHERE split = 'val' AND library_id <> ?",
                              [g.seed.id])
    means = val_means(g)
    assert best["library_id"] == g.kept[2] and best["chosen_by"] == "incumbent"
    assert (best["n"], best["score"]) == (means[g.kept[2]][0], pytest.approx(means[g.kept[2]][1]))
    assert best["score"] < top["mean"] and best["seed_library"] == g.seed.id


def test_lineage_walks_every_ancestor_with_depth_and_operator(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        best = archive.rows("SELECT ancestor_id, depth, operator FROM lineage WHERE library_id = ? ORDER BY depth",
                            [g.kept[-1]])
        crossover = next(e["child"] for e in g.edges if e["operator"] == "crossover")
        merged = archive.rows("SELECT ancestor_id, depth FROM lineage WHERE library_id = ? ORDER BY depth, ancestor_id",
                              [crossover])
        assert archive.lineage(g.kept[-1], g.run_id) == archive.rows(
            "SELECT * FROM lineage WHERE library_id = ? ORDER BY depth, generation, ancestor_id", [g.kept[-1]])
    assert [(r["ancestor_id"], r["depth"]) for r in best] == \
        [(g.kept[3], 0), (g.kept[2], 1), (g.kept[1], 2), (g.seed.id, 3)]
    assert best[-1]["operator"] == "seed"
    assert {(r["ancestor_id"], r["depth"]) for r in merged} == {(crossover, 0), (g.kept[1], 1), (g.seed.id, 1)}


def test_lineage_ends_on_a_cycle(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        # An operator reproduces an ancestor: the seed "made" again from the best. The origin edge stays the first.
        archive.add_edge(g.run_id, g.seed.id, [g.kept[-1]], "revert", generation=5)
        archive.connection.execute("UPDATE edges SET parents = [?] WHERE child = ? AND operator = 'seed'",
                                   [g.kept[-1], g.seed.id])
        rows = archive.rows("SELECT ancestor_id, depth FROM lineage WHERE library_id = ?", [g.kept[-1]])
    assert sorted(r["depth"] for r in rows) == [0, 1, 2, 3]


def test_per_goal_scores_count_scored_and_missing_trials(generated):
    path, g = generated
    rejected = next(e["child"] for e in g.edges if e["generation"] == 1 and not e["accepted"])
    with Archive.open(path, snapshots=False) as archive:
        rows = {(r["library_id"], r["goal"]): r for r in archive.rows("SELECT * FROM per_goal_scores")}
    seed = rows[(g.seed.id, "goal-c")]
    assert (seed["split"], seed["n"], seed["missing"]) == ("val", 2, 0)
    assert (seed["mean"], seed["min"], seed["max"]) == (pytest.approx(0.405), pytest.approx(0.40), pytest.approx(0.41))
    child = rows[(rejected, "goal-d")]
    assert (child["n"], child["missing"], child["mean"]) == (1, 1, pytest.approx(score_of(0.35, "val", 0)))
    assert rows[(None, "goal-e")]["mean"] == pytest.approx(score_of(0.20, "test", 0.5))
    assert len(rows) == (len(g.libraries) + 1) * len(GOALS)


def test_recording_a_trial_twice_writes_it_once_and_a_scored_retry_replaces_a_missing_one(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        before = archive.rows("SELECT count(*) AS n FROM trials")[0]["n"]
        again = [r for _, _, r in g.trials[:10]]
        assert archive.record_trials(g.run_id, 0, again + again) == 0
        missing = next(r for _, _, r in g.trials if r.status == "missing")
        retried = trial_result(missing.library_id, missing.goal, missing.split, missing.seed, 0.9, key=missing.key)
        assert archive.record_trials(g.run_id, 1, [retried]) == 1
        assert archive.record_trials(g.run_id, 1, [missing]) == 0  # a missing result never replaces a scored one
        row = archive.rows("SELECT status, score, trial_id FROM trials WHERE trial_key = ? AND library_id = ?",
                           [missing.key, missing.library_id])
        evaluation = archive.rows("SELECT count(*) AS n FROM evaluations WHERE trial_id = ?", [row[0]["trial_id"]])
        assert archive.rows("SELECT count(*) AS n FROM trials")[0]["n"] == before
        # The same key under another library (the trial cache shares results) is another row.
        assert archive.record_trials(g.run_id, 2, [again[0]], library_id=g.kept[-1]) == 1
        assert (missing.library_id, missing.key) in archive.trial_identities(g.run_id)
    assert [(r["status"], r["score"]) for r in row] == [("scored", 0.9)] and evaluation == [{"n": 1}]


def test_trials_keep_their_checks_transcript_judge_and_cost(tmp_path):
    from evolve.judge import Verdict

    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({"k": 1})
        result = trial_result("lib", "goal-c", "val", 0, 0.25, key="key-1")
        verdict = Verdict("judged", {"correctness": 3, "clarity": 4}, model="judge/m")
        archive.record_trials(run, 0, [result], costs={"key-1": 0.002}, verdicts={"key-1": verdict})
        (row,) = archive.rows("SELECT t.*, e.* FROM trials t JOIN evaluations e USING (trial_id)")
    assert row["checks"][1] == {"name": "rate", "passed": False,
                                "message": "'rate' = 2.5 Hz is outside the expected range [5, 12] Hz"}
    assert row["transcript"][0]["reply"].startswith("```python") and row["turns"] == 1
    assert (row["prompt_tokens"], row["completion_tokens"], row["cost_usd"]) == (900, 300, 0.002)
    assert (row["judge_status"], row["judge_scores"], row["judge_mean"]) == \
        ("judged", {"correctness": 3, "clarity": 4}, 3.5)
    assert row["injected"] == ["recipe"] and row["used"] == [] and row["feedback"] == "rate out of range"


def test_libraries_come_back_as_stored_and_are_stored_once(tmp_path):
    library = seed_library()
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        assert archive.add_library(library) == archive.add_library(library) == library.id
        again = archive.library(library.id[:10])
        counts = archive.rows("SELECT (SELECT count(*) FROM skills) AS s, (SELECT count(*) FROM libraries) AS l")
        with pytest.raises(ArchiveError, match="no library"):
            archive.library("abcdef0123")
    assert again == library and again.id == library.id and counts == [{"s": 2, "l": 1}]


def test_a_failed_transaction_keeps_nothing(tmp_path):
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({})
        with pytest.raises(RuntimeError), archive.transaction():
            archive.add_library(seed_library())
            archive.event(run, "generation", {"n": 1})
            raise RuntimeError("killed mid-generation")
        with pytest.raises(ArchiveError, match="none of it was kept"), archive.transaction():
            archive.event(run, "kept?", None)
            try:
                with archive.transaction():
                    archive.connection.execute("SELECT * FROM no_such_table")
            except Exception:
                pass  # swallowed inside: the outer transaction must still not commit half of it
        counts = archive.rows("SELECT (SELECT count(*) FROM libraries) AS l, (SELECT count(*) FROM events) AS e")
    assert counts == [{"l": 0, "e": 0}]


def test_calls_events_edges_and_resume_helpers(tmp_path):
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({"x": 1}, seed=seed_library(), note="test")
        ids = archive.record_calls(run, [CallRecord("mutator", "m", "m-1", True, 10, 5, 1.5, 0.01, started_at=1.7e9),
                                         CallRecord("mutator", "m", None, False, error="timeout")], generation=1)
        child = seed_library().with_skill(Skill("extra", "Use when testing.", "More."))
        edge = archive.add_edge(run, child, [seed_library()], "add-skill", note="added extra", generation=1,
                                mutator_call=ids[0])
        assert archive.add_edge(run, child, [seed_library()], "add-skill", generation=1) == edge
        archive.set_accepted(run, child.id, True)
        archive.event(run, "generation-done", {"generation": 1, "kept": [child.id]})
        calls = archive.rows("SELECT call_id, ok, error, started_at FROM llm_calls ORDER BY call_id")
        (event,) = archive.rows("SELECT kind, payload::JSON->>'generation' AS g FROM events")
        assert archive.libraries_of_run(run) == [seed_library().id, child.id]
        assert archive.last_generation(run) == 1 and archive.latest_run() == run
        (row,) = archive.rows("SELECT accepted, mutator_call FROM edges WHERE child = ?", [child.id])
    assert ids == [1, 2] and [c["ok"] for c in calls] == [True, False] and calls[1]["error"] == "timeout"
    assert calls[0]["started_at"].year >= 2023 and event == {"kind": "generation-done", "g": "1"}
    assert row == {"accepted": True, "mutator_call": 1}


def test_population_and_pending_seeds(generated):
    from evolve.archive import seed as seeding

    path, g = generated
    edited = g.libraries[g.kept[-1]].with_skill(Skill("by-hand", "Use when a human knows better.", "Do this."))
    with Archive.open(path, snapshots=False) as archive:
        population = archive.rows("SELECT * FROM population ORDER BY generation, library_id")
        seeded = seeding.add(archive, g.run_id, edited, note="my edit", source="here")
        pending = archive.rows("SELECT * FROM pending_seeds")
        assert archive.pending_seeds(g.run_id) == [edited]
        archive.record_trials(g.run_id, 4, [trial_result(edited.id, "goal-c", "val", 0, 0.8)])
        assert archive.pending_seeds(g.run_id) == []
    assert len(population) == len(g.libraries) and population[0]["operator"] == "seed"
    kept = {r["library_id"] for r in population if r["accepted"]}
    assert kept == set(g.kept)
    assert seeded.added and seeded.parent == g.kept[-1]
    assert [(p["library_id"], p["parents"], p["generation"], p["note"]) for p in pending] == \
        [(edited.id, [g.kept[-1]], 4, "my edit")]


def test_score_totals_equal_the_aggregate_over_trials_after_any_sequence_of_writes(generated):
    path, g = generated
    with Archive.open(path, snapshots=False) as archive:
        missing = [r for _, _, r in g.trials if r.status == "missing"]
        archive.record_trials(g.run_id, 5, [trial_result(m.library_id, m.goal, m.split, m.seed, 0.3, key=m.key)
                                            for m in missing[:2]] + [r for _, _, r in g.trials[:5]])
        archive.record_trials(g.run_id, 5, [trial_result(g.seed.id, "goal-c", "val", 9, 0.99)], condition="best-of-4")
        archive.record_trials(g.run_id, 5, [trial_result(None, "goal-a", "train", 9, None)], condition="none")
        with pytest.raises(RuntimeError), archive.transaction():
            archive.record_trials(g.run_id, 6, [trial_result(g.seed.id, "goal-c", "val", 8, 0.0)])
            raise RuntimeError("rolled back")
        totals = archive.rows("SELECT run_id, library_id, split, n, round(mean, 9) AS mean, missing "
                              "FROM library_scores ORDER BY ALL")
        direct = archive.rows("SELECT run_id, library_id, split, count(score) AS n, round(avg(score), 9) AS mean, "
                              "count(*) FILTER (WHERE status = 'missing') AS missing FROM library_trials "
                              "GROUP BY ALL ORDER BY ALL")
    assert totals == direct and any(r["library_id"] is None and r["missing"] == 1 for r in totals)


def test_a_scored_retry_replaces_the_keyless_missing_row_of_the_same_cell(tmp_path):
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({})
        outage = trial_result("lib", "goal-c", "val", 3, None)
        outage.key = ""  # the provider was down before the prompt existed
        assert archive.record_trials(run, 0, [outage]) == 1
        assert archive.record_trials(run, 1, [trial_result("lib", "goal-c", "val", 3, 0.6, key="real-key")]) == 1
        assert archive.record_trials(run, 1, [trial_result("lib", "goal-c", "val", 4, 0.6, key="other")]) == 1
        rows = archive.rows("SELECT trial_key, status FROM trials ORDER BY trial_id")
        (scores,) = archive.rows("SELECT n, missing FROM per_goal_scores")
    assert rows == [{"trial_key": "real-key", "status": "scored"}, {"trial_key": "other", "status": "scored"}]
    assert scores == {"n": 2, "missing": 0}
