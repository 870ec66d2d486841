"""Racing in the engine (scripted world, real notebooks, real archive): the helpful child is accepted by the
minibatch race and confirmed as incumbent after enough pairs, a child that changes nothing measurable is refused
at the first look, and every race is an event a user can query. An evolution budget ends evolution and still
scores the test split."""
from __future__ import annotations

import json

from helpers import engine_fixtures
from evolve.archive import open_for_reading
from evolve.cli import main

RACE = {"enabled": True, "min_pairs": 4, "max_pairs": 8}


def races(db) -> list[dict]:
    reader = open_for_reading(db)
    try:
        return [json.loads(r["payload"]) for r in reader.rows("SELECT payload FROM events WHERE kind = 'race' "
                                                               "ORDER BY event_id")]
    finally:
        reader.close()


def test_a_race_accepts_the_helpful_child_after_enough_pairs_and_confirms_it_on_val(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, race=RACE, generations=1)
    assert main(["--config", str(config), "run"]) == 0
    found = races(tmp_path / "evolve.duckdb")
    stages = {r["stage"]: r for r in found}
    assert stages["minibatch"]["verdict"] == "better" and stages["minibatch"]["pairs"] >= RACE["min_pairs"]
    assert stages["minibatch"]["rounds"] == 2  # 2 train goals × 1 seed per round: 4 pairs need two rounds
    assert stages["incumbency"]["verdict"] == "better" and stages["incumbency"]["pairs"] >= RACE["min_pairs"]
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        best = reader.rows("SELECT score, seed_score FROM best_so_far")[0]
        # the incumbency race ran the seed library on fresh val seeds too: both sides of every pair exist
        seeds = reader.rows("SELECT condition, count(DISTINCT seed) AS n FROM trials WHERE split = 'val' "
                            "AND condition IN ('seed', 'population') GROUP BY 1 ORDER BY 1")
    finally:
        reader.close()
    assert best["score"] == 1.0 and best["seed_score"] == 0.0
    assert [r["n"] for r in seeds] == [RACE["min_pairs"]] * 2
    out = capsys.readouterr().out
    assert "  races: incumbency 1 (1 better, 0 not better, 0 undecided at the cap" in out
    assert "best library val 1.000 → test 1.000 (gap +0.000" in out
    assert main(["sql", "--run", str(tmp_path / "evolve.duckdb"), "--query", "races"]) == 0
    listed = capsys.readouterr().out
    assert "minibatch" in listed and "incumbency" in listed and listed.count("better") >= 2


def test_a_child_that_changes_nothing_measurable_is_refused_at_the_first_look(tmp_path):
    engine_fixtures.install(helpful=False)
    config = engine_fixtures.write_config(tmp_path, race=RACE, generations=1)
    assert main(["--config", str(config), "run"]) == 0
    (minibatch,) = [r for r in races(tmp_path / "evolve.duckdb") if r["stage"] == "minibatch"]
    assert minibatch["verdict"] == "not better" and minibatch["pairs"] == RACE["min_pairs"]
    assert not minibatch["at_cap"] and "smallest gain" in minibatch["reason"]


def test_an_evolution_budget_ends_evolution_then_scores_test_with_its_own_seeds_and_resume_adds_nothing(tmp_path):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, generations=5, evolution_trials=1, test_seeds=2)
    assert main(["--config", str(config), "run"]) == 0
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
        test = reader.rows("SELECT condition, count(DISTINCT seed) AS seeds FROM trials WHERE split = 'test' "
                           "AND condition IN ('seed', 'none') GROUP BY 1 ORDER BY 1")
        before = reader.rows("SELECT count(*) AS n FROM trials")[0]["n"]
    finally:
        reader.close()
    assert kinds.count("generation-done") == 1 and kinds[-1] == "run-finished"  # generation 0 only
    assert [(r["condition"], r["seeds"]) for r in test] == [("none", 2), ("seed", 2)]
    assert main(["--config", str(config), "run", "--resume"]) == 0
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
        after = reader.rows("SELECT count(*) AS n FROM trials")[0]["n"]
    finally:
        reader.close()
    assert after == before and kinds.count("run-finished") == 1
