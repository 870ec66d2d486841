"""Scoring a notebook: the engine on a tiny plugin (fast), then real TVB notebooks through the sandbox.

The tiny plugin's notebooks run in the real sandbox: what a notebook leaves in its folder (links, FIFOs, huge
or deeply nested files) is exactly what these tests plant. Replay verdicts use the tiny plugin's test replay
(a canned report the notebook writes to its evidence dir, or the goal's replay.py over the traced calls)."""
import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

from evolve import notebook as nb_io
from evolve.checks import CheckContext, CheckResult, at_least, in_range, numbers, redact_bounds
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.evaluation import (FEEDBACK_CHARS, evaluate, executed_credit, execution_layout, integrity_verdict,
                               read_results, redacted_checks, score_of)
from evolve.goals import load_goal
from evolve.plugin import Pitfall, load_plugin
from evolve.replay_report import ReplayReport

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SETTINGS = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=3072)
WEIGHTS = ScoreWeights()


@pytest.fixture(scope="module")
def tiny():
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    return goal, load_plugin(FIXTURES / "tiny_plugin")


def run_tiny(tiny, tmp_path, code, goal=None, plugin=None, settings=SETTINGS):
    return evaluate(nb_io.from_reply(code).notebook, goal or tiny[0], plugin or tiny[1], settings, WEIGHTS,
                    tmp_path / "run")


def goal_copy(tiny, tmp_path, name, **files):
    """The tiny goal with some of its files replaced or added (check.py, replay.py, ...)."""
    folder = tmp_path / name
    shutil.copytree(tiny[0].path, folder)
    for filename, text in files.items():
        (folder / filename.replace("_py", ".py")).write_text(text)
    goal, problems = load_goal(folder)
    assert not problems
    return goal


REPLAY_PY = "def recompute(runs):\n    return {'total': sum(r['value'] for r in runs)}\n"
RESULTS_ONLY = "import json\njson.dump({{'total': {total}}}, open('results.json', 'w'))\n"
EVIDENCE = "__import__('os').environ['EVOLVE_EVIDENCE_DIR']"


def test_score_formula():
    passed, failed = CheckResult("a", True, ""), CheckResult("b", False, "")
    assert score_of(WEIGHTS, True, [passed, passed], []) == 1.0
    assert score_of(WEIGHTS, False, [failed, failed], []) == 0.0
    assert score_of(WEIGHTS, True, [passed, failed], []) == pytest.approx(0.25 + 0.375)
    assert score_of(WEIGHTS, True, [passed], [Pitfall("x", 1, "m")]) == pytest.approx(0.95)
    assert score_of(WEIGHTS, False, [failed], [Pitfall("x", 1, "m")]) == 0.0  # clipped, never negative


def test_reference_scores_full_marks_with_trace_evidence(tiny, tmp_path):
    goal, _ = tiny
    evaluation = run_tiny(tiny, tmp_path, goal.reference_path.read_text())
    assert evaluation.status == "scored" and evaluation.score == 1.0
    assert [c.passed for c in evaluation.checks] == [True, True]
    assert len(evaluation.trace) == 3
    assert "Checks: 2 of 2 passed." in evaluation.feedback and "record(1)" in evaluation.feedback


def test_a_failing_notebook_is_scored_with_its_error_in_the_feedback(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "# %%\nrecord(1)\n# %%\nundefined_name\n")
    assert evaluation.status == "scored" and not evaluation.executed
    assert evaluation.error.startswith("NameError")
    assert evaluation.score == pytest.approx(0.0)
    assert "no results.json was written" in evaluation.feedback
    assert "NameError" in evaluation.feedback


def test_pitfalls_cost_points(tiny, tmp_path):
    goal, _ = tiny
    evaluation = run_tiny(tiny, tmp_path, goal.reference_path.read_text() + "\n# %%\nx = eval('1')\n")
    assert [p.code for p in evaluation.pitfalls] == ["eval-used"]
    assert evaluation.score == pytest.approx(0.95)


def test_invalid_results_json_is_explained(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "open('results.json', 'w').write('{\"total\": NaN}')\n")
    assert evaluation.results is None
    assert "not valid JSON" in evaluation.feedback


def test_a_broken_goal_check_is_an_infrastructure_error_not_a_zero(tiny, tmp_path):
    goal, plugin = tiny
    broken = tmp_path / "broken-goal"
    shutil.copytree(goal.path, broken)
    (broken / "check.py").write_text("def check(ctx):\n    return [1 / 0]\n")
    broken_goal, _ = load_goal(broken)
    evaluation = evaluate(nb_io.from_reply(goal.reference_path.read_text()).notebook, broken_goal, plugin,
                          SETTINGS, WEIGHTS, tmp_path / "run")
    assert evaluation.status == "error" and evaluation.score is None
    assert "ZeroDivisionError" in evaluation.error


def test_a_check_py_that_skips_a_declared_check_is_an_error(tiny, tmp_path):
    goal, plugin = tiny
    broken = tmp_path / "partial-goal"
    shutil.copytree(goal.path, broken)
    (broken / "check.py").write_text(
        "from evolve.checks import CheckResult\ndef check(ctx):\n    return [CheckResult('total_is_six', True, '')]\n")
    partial_goal, _ = load_goal(broken)
    evaluation = evaluate(nb_io.from_reply("x = 1").notebook, partial_goal, plugin, SETTINGS, WEIGHTS,
                          tmp_path / "run")
    assert evaluation.status == "error" and "missing ['recorded_three']" in evaluation.error


# --- pure rules: executed credit, integrity verdicts, messages without bounds ---------------------------------

PASS_T, PASS_R = CheckResult("total_is_six", True, "ok"), CheckResult("recorded_three", True, "ok")
FAIL_T = CheckResult("total_is_six", False, "'total' = 7 is too high")
NO_RESULTS_T = CheckResult("total_is_six", False, "no results.json was written")


def test_running_earns_credit_only_with_evidence_of_work():
    assert executed_credit(True, True).credited
    idle = executed_credit(True, False)
    assert not idle.credited and "none of the requested work" in idle.reason
    assert not executed_credit(False, True).credited


def test_a_forged_replay_report_uncredits_every_check_and_flags_the_notebook():
    verdict = integrity_verdict([PASS_T, PASS_R], None, ReplayReport("forged", "trace claims 3 calls, re-run made 2"))
    assert verdict.flag == "forged" and "re-run made 2" in verdict.reason
    assert not any(c.passed for c in verdict.credited_checks)


def test_confirmed_numbers_that_fail_a_check_the_notebook_passed_are_forged():
    report = ReplayReport("confirmed", "", recomputed={"total": 7}, runs_replayed=3)
    verdict = integrity_verdict([PASS_T, PASS_R], [FAIL_T, PASS_R], report, results={"total": 6})
    assert verdict.flag == "forged"
    assert "results.json says total = 6 but the simulations it ran give total = 7" in verdict.reason
    assert not any(c.passed for c in verdict.credited_checks)


def test_confirmed_numbers_that_agree_keep_the_credit():
    report = ReplayReport("confirmed", "", recomputed={"total": 6}, runs_replayed=3)
    verdict = integrity_verdict([PASS_T, PASS_R], [PASS_T, PASS_R], report, results={"total": 6})
    assert verdict.flag is None and all(c.passed for c in verdict.credited_checks)


def test_unconfirmed_results_earn_no_credit_for_checks_that_rest_on_results_json_alone():
    verdict = integrity_verdict([PASS_T, PASS_R], [NO_RESULTS_T, PASS_R], ReplayReport("unconfirmed", "no run traced"))
    assert verdict.flag is None
    assert [c.passed for c in verdict.credited_checks] == [False, True]
    assert "not credited" in verdict.credited_checks[0].message and "total_is_six" in verdict.reason


def test_a_goal_without_replay_is_scored_as_read():
    verdict = integrity_verdict([PASS_T, FAIL_T], None, ReplayReport("not-declared"))
    assert verdict.flag is None and verdict.credited_checks == [PASS_T, FAIL_T]
    assert integrity_verdict([PASS_T], None, None).credited_checks == [PASS_T]


@pytest.mark.parametrize("value", [3.25, 15.5])
def test_range_messages_give_the_value_and_direction_never_the_bounds(value):
    ctx = CheckContext(results={"peak_hz": value})
    message = in_range("peak", ctx, "peak_hz", 8.7, 12.7, "Hz").message
    assert f"{value:g} Hz" in message and ("too low" in message or "too high" in message)
    assert "8.7" not in message and "12.7" not in message
    low = at_least("peak", ctx, "peak_hz", 9.75, "Hz").message
    assert "9.75" not in low and f"{value:g}" in low
    assert in_range("peak", CheckContext(results={"peak_hz": 10.0}), "peak_hz", 8.7, 12.7, "Hz").passed


@pytest.mark.parametrize("message, hidden", [
    ("'peak' = 3 Hz is outside the expected range [8.7, 12.7] Hz", ["8.7", "12.7"]),
    ("peak must be between 8.7 and 12.7 Hz", ["8.7", "12.7"]),
    ("expected slowing (peak_shift_hz ≤ -0.55 Hz); got -0.2 Hz", ["0.55"]),
    ("G=0.1: 0.123 (expected 0.456 ± 0.01)", ["0.456", "0.01"]),
    ("transition_coupling = 0.3, expected 0.515: the first G that exceeds 0.25", ["0.515", "0.25"]),
    ("'x' = 3 Hz < 8.7 Hz required", ["8.7"]),
    ("expected runs of at least 2000 ms", ["2000"]),
    ("accepted band 8.7–12.7 Hz", ["8.7", "12.7"]),
])
def test_redaction_removes_bounds_and_keeps_the_found_values(message, hidden):
    redacted = redact_bounds(message)
    assert not [number for number in hidden if number in redacted], redacted
    assert "(hidden)" in redacted
    for kept in ("'peak' = 3 Hz", "got -0.2 Hz", "0.123", "transition_coupling = 0.3", "'x' = 3 Hz"):
        if kept in message:
            assert kept in redacted


def test_redaction_keeps_values_and_comparisons_between_names():
    for message in ("latency_slow_ms = 12 ms > latency_fast_ms = 9 ms", "the runs used a = [3.0, -1.0]",
                    "record() was called 2 times; 3 expected"):
        assert redact_bounds(message) == message
    as_dicts = redacted_checks([{"name": "a", "passed": False, "message": "within [1, 2]"}])
    assert as_dicts[0]["message"] == "within (hidden)"


def test_an_execution_folder_must_be_new_or_empty(tmp_path):
    work, evidence = execution_layout(tmp_path / "new")
    assert (work.name, evidence.name) == ("work", "evidence") and work.parent == evidence.parent
    with pytest.raises(FileExistsError):
        execution_layout(tmp_path / "new")


# --- hostile files in the notebook's folder (real sandbox, tiny plugin) ---------------------------------------

def test_a_results_json_linked_to_a_host_file_is_not_read_or_echoed(tiny, tmp_path):
    host = tmp_path / "host-secret.json"
    host.write_text('{"total": 6, "TOPSECRET_KEY": "TOPSECRET_VALUE"}')
    evaluation = run_tiny(tiny, tmp_path, f"import os\nos.symlink({str(host)!r}, 'results.json')\n")
    assert evaluation.status == "scored" and evaluation.results is None
    assert "results.json is a symbolic link" in evaluation.feedback
    dumped = json.dumps(evaluation.to_json())
    assert "TOPSECRET" not in dumped and "TOPSECRET" not in evaluation.feedback


def test_a_notebook_ipynb_link_planted_in_the_work_folder_leaves_the_host_target_untouched(tiny, tmp_path):
    host = tmp_path / "host-target.txt"
    host.write_text("original")
    goal, _ = tiny
    code = (goal.reference_path.read_text() + "\n# %%\nimport os\n"
            f"os.symlink({str(host)!r}, 'notebook.ipynb')\n"
            "try:\n    os.symlink(" + repr(str(host)) + ", '../notebook.ipynb')\nexcept OSError:\n    pass\n")
    evaluation = run_tiny(tiny, tmp_path, code)
    assert evaluation.executed and host.read_text() == "original"
    written = evaluation.folder / "notebook.ipynb"
    assert written.is_file() and not written.is_symlink()
    assert nb_io.read(written).cells  # the executed notebook, beside work/ and evidence/
    assert (evaluation.workdir / "notebook.ipynb").is_symlink()  # the plant is still there, never written through


def test_a_results_json_fifo_does_not_hang_the_evaluation(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "import os\nos.mkfifo('results.json')\n")
    assert evaluation.status == "scored" and evaluation.results is None
    assert "FIFO" in evaluation.feedback


def test_a_trace_fifo_in_the_evidence_dir_does_not_hang_the_evaluation(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, f"import os\nos.mkfifo(os.path.join({EVIDENCE}, 'tiny_trace.jsonl'))\n")
    assert evaluation.status == "scored" and evaluation.trace == [] and not evaluation.executed_credit


def test_a_50_mb_results_json_is_refused_at_the_cap_without_loading_it(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "with open('results.json', 'w') as f:\n"
                                          "    f.write('{\"total\": 6, \"pad\": \"' + 'x' * 50_000_000 + '\"}')\n")
    assert evaluation.status == "scored" and evaluation.results is None
    assert "over the 1.0 MB size limit" in evaluation.feedback
    tracemalloc.start()
    try:
        assert read_results(evaluation.workdir)[0] is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20  # the evaluator never held the 50 MB


def test_a_100000_deep_results_json_is_a_clear_notebook_error(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "open('results.json', 'w').write('[' * 100000 + ']' * 100000)\n")
    assert evaluation.status == "scored" and evaluation.results is None
    assert "100000 levels deep, over the limit of 64" in evaluation.feedback


def test_feedback_is_capped_whatever_the_notebook_wrote(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "import json\njson.dump({'k' * 50 + str(i): i for i in range(10000)}, "
                                          "open('results.json', 'w'))\nraise ValueError('v' * 100000)\n")
    assert evaluation.status == "scored" and len(evaluation.feedback) <= FEEDBACK_CHARS + 100
    assert "more)" in evaluation.feedback  # the key list was cut, not dumped


# --- missing, not zero -------------------------------------------------------------------------------------

class _Broken:
    """The tiny plugin with one part replaced (a hook that raises, a plugin method that raises or hangs)."""

    def __init__(self, inner, **parts):
        self._inner, self._parts = inner, parts

    def __getattr__(self, name):
        return self._parts.get(name) or getattr(self._inner, name)


def test_a_startup_file_that_raises_is_missing_data_not_a_zero(tiny, tmp_path):
    hook = tmp_path / "broken_hook.py"
    hook.write_text("raise RuntimeError('the hook is broken')\n")
    plugin = _Broken(tiny[1], startup_files=lambda: [hook])
    evaluation = run_tiny(tiny, tmp_path, tiny[0].reference_path.read_text(), plugin=plugin)
    assert evaluation.status == "error" and evaluation.score is None
    assert "the hook is broken" in evaluation.error and "not scored" in evaluation.feedback


def test_a_sandbox_that_fails_to_set_up_is_missing_data(tiny, tmp_path, monkeypatch):
    import evolve.evaluation as evaluation_module

    def no_sandbox(*args, **kwargs):
        raise OSError("bwrap: cannot create namespace")
    monkeypatch.setattr(evaluation_module, "execute_notebook", no_sandbox)
    evaluation = run_tiny(tiny, tmp_path, "x = 1\n")
    assert evaluation.status == "error" and evaluation.score is None and "bwrap" in evaluation.error


@pytest.mark.parametrize("part", ["read_trace", "summarize_trace", "replay"])
def test_a_plugin_that_raises_is_missing_data_not_a_crash_or_a_zero(tiny, tmp_path, part):
    def boom(*args):
        raise KeyError("plugin bug")
    evaluation = run_tiny(tiny, tmp_path, tiny[0].reference_path.read_text(), plugin=_Broken(tiny[1], **{part: boom}))
    assert evaluation.status == "error" and evaluation.score is None and "plugin bug" in evaluation.error


def test_a_goal_check_that_hangs_is_stopped_and_is_missing_data(tiny, tmp_path):
    goal = goal_copy(tiny, tmp_path, "hanging", check_py="import time\ndef check(ctx):\n    time.sleep(60)\n")
    settings = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=3072, assess_timeout_s=1)
    evaluation = run_tiny(tiny, tmp_path, "x = 1\n", goal=goal, settings=settings)
    assert evaluation.status == "error" and evaluation.score is None
    assert "did not finish within 1 s" in evaluation.error


# --- "executed" needs evidence of work; the replay decides what results.json is worth -------------------------

def test_an_empty_notebook_earns_no_executed_credit(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, "x = 1\n")
    assert evaluation.executed and not evaluation.executed_credit and evaluation.score == 0.0
    assert "No credit for running" in evaluation.feedback


def test_results_json_alone_scores_zero_when_the_goal_declares_a_replay(tiny, tmp_path):
    goal = goal_copy(tiny, tmp_path, "with-replay", replay_py=REPLAY_PY)
    evaluation = run_tiny(tiny, tmp_path, RESULTS_ONLY.format(total=6), goal=goal)
    assert evaluation.executed and not evaluation.executed_credit
    assert evaluation.replay.status == "unconfirmed" and evaluation.integrity is None
    assert evaluation.score == 0.0 and "earn no credit: total_is_six" in evaluation.feedback


def test_results_json_alone_gets_no_executed_credit_without_a_replay(tiny, tmp_path):
    evaluation = run_tiny(tiny, tmp_path, RESULTS_ONLY.format(total=6))
    assert not evaluation.executed_credit and evaluation.replay.status == "not-declared"
    assert evaluation.score == pytest.approx(0.375)  # the documented gap: only its results-only check counts


def test_a_confirmed_replay_keeps_full_marks(tiny, tmp_path):
    goal = goal_copy(tiny, tmp_path, "with-replay", replay_py=REPLAY_PY)
    evaluation = run_tiny(tiny, tmp_path, tiny[0].reference_path.read_text(), goal=goal)
    assert evaluation.score == 1.0 and evaluation.replay.status == "confirmed" and evaluation.integrity is None
    assert evaluation.to_json()["replay"]["recomputed"] == {"total": 6}


def test_reported_numbers_its_own_simulations_do_not_give_are_forged(tiny, tmp_path):
    goal = goal_copy(tiny, tmp_path, "with-replay", replay_py=REPLAY_PY)
    code = "import json\nfor n in (1, 2, 4):\n    record(n)\njson.dump({'total': 6}, open('results.json', 'w'))\n"
    evaluation = run_tiny(tiny, tmp_path, code, goal=goal)
    assert evaluation.score == 0.0 and evaluation.replay.status == "confirmed"
    assert "results.json says total = 6 but the simulations it ran give total = 7" in evaluation.integrity
    assert "INTEGRITY" in evaluation.feedback and evaluation.to_json()["integrity"] == evaluation.integrity
    assert not any(c.passed for c in evaluation.checks)


def test_a_forged_replay_report_scores_zero_with_the_integrity_flag(tiny, tmp_path):
    canned = {"status": "forged", "reason": "the trace claims 3 calls but the re-run made 2"}
    code = tiny[0].reference_path.read_text() + (
        f"\n# %%\nimport os\njson.dump({canned!r}, open(os.path.join({EVIDENCE}, 'replay.json'), 'w'))\n")
    evaluation = run_tiny(tiny, tmp_path, code)
    assert evaluation.status == "scored" and evaluation.score == 0.0
    assert "the re-run made 2" in evaluation.integrity and evaluation.replay.status == "forged"


def test_feedback_never_quotes_the_ranges_a_goal_check_wrote(tiny, tmp_path):
    check = ("from evolve.checks import CheckResult, in_range\n"
             "def check(ctx):\n"
             "    t = (ctx.results or {}).get('total')\n"
             "    return [CheckResult('total_is_six', False, f'total = {t} is outside the expected range [5.5, 6.5]; "
             "it should be between 5.5 and 6.5'),\n"
             "            CheckResult('recorded_three', len(ctx.trace) == 3, 'calls counted')]\n")
    goal = goal_copy(tiny, tmp_path, "leaky", check_py=check)
    evaluation = run_tiny(tiny, tmp_path, RESULTS_ONLY.format(total=7), goal=goal)
    assert "total = 7" in evaluation.feedback
    assert "5.5" not in evaluation.feedback and "6.5" not in evaluation.feedback
    assert "5.5" not in evaluation.redacted_checks()[0].message
    assert "[5.5, 6.5]" in evaluation.checks[0].message  # the archive keeps the full text for humans


# --- real TVB notebooks: the reference of a shipped goal, and the classic unpack bug ---------------------------

@pytest.fixture(scope="module")
def tvb():
    goal, problems = load_goal(ROOT / "goals" / "jansen-rit-alpha")
    assert not problems
    return goal, load_plugin(ROOT / "evaluators" / "tvb")


def run_tvb(tvb, workdir, path):
    goal, plugin = tvb
    return evaluate(nb_io.read(path), goal, plugin, SETTINGS, WEIGHTS, workdir)


def test_tvb_reference_scores_full_marks_and_the_same_twice(tvb, tmp_path):
    goal, _ = tvb
    first = run_tvb(tvb, tmp_path / "a", goal.reference_path)
    second = run_tvb(tvb, tmp_path / "b", goal.reference_path)
    assert first.executed and first.score == 1.0, first.feedback
    assert all(c.passed for c in first.checks) and first.pitfalls == []
    assert (first.score, first.results) == (second.score, second.results)
    assert [c.message for c in first.checks] == [c.message for c in second.checks]
    assert "fresh-folder" in first.isolation and "env-allowlist" in first.isolation
    assert "JansenRit" in first.feedback  # the trace summary reached the feedback


def test_tvb_unpack_bug_fails_with_the_error_recorded(tvb, tmp_path):
    goal, _ = tvb
    evaluation = run_tvb(tvb, tmp_path, goal.path / "wrong" / "unpack-bug.py")
    assert not evaluation.executed
    assert evaluation.error.startswith("ValueError: not enough values to unpack")
    assert "run-unpack" in [p.code for p in evaluation.pitfalls]
    assert evaluation.score < 1.0
    assert not next(c for c in evaluation.checks if c.name == "peak_in_alpha").passed


def test_eval_command_writes_the_documented_json(tmp_path, monkeypatch, capsys):
    from evolve.cli import main
    monkeypatch.chdir(ROOT)
    out = tmp_path / "eval.json"
    code = main(["eval", str(FIXTURES / "tiny_goals" / "count-to-three" / "reference.py"),
                 "--goal", str(FIXTURES / "tiny_goals" / "count-to-three"), "--json", str(out),
                 "--workdir", str(tmp_path / "run")])
    assert code == 0
    data = json.loads(out.read_text())
    assert {"executed", "checks", "score", "error", "isolation", "wall_s"} <= set(data)
    assert data["checks"][0].keys() == {"name", "passed", "message"}
    assert "score" in capsys.readouterr().out


def test_eval_command_with_a_judge_reports_its_verdict_and_refuses_self_grading(tmp_path, monkeypatch, capsys):
    from evolve.cli import main
    from helpers.scripted_llm import install

    monkeypatch.chdir(ROOT)
    install("scriptedjudge2", ['{"correctness": 4, "code_quality": 3, "scientific_validity": 3, '
                               '"efficiency": 5, "rationale": "ok"}'])
    goal_dir = FIXTURES / "tiny_goals" / "count-to-three"
    out = tmp_path / "eval.json"
    assert main(["eval", str(goal_dir / "reference.py"), "--goal", str(goal_dir), "--json", str(out),
                 "--workdir", str(tmp_path / "run"), "--judge", "scriptedjudge2/big"]) == 0
    data = json.loads(out.read_text())
    assert data["judge"]["status"] == "judged" and data["judge"]["mean"] == 3.75
    assert main(["eval", str(goal_dir / "reference.py"), "--goal", str(goal_dir), "--workdir",
                 str(tmp_path / "run2"), "--judge", "ollama/qwen2.5-coder:1.5b"]) == 0
    assert "must not grade its own work" in capsys.readouterr().err


def test_numbers_reads_a_list_of_finite_numbers_or_says_what_each_position_is():
    ctx = CheckContext({"rates": [1, 2.5, "3"], "short": [1.0], "nan": [1.0, float("nan"), 2.0], "scalar": 4.0})
    assert numbers(ctx, "rates", 3, "one per level") == ([1.0, 2.5, 3.0], None)
    for key in ("short", "nan", "scalar", "absent"):
        values, message = numbers(ctx, key, 3, "one per level")
        assert values is None and f"'{key}' must be a list of 3 finite numbers (one per level), got" in message
    assert numbers(CheckContext(None), "rates", 3, "x")[1].startswith("no results.json was written")
