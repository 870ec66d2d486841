"""The optional LLM judge, on a scripted provider: blind, structured, retried, and missing data on failure."""
import json
from pathlib import Path

import litellm
import pytest

from evolve.checks import CheckResult
from evolve.judge import DIMENSIONS, JudgeConfigError, judge, parse_verdict, same_model
from helpers.scripted_llm import install

TEMPLATE = Path(__file__).resolve().parent.parent / "evaluators" / "tvb" / "judge.md.j2"
EVIDENCE = dict(request="# Alpha\nFind the alpha peak.", code="x = 1", executed=True, error=None,
                results=json.dumps({"peak_frequency_hz": 10.7}), trace_summary="JansenRit, 76 regions, 2000 ms",
                checks=[CheckResult("peak_in_alpha", True, "10.7 Hz within [8.7, 12.7] Hz")])
GOOD = json.dumps({"correctness": 5, "code_quality": 4, "scientific_validity": 4, "efficiency": 3,
                   "rationale": "Fine."})


def run_judge(replies, **kw):
    handler = install("scriptedjudge", replies)
    verdict = judge(model="scriptedjudge/big", student_model="local/qwen2.5-coder-1.5b", template=TEMPLATE,
                    evidence=EVIDENCE, complete=litellm.completion, backoff_s=0, **kw)
    return verdict, handler


def test_a_good_answer_is_a_verdict():
    verdict, handler = run_judge([f"Here you go:\n```json\n{GOOD}\n```"])
    assert verdict.status == "judged" and verdict.attempts == 1
    assert verdict.scores == {"correctness": 5, "code_quality": 4, "scientific_validity": 4, "efficiency": 3}
    assert verdict.mean == 4.0


def test_the_prompt_shows_evidence_but_not_the_condition():
    _, handler = run_judge([GOOD])
    prompt = handler.calls[0][0]["content"]
    assert "Find the alpha peak." in prompt and "JansenRit, 76 regions" in prompt and "peak_in_alpha" in prompt
    for leak in ("qwen", "skill", "no-skills", "seed library", "student"):
        assert leak not in prompt.lower()


def test_unparsable_answers_are_retried_with_the_reason():
    verdict, handler = run_judge(["I think it is good.", '{"correctness": 9}', GOOD])
    assert verdict.status == "judged" and verdict.attempts == 3
    assert "no JSON object" in handler.calls[1][-1]["content"]
    assert "'correctness' must be an integer from 1 to 5" in handler.calls[2][-1]["content"]


def test_provider_failures_are_missing_data_not_zero():
    down = litellm.exceptions.ServiceUnavailableError("down", llm_provider="scriptedjudge", model="big")
    verdict, _ = run_judge([down, down, down])
    assert verdict.status == "missing" and verdict.scores == {} and verdict.mean is None
    assert "ServiceUnavailableError" in verdict.reason


def test_the_judge_refuses_to_grade_the_students_own_model():
    with pytest.raises(JudgeConfigError, match="must not grade its own work"):
        judge(model="ollama/qwen2.5-coder:1.5b", student_model="local/Qwen2.5-Coder-1.5B-Instruct",
              template=TEMPLATE, evidence=EVIDENCE, complete=litellm.completion)
    assert same_model("openai/gpt-4o", "gpt-4o") and not same_model("openai/gpt-4o", "openai/gpt-4o-mini")


@pytest.mark.parametrize("bad", ['{"correctness": 5}', '{"correctness": true, "code_quality": 1, '
                                 '"scientific_validity": 1, "efficiency": 1}', "{not json}"])
def test_parse_rejects_incomplete_answers(bad):
    with pytest.raises(ValueError):
        parse_verdict(bad)
    assert len(DIMENSIONS) == 4


def judged_trial(tmp_path, judge_replies, **settings):
    from evolve.config import CallPolicy, EvaluationSettings, JudgeSettings, RoleSettings, ScoreWeights, \
        TrialSettings
    from evolve.goals import load_goal
    from evolve.judge import trial_judge
    from evolve.models import ModelClient
    from evolve.plugin import load_plugin
    from evolve.trial import TrialContext, run_trial
    from helpers.trial_data import FIXTURES, GOOD as NOTEBOOK

    install("scriptedstudent", [NOTEBOOK])
    judge_handler = install("scriptedjudge", judge_replies)
    client = ModelClient({"student": RoleSettings("scriptedstudent/small"),
                          "judge": RoleSettings("scriptedjudge/big", temperature=0.0)},
                         CallPolicy(breaker_threshold=1, breaker_cooldown_s=0, max_outage_s=0), sleep=lambda s: None)
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    verdict = trial_judge(JudgeSettings(enabled=True, model="scriptedjudge/big", template=str(TEMPLATE),
                                        max_attempts=2, **settings), "scriptedstudent/small", client, plugin)
    ctx = TrialContext(client=client, plugin=plugin,
                       evaluation=EvaluationSettings(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048),
                       weights=ScoreWeights(), settings=TrialSettings(max_turns=1, cache=False),
                       workroot=tmp_path / "trials", judge=verdict)
    goal, _ = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    return run_trial(goal, None, seed=1, ctx=ctx), judge_handler, client


def test_in_a_trial_the_judge_gives_the_final_notebook_a_verdict_beside_the_score_through_the_judge_role(tmp_path):
    result, handler, client = judged_trial(tmp_path, [GOOD])
    assert result.score == 1.0 and result.judge["status"] == "judged" and result.judge["mean"] == 4.0
    assert "record(n)" in handler.calls[0][0]["content"]  # it saw the notebook's code
    assert [r.role for r in client.records] == ["student", "judge"]  # shaped, recorded and costed like any call


def test_a_judge_that_fails_leaves_the_verdict_missing_and_the_score_alone(tmp_path):
    down = litellm.ServiceUnavailableError("down", llm_provider="scriptedjudge", model="big")
    result, _, _ = judged_trial(tmp_path, [down, down, down, down])
    assert result.score == 1.0 and result.judge["status"] == "missing" and result.judge["mean"] is None


def test_a_judge_is_refused_when_it_is_the_student_or_has_no_model(tmp_path):
    from evolve.config import load_config

    path = tmp_path / "c.toml"
    path.write_text('[models.student]\nmodel = "local/qwen2.5-coder-1.5b"\n\n[judge]\nenabled = true\n'
                    'model = "ollama/qwen2.5-coder:1.5b"\n')
    config, problems = load_config(path)
    assert config is None and "[judge-is-student]" in str(problems[0]) and ":6:" in str(problems[0])
    path.write_text('[models.student]\nmodel = "local/qwen2.5-coder-1.5b"\n\n[judge]\nenabled = true\n')
    config, problems = load_config(path)
    assert config is None and "needs [judge] model" in str(problems[0])
