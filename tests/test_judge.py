"""The optional LLM judge, on a scripted provider: blind, structured, retried, and missing data on failure."""
import json
from pathlib import Path

import litellm
import pytest

from evolve.checks import CheckResult
from evolve.judge import DIMENSIONS, JudgeConfigError, judge, parse_verdict, same_model
from scripted_llm import install

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
