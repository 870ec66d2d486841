"""Scoring a notebook: the engine on a tiny plugin (fast), then real TVB notebooks through the sandbox."""
import json
import shutil
from pathlib import Path

import pytest

from evolve import notebook as nb_io
from evolve.checks import CheckResult
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.evaluation import evaluate, score_of
from evolve.goals import load_goal
from evolve.plugin import Pitfall, load_plugin

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SETTINGS = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=3072)
WEIGHTS = ScoreWeights()


@pytest.fixture(scope="module")
def tiny():
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    return goal, load_plugin(FIXTURES / "tiny_plugin")


def run_tiny(tiny, tmp_path, code):
    goal, plugin = tiny
    return evaluate(nb_io.from_reply(code).notebook, goal, plugin, SETTINGS, WEIGHTS, tmp_path / "run")


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
    from scripted_llm import install

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
