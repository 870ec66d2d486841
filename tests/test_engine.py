"""The evolution engine end to end on rule-based models and the tiny plugin (real notebooks, real archive):
a child that helps is found, gated, accepted and reported; a run killed with SIGKILL mid-generation resumes
with every trial recorded exactly once; Ctrl-C-style stops and the stop file end a run cleanly."""
from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


from helpers import engine_fixtures
from evolve.archive import open_for_reading
from evolve.cli import main
from evolve.commands.run import turns_notice
from evolve.engine.report import turns_line

CHILD = Path(__file__).resolve().parent / "fixtures" / "engine_child.py"


def cells(db: Path) -> list[tuple]:
    reader = open_for_reading(db)
    try:
        return [tuple(r.values()) for r in reader.rows(
            "SELECT library_id, goal, seed, condition, count(*) AS n FROM trials GROUP BY ALL ORDER BY ALL")]
    finally:
        reader.close()


def test_a_run_finds_the_helpful_rewrite_and_reports_it(tmp_path, capsys):
    model = engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path)
    assert main(["--config", str(config), "run"]) == 0
    out = capsys.readouterr()
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        best = reader.rows("SELECT * FROM best_so_far")[0]
        # the seed's notebook runs but never calls record(): no evidence of the work, so no "executed" credit
        assert best["score"] == 1.0 and best["seed_score"] == 0.0 and best["none_score"] == 0.0
        edges = reader.rows("SELECT operator, accepted, note FROM origins WHERE operator <> 'seed'")
        assert edges and edges[0]["operator"] == "reflective-rewrite" and edges[0]["accepted"] is True
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
        assert kinds.count("generation-done") == 3 and "new-best" in kinds and kinds[-1] == "run-finished"
        # test split: scored for the report, never before the end here (test_every = 0)
        tested = reader.rows("SELECT DISTINCT condition FROM trials WHERE split = 'test' ORDER BY 1")
        assert [r["condition"] for r in tested] == ["best-of-n", "none", "population", "seed"]
        # best-of-N at equal budget on test: as many seed samples per test goal as the run's val trials per val goal
        spent = reader.rows("SELECT count(*) / count(DISTINCT goal) AS per_goal FROM trials WHERE split = 'val' "
                            "AND condition IN ('seed', 'population')")[0]["per_goal"]
        val_goals, test_goals = ({r["goal"] for r in reader.rows("SELECT DISTINCT goal FROM trials WHERE split = ?",
                                                                 [split])} for split in ("val", "test"))
        samples = reader.rows("SELECT split, goal, count(*) AS n FROM trials WHERE condition = 'best-of-n' "
                              "GROUP BY ALL ORDER BY ALL")
        n = math.ceil(spent)
        assert n >= 3 and [r["n"] for r in samples if r["split"] == "test"] == [n] * len(test_goals)
        assert [r["n"] for r in samples if r["split"] == "val"] == [1] * len(val_goals)  # val: best_of_n
        roles = {r["role"] for r in reader.rows("SELECT DISTINCT role FROM llm_calls")}
        assert roles == {"student", "mutator"}
        turns = turns_line(reader.turn_totals(reader.latest_run()))
    finally:
        reader.close()
    assert "best library" in out.out and "~counting" in out.out and f"best-of-{n} seed" in out.out
    assert "turn(s) per trial" not in out.err  # [run] and [trial] max_turns agree here: nothing to say
    report = next((tmp_path / "state" / "runs").iterdir())
    assert "MAGIC-SUM" in (report / "best.diff").read_text()
    assert turns in (report / "summary.txt").read_text().splitlines() and "failed first notebooks" in turns
    assert (report / "best" / "counting" / "SKILL.md").is_file()
    assert all(n == 1 for *_, n in cells(tmp_path / "evolve.duckdb"))
    assert any(m.endswith("mutator") for m, _ in model.calls)
    assert not any(model.threads)  # no model call on the main thread: it stays free to handle Ctrl-C


def test_a_run_says_when_its_turns_per_trial_override_the_trial_setting():
    assert turns_notice(1, 3) == ("1 turn(s) per trial ([run] max_turns; [trial] max_turns = 3 applies to evolve "
                                  "trial, eval and ablate)")
    assert turns_notice(0, 3) is None and turns_notice(3, 3) is None


def test_a_trial_whose_notebook_sends_a_malformed_display_message_does_not_stop_the_run(tmp_path, capsys):
    engine_fixtures.install(malformed_first=True)
    config = engine_fixtures.write_config(tmp_path, generations=1)
    assert main(["--config", str(config), "run"]) == 0
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
        errors = [r["error"] for r in reader.rows(
            "SELECT e.transcript[1].error AS error FROM evaluations e JOIN trials t ON t.trial_id = e.trial_id "
            "WHERE t.status = 'scored' ORDER BY t.trial_id")]
    finally:
        reader.close()
    assert kinds[-1] == "run-finished" and "run-stopped" not in kinds
    assert errors and "malformed" in (errors[0] or "").lower(), errors[:2]


def test_kill_9_mid_generation_then_resume_records_every_trial_once(tmp_path):
    config = engine_fixtures.write_config(tmp_path)
    log = tmp_path / "student-calls.log"
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT)}
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(log)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    # Generation 0 makes 5 student calls (seed on 2 train + 1 val, no skills on val, best-of-1 on val); kill
    # the run inside generation 1, after its child's first minibatch trial.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 7:
            break
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read().decode()[-2000:]
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    db = tmp_path / "evolve.duckdb"
    before = cells(db)
    assert before and all(n == 1 for *_, n in before)
    reader = open_for_reading(db)
    try:
        done = [r["g"] for r in reader.rows("SELECT json_extract(payload, '$.generation')::INT AS g FROM events "
                                            "WHERE kind = 'generation-done'")]
        assert done == [0]  # killed mid-generation 1
    finally:
        reader.close()

    served = len(log.read_text().splitlines())  # student replies the killed process was given
    model = engine_fixtures.install()
    assert main(["--config", str(config), "run", "--resume"]) == 0
    after = cells(db)
    assert all(n == 1 for *_, n in after), "a trial was recorded twice"
    assert set(before) <= set(after)
    # no scored cell ran again: the resumed process made one student call per new cell
    student_calls = sum(1 for m, _ in model.calls if m.endswith("student"))
    assert student_calls == len(after) - len(before)
    reader = open_for_reading(db)
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
        assert "resumed" in kinds and kinds[-1] == "run-finished" and kinds.count("generation-done") == 3
        # nothing spent disappears: every student call either process made is archived once, those that were
        # in flight at the kill as failed with unknown cost
        calls = reader.rows("SELECT count(*) AS n, count(DISTINCT uid) AS uids, count(*) FILTER (WHERE NOT ok) "
                            "AS failed FROM llm_calls WHERE role = 'student'")[0]
        assert calls["n"] == calls["uids"] and calls["n"] >= served + student_calls
        assert calls["n"] - calls["failed"] >= served + student_calls - 1  # at most the one in flight failed
    finally:
        reader.close()


def test_patience_stops_a_run_after_generations_without_a_better_incumbent(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, generations=6, patience=2)
    assert main(["--config", str(config), "run"]) == 0
    assert "patience 2" in capsys.readouterr().err
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        stale = [r["stale"] for r in reader.rows(
            "SELECT json_extract(payload, '$.stale')::INT AS stale FROM events WHERE kind = 'generation-done' "
            "ORDER BY event_id")]
    finally:
        reader.close()
    assert stale[-1] == 2 and len(stale) < 7  # stopped before generation 6, on the engine's own count


def test_the_cost_budget_counts_what_earlier_invocations_spent(tmp_path, capsys):
    from evolve.archive import Archive
    from evolve.models import CallRecord

    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, max_trials=2)
    assert main(["--config", str(config), "run"]) == 0
    with Archive.open(tmp_path / "evolve.duckdb", snapshots=False) as archive:
        run_id = archive.latest_run()
        with archive.transaction():  # what a priced API student spent before the stop
            archive.record_calls(run_id, [CallRecord("student", "rules/student", None, True, cost_usd=1.5)])
    capsys.readouterr()
    config = engine_fixtures.write_config(tmp_path, max_cost_usd={"student": 1.0})  # a budget: may change
    assert main(["--config", str(config), "run", "--resume"]) == 0
    assert "cost budget of role student reached ($1.50 of $1.00)" in capsys.readouterr().err
    assert len(cells(tmp_path / "evolve.duckdb")) == 2  # no trial ran past the budget


def test_a_resume_with_a_changed_configuration_shows_the_change_and_needs_allow_config_change(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, max_trials=2)
    assert main(["--config", str(config), "run"]) == 0
    changed = engine_fixtures.write_config(tmp_path, max_trials=3, population=5)
    capsys.readouterr()
    assert main(["--config", str(changed), "run", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "run.population: 2 → 5" in err and "--allow-config-change" in err and "run.max_trials" not in err
    assert len(cells(tmp_path / "evolve.duckdb")) == 2  # nothing ran
    assert main(["--config", str(changed), "run", "--resume", "--allow-config-change"]) == 0
    assert main(["--config", str(changed), "run", "--resume"]) == 0  # the accepted configuration is the run's now
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
    finally:
        reader.close()
    assert kinds.count("config-changed") == 1


def test_resuming_a_finished_run_does_nothing_and_emits_no_second_finish(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path)
    assert main(["--config", str(config), "run"]) == 0
    assert main(["--config", str(config), "run", "--resume"]) == 0
    assert "finished earlier" in capsys.readouterr().err
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
    finally:
        reader.close()
    assert kinds.count("run-finished") == 1 and kinds.count("generation-done") == 3


def test_the_stop_file_stops_between_trials_and_resume_finishes(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, max_trials=3)
    assert main(["--config", str(config), "run"]) == 0
    assert "trial budget reached" in capsys.readouterr().err
    assert len(cells(tmp_path / "evolve.duckdb")) == 3
    (tmp_path / "STOP").write_text("")
    assert main(["--config", str(config), "run", "--resume"]) == 2  # refuses to start while the stop file exists
    (tmp_path / "STOP").unlink()
    assert main(["--config", str(config), "run", "--resume"]) == 0  # the budget is the run's: still reached
    assert len(cells(tmp_path / "evolve.duckdb")) == 3
    assert main(["--config", str(config), "run", "--resume", "--max-trials", "0"]) == 0
    assert all(n == 1 for *_, n in cells(tmp_path / "evolve.duckdb"))


def test_ctrl_c_finishes_the_trial_in_flight_commits_and_exits(tmp_path):
    config = engine_fixtures.write_config(tmp_path, generations=1)
    log = tmp_path / "student-calls.log"
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT)}
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(log)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)  # the 2nd trial is in flight: it must finish and be recorded
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err.decode()[-2000:]
    assert "finishing the trials in flight" in err.decode()
    calls = len(log.read_text().splitlines())
    recorded = cells(tmp_path / "evolve.duckdb")
    assert len(recorded) == calls and all(n == 1 for *_, n in recorded)
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        last = reader.rows("SELECT kind, payload FROM events ORDER BY event_id DESC LIMIT 1")[0]
        assert last["kind"] == "run-stopped" and "interrupted" in last["payload"]
    finally:
        reader.close()


def test_a_second_ctrl_c_stops_at_once_even_inside_a_long_model_call(tmp_path):
    config = engine_fixtures.write_config(tmp_path, generations=1)
    log = tmp_path / "student-calls.log"
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT), "EVOLVE_TEST_STUDENT_SLEEP_S": "60"}
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(log)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and "sleeping" in log.read_text():
            break
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read().decode()[-2000:]
    child.send_signal(signal.SIGINT)
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = child.communicate(timeout=50)  # the model call still has ~58 s to go
    assert child.returncode == 130 and time.monotonic() - started < 20, err.decode()[-2000:]
    assert "stopped at once; resume with" in err.decode()
    assert all(n == 1 for *_, n in cells(tmp_path / "evolve.duckdb"))  # what was committed stays, once


def test_an_internal_error_in_a_trial_stops_the_run_with_a_message_and_resume_finishes_it(tmp_path, capsys,
                                                                                          monkeypatch):
    from evolve.engine import executor

    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, generations=1)
    real, calls = executor.run_trial, []

    def broken_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise FileExistsError("a harness bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(executor, "run_trial", broken_third)
    assert main(["--config", str(config), "run"]) == 1
    err = capsys.readouterr().err
    assert "stopped by an internal error: FileExistsError: a harness bug" in err and "--resume" in err
    (error_file,) = (tmp_path / "state" / "runs").glob("*/error.txt")
    assert "a harness bug" in error_file.read_text()
    assert len(cells(tmp_path / "evolve.duckdb")) == 2  # the two trials before it are committed
    monkeypatch.setattr(executor, "run_trial", real)
    assert main(["--config", str(config), "run", "--resume"]) == 0
    assert all(n == 1 for *_, n in cells(tmp_path / "evolve.duckdb"))


def test_with_the_judge_enabled_every_trial_gets_a_verdict_shown_beside_the_score(tmp_path, capsys):
    engine_fixtures.install()
    config = engine_fixtures.write_config(tmp_path, judge=True)
    assert main(["--config", str(config), "run"]) == 0
    summary = next((tmp_path / "state" / "runs").iterdir()) / "summary.txt"
    judge_line = next(line for line in summary.read_text().splitlines() if line.startswith("  judge verdicts:"))
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        verdicts = reader.rows("SELECT e.judge_status AS status, count(*) AS n FROM trials t JOIN evaluations e "
                               "USING (trial_id) WHERE t.status = 'scored' GROUP BY ALL")
        roles = {r["role"] for r in reader.rows("SELECT DISTINCT role FROM llm_calls")}
    finally:
        reader.close()
    assert [v["status"] for v in verdicts] == ["judged"] and roles == {"student", "mutator", "judge"}
    assert "population rubric" in judge_line and "vs score" in judge_line
