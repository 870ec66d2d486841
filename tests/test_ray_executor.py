"""The Ray executor on a real local cluster (a head and a separate worker node, tests/helpers/ray_cluster.py) with the
scripted world of the engine tests: trials run as Ray tasks on both nodes while the coordinator alone writes the
archive; a coordinator killed with SIGKILL resumes with every trial recorded once; a worker killed mid-trial
means the trial runs again (or, past its retries, is recorded missing and run again by --resume), never twice;
a stop sends nothing more and lets the trials on the cluster finish."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import engine_fixtures
from helpers import ray_cluster
from evolve.archive import open_for_reading
from evolve.cli import main
from evolve.config import ExecutorSettings, load_config
from evolve.engine.executor import TrialRequest
from evolve.engine.ray_calls import CallLedger
from evolve.engine.ray_executor import LOST_CALL, RayExecutor, in_flight_limit, judge_failure
from evolve.goals import load_goals
from evolve.library import load_library
from evolve.session import open_session

CHILD = Path(__file__).resolve().parent / "fixtures" / "engine_child.py"


@pytest.fixture(scope="module")
def cluster():
    started = ray_cluster.start_cluster()
    yield started
    started.stop()


@pytest.fixture
def student_log(tmp_path, monkeypatch) -> Path:
    log = tmp_path / "student-calls.log"
    monkeypatch.setenv(ray_cluster.LOG, str(log))  # forwarded to the workers by [executor] forward_env
    monkeypatch.delenv(ray_cluster.HOLD, raising=False)
    return log


def ray_config(tmp_path: Path, cluster, executor: dict | None = None, **run) -> Path:
    path = engine_fixtures.write_config(tmp_path, **run)
    path.write_text(path.read_text() + cluster.executor_section(**(executor or {})))
    return path


def cells(db: Path, scored_only: bool = False) -> list[tuple]:
    reader = open_for_reading(db)
    try:
        where = "WHERE status = 'scored'" if scored_only else ""
        return [tuple(r.values()) for r in reader.rows(
            f"SELECT library_id, goal, seed, condition, count(*) AS n FROM trials {where} GROUP BY ALL ORDER BY ALL")]
    finally:
        reader.close()


def rows(db: Path, sql: str) -> list[dict]:
    reader = open_for_reading(db)
    try:
        return reader.rows(sql)
    finally:
        reader.close()


def lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# -- pure decisions ------------------------------------------------------------------------------------------

def test_trials_in_flight_follow_the_cluster_cpus_unless_configured():
    assert in_flight_limit(ExecutorSettings(kind="ray"), 6.0).trials == 6
    assert in_flight_limit(ExecutorSettings(kind="ray", cpus_per_trial=2.0), 5.0).trials == 2
    assert in_flight_limit(ExecutorSettings(kind="ray", cpus_per_trial=4.0), 2.0).trials == 1  # never 0
    fixed = in_flight_limit(ExecutorSettings(kind="ray", max_in_flight=3), 64.0)
    assert fixed.trials == 3 and "max_in_flight" in fixed.reason


def test_a_lost_worker_is_missing_data_and_a_failing_trial_is_raised():
    from ray import exceptions as rex

    lost = judge_failure(rex.WorkerCrashedError(), retries=2)
    assert lost.missing and "after 2 retries" in lost.reason and "WorkerCrashedError" in lost.reason
    assert judge_failure(rex.NodeDiedError("node 1 died"), retries=0).missing
    assert not judge_failure(rex.RayTaskError("f", "traceback", ValueError("bug")), retries=2).missing


def test_a_call_announced_by_a_lost_attempt_is_recorded_lost_once_and_a_reported_one_is_not():
    ledger = CallLedger()
    assert ledger.announced("1", "a").action == "journal"  # attempt 1 began a call, then its worker died
    assert ledger.announced("1", "b").action == "journal"  # the retry's call
    assert ledger.journaled("a") and not ledger.journaled("c")
    assert ledger.settle("1", {"b"}) == ["a"]  # the report holds b: a was the lost attempt's
    assert ledger.announced("1", "b").action == "ignore"  # a late announcement of a reported call
    late = ledger.announced("1", "z")  # an announcement that arrives after its trial was settled
    assert late.action == "lost" and ledger.announced("1", "z").action == "ignore"  # recorded once
    assert ledger.settle("2", set()) == []


def test_the_executor_section_is_checked_when_the_config_loads(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[executor]\nkind = "ray"\naddress = ""\nworker_setup = "nodots"\nforward_env = ["A-B"]\n')
    config, problems = load_config(path)
    assert config is None
    text = "\n".join(str(p) for p in problems)
    assert "address is empty" in text and "'nodots' is not 'module.function'" in text and "'A-B'" in text
    path.write_text('[executor]\nkind = "cluster"\n')
    assert "must be one of 'local', 'ray'" in str(load_config(path)[1][0])


# -- on the cluster ------------------------------------------------------------------------------------------

def test_a_run_on_a_ray_cluster_finds_the_helpful_rewrite_with_trials_on_both_nodes(tmp_path, cluster, student_log,
                                                                                     capsys):
    model = engine_fixtures.install()  # this process answers only the mutator: the student runs on the workers
    config = ray_config(tmp_path, cluster)
    assert main(["--config", str(config), "run"]) == 0
    db = tmp_path / "evolve.duckdb"
    best = rows(db, "SELECT * FROM best_so_far")[0]
    assert best["score"] == 1.0 and best["seed_score"] == 0.0
    recorded = cells(db)
    assert recorded and all(n == 1 for *_, n in recorded)
    assert not any(m.endswith("student") for m, _ in model.calls) and any(m.endswith("mutator") for m, _ in model.calls)
    served = lines(student_log)
    assert len({node for _, node, *_ in served}) == 2  # both nodes ran trials
    # every student call a worker made is in the archive once, beside its trial (one turn per trial)
    calls = rows(db, "SELECT count(*) AS n, count(DISTINCT uid) AS uids FROM llm_calls WHERE role = 'student'")[0]
    trials = rows(db, "SELECT count(*) AS n FROM trials WHERE NOT cached")[0]["n"]
    assert calls["n"] == calls["uids"] == len(served) == trials
    queued = rows(db, "SELECT count(*) AS n FROM trials WHERE phases.queue_s IS NOT NULL")[0]["n"]
    assert queued == trials  # the queue wait ends when a worker takes the trial
    journal = next((tmp_path / "state" / "runs").iterdir()) / "calls.jsonl"
    assert journal.read_text().count('"role": "student"') == 2 * len(served)  # begun and ended, on the coordinator


def test_stopping_sends_no_more_trials_and_the_ones_on_the_cluster_finish(tmp_path, cluster, student_log):
    engine_fixtures.install()
    config, problems = load_config(ray_config(tmp_path, cluster))
    assert not problems
    session = open_session(config)
    goals, _ = load_goals(Path(config.paths.goals))
    library, _ = load_library(Path(config.paths.skills))
    requests = [TrialRequest(goal, library, seed) for goal in goals[:2] for seed in range(3)]
    executor = RayExecutor(config, session.client, tmp_path / "work")
    assert executor.limit().trials == 2
    reported = []
    left = executor.run(requests, lambda request, result: reported.append((request, result)),
                        should_stop=lambda: bool(reported))
    assert len(reported) == 2 and len(left) == 4  # the two on the cluster finished; nothing sent after the stop
    assert sorted([r.cell for r, _ in reported] + [r.cell for r in left]) == sorted(r.cell for r in requests)
    assert all(result.status == "scored" for _, result in reported)
    assert len(lines(student_log)) == 2
    assert len(session.client.drain()) == 2  # the workers' calls, adopted by the coordinator's client


def test_a_trial_that_raises_on_a_worker_stops_the_run_after_the_other_trial_is_reported(tmp_path, cluster,
                                                                                       student_log):
    import dataclasses

    engine_fixtures.install()
    config, _ = load_config(ray_config(tmp_path, cluster))
    session = open_session(config)
    goals, _ = load_goals(Path(config.paths.goals))
    broken = dataclasses.replace(goals[0], path=tmp_path / "no-such-goal")  # run_trial cannot read its goal.toml
    requests = [TrialRequest(broken, None, 0), TrialRequest(goals[1], None, 0)]
    reported = []
    with pytest.raises(FileNotFoundError, match="no-such-goal"):
        RayExecutor(config, session.client, tmp_path / "work").run(
            requests, lambda request, result: reported.append(request))
    assert [r.goal.slug for r in reported] == [goals[1].slug]  # the healthy trial in flight was reported first


def test_a_worker_killed_mid_trial_runs_the_trial_again_and_reports_it_once(tmp_path, cluster, student_log,
                                                                          monkeypatch):
    engine_fixtures.install()
    hold = tmp_path / "hold"
    hold.write_text("")
    monkeypatch.setenv(ray_cluster.HOLD, str(hold))
    config, _ = load_config(ray_config(tmp_path, cluster, executor={"retries": 1}))
    session = open_session(config)
    goals, _ = load_goals(Path(config.paths.goals))
    library, _ = load_library(Path(config.paths.skills))
    requests = [TrialRequest(goals[0], library, 0), TrialRequest(goals[1], library, 0)]
    executor = RayExecutor(config, session.client, tmp_path / "work")
    # kill once the coordinator knows the held call is under way (a real loss comes seconds into a call)
    killer = threading.Thread(target=_kill_the_holder, args=(student_log, lambda: bool(executor.ledger.started)),
                              daemon=True)
    killer.start()
    reported = []
    assert executor.run(requests, lambda request, result: reported.append((request, result))) == []
    killer.join(timeout=1)
    assert any("holding" in line for line in lines(student_log))  # a worker really was killed mid-trial
    assert sorted(r.goal.slug for r, _ in reported) == sorted(r.goal.slug for r in requests)  # each once
    assert all(result.status == "scored" for _, result in reported)
    # the killed attempt's call was announced as it began: it is recorded failed, cost unknown, beside the two
    calls = session.client.drain()
    assert sorted(c.ok for c in calls) == [False, True, True] and len({c.uid for c in calls}) == 3
    lost = next(c for c in calls if not c.ok)
    assert lost.error == LOST_CALL and lost.cost_usd is None


def _kill_the_holder(log: Path, ready=lambda: True) -> None:
    wait_for(lambda: any("holding" in line for line in lines(log)) and ready(), 120, "a worker holding a trial")
    pid = int(next(line for line in lines(log) if "holding" in line)[0])
    os.kill(pid, signal.SIGKILL)


@pytest.mark.slow  # (the module's fast tests take about 90 s with the cluster start)
def test_a_trial_lost_past_its_retries_is_recorded_missing_and_resume_runs_it_again(tmp_path, cluster, student_log,
                                                                                  monkeypatch):
    engine_fixtures.install()
    hold = tmp_path / "hold"
    hold.write_text("")
    monkeypatch.setenv(ray_cluster.HOLD, str(hold))
    config = ray_config(tmp_path, cluster, executor={"retries": 0}, generations=1, max_trials=3)
    killer = threading.Thread(target=_kill_the_holder, args=(student_log,), daemon=True)
    killer.start()
    assert main(["--config", str(config), "run"]) == 0
    killer.join(timeout=1)
    db = tmp_path / "evolve.duckdb"
    missing = rows(db, "SELECT goal, missing_reason FROM trials WHERE status = 'missing'")
    assert len(missing) == 1 and "lost on the cluster after 0 retries" in missing[0]["missing_reason"]
    assert main(["--config", str(config), "run", "--resume", "--max-trials", "0"]) == 0
    scored = cells(db, scored_only=True)
    assert all(n == 1 for *_, n in scored)
    assert missing[0]["goal"] in {c[1] for c in scored}  # the lost trial was run again and scored once


def test_sigkill_of_the_coordinator_mid_run_then_resume_records_every_trial_once(tmp_path, cluster, student_log):
    config = ray_config(tmp_path, cluster)
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT)}
    coordinator_log = tmp_path / "coordinator.log"  # the coordinator's own (mutator) calls
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(coordinator_log)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    # generation 0 makes 5 student calls; kill inside generation 1, after its child's first minibatch trial, once
    # the coordinator's journal knows every student call served so far began (a kill comes seconds into a call)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None and not (
            len(lines(student_log)) >= 7 and journaled_student_starts(tmp_path) >= len(lines(student_log))):
        time.sleep(0.02)
    assert child.poll() is None, child.stderr.read().decode()[-3000:]
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    served = len(lines(student_log))  # (a worker may still serve a call before Ray ends it: counted above)
    db = tmp_path / "evolve.duckdb"
    before = cells(db)
    assert before and all(n == 1 for *_, n in before)
    done = [r["g"] for r in rows(db, "SELECT json_extract(payload, '$.generation')::INT AS g FROM events "
                                     "WHERE kind = 'generation-done'")]
    assert done == [0]

    engine_fixtures.install()
    assert main(["--config", str(config), "run", "--resume"]) == 0
    after = cells(db)
    assert all(n == 1 for *_, n in after), "a trial was recorded twice"
    assert set(before) <= set(after) and len(after) > len(before)
    kinds = [r["kind"] for r in rows(db, "SELECT kind FROM events ORDER BY event_id")]
    assert "resumed" in kinds and kinds[-1] == "run-finished" and kinds.count("generation-done") == 3
    # each committed trial's student call is archived once, and so is every call the killed coordinator knew
    # began: those in flight at the kill as failed, cost unknown (the resume recovers them from the journal)
    ok = rows(db, "SELECT count(*) AS n, count(DISTINCT uid) AS uids FROM llm_calls WHERE role = 'student' AND ok")[0]
    # (a call that returned but whose trial the kill kept from committing is archived too: at most 2 in flight)
    assert ok["n"] == ok["uids"] and len(after) <= ok["n"] <= len(after) + 2
    every = rows(db, "SELECT count(*) AS n, count(DISTINCT uid) AS uids FROM llm_calls WHERE role = 'student'")[0]
    assert every["n"] == every["uids"] and every["n"] >= served + len(after) - len(before)


def journaled_student_starts(folder: Path) -> int:
    journals = list((folder / "state" / "runs").glob("*/calls.jsonl"))
    text = journals[0].read_text() if journals else ""
    return sum(1 for line in text.splitlines() if '"event": "started"' in line and '"role": "student"' in line)


@pytest.mark.slow
def test_the_overhead_benchmark_runs_on_a_private_ray_and_writes_nothing_under_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_TOKEN", "RAY_ADDRESS"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, str(engine_fixtures.ROOT / "benchmarks" / "ray_overhead.py"), "--seeds",
                           "1", "--rounds", "1"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    table = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:3]}
    assert set(table) == {"local", "ray"} and table["local"][1] == table["ray"][1] == "4"  # every trial, both
    assert float(table["ray"][-1]) == 1.0  # the reference answers score on the workers too
    assert "ray/local seconds per trial:" in done.stdout
    assert list(home.iterdir()) == []  # the private Ray's token and sessions live under [executor] temp_dir


@pytest.mark.slow  # (the module's fast tests take about 90 s with the cluster start)
def test_ctrl_c_finishes_the_trials_on_the_cluster_commits_and_exits(tmp_path, cluster, student_log):
    config = ray_config(tmp_path, cluster, generations=1)
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT)}
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(tmp_path / "coordinator.log")], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None and len(lines(student_log)) < 2:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)  # trials are on the cluster: they must finish and be recorded
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err.decode()[-3000:]
    assert "finishing the trials in flight" in err.decode()
    recorded = cells(tmp_path / "evolve.duckdb")
    assert len(recorded) == len(lines(student_log)) and all(n == 1 for *_, n in recorded)
    last = rows(tmp_path / "evolve.duckdb", "SELECT kind, payload FROM events ORDER BY event_id DESC LIMIT 1")[0]
    assert last["kind"] == "run-stopped" and "interrupted" in last["payload"]


@pytest.mark.slow  # (the module's fast tests take about 90 s with the cluster start)
def test_a_second_ctrl_c_stops_at_once_and_cancels_the_trial_held_on_the_cluster(tmp_path, cluster, student_log):
    hold = tmp_path / "hold"
    hold.write_text("")
    config = ray_config(tmp_path, cluster, generations=1)
    env = {**os.environ, "PYTHONPATH": str(engine_fixtures.ROOT), ray_cluster.HOLD: str(hold)}
    child = subprocess.Popen([sys.executable, str(CHILD), str(config), str(tmp_path / "coordinator.log")], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    wait_for(lambda: any("holding" in line for line in lines(student_log)) or child.poll() is not None, 240,
             "a worker holding a trial")
    assert child.poll() is None, child.stderr.read().decode()[-3000:]
    holder = int(next(line for line in lines(student_log) if "holding" in line)[0])
    child.send_signal(signal.SIGINT)
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = child.communicate(timeout=60)  # the held call still has ~118 s to go
    assert child.returncode == 130 and time.monotonic() - started < 20, err.decode()[-3000:]
    assert "stopped at once; resume with" in err.decode()
    assert all(n == 1 for *_, n in cells(tmp_path / "evolve.duckdb"))
    wait_for(lambda: not _alive(holder), 30, "the held trial's worker to be ended with its coordinator")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_the_cluster_nodes_keep_their_files_out_of_home(cluster):
    assert list(cluster.home.iterdir()) == []  # after the trials above: nothing under the nodes' $HOME
    assert any(cluster.temp_dir.glob("session_*"))  # Ray's sessions are where it was told
