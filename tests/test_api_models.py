"""Real request shapes: litellm's own request code for openai/, anthropic/, ollama/, openrouter/ and hosted_vllm/
model names, against a server on 127.0.0.1 that answers in each provider's wire format and refuses what each
provider refuses (tests/helpers/wire_server.py). No network. Trials and mutations go through to the end."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evolve.config import CallPolicy, EvaluationSettings, RoleSettings, ScoreWeights, TrialSettings
from evolve.goals import load_goal
from evolve.models import ModelCallError, ModelClient
from evolve.plugin import load_plugin
from evolve.request_shape import refused_param, shape
from evolve.trial import TrialContext, run_trial
from helpers.wire_server import WireServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ASK = [{"role": "system", "content": "You write notebooks."}, {"role": "user", "content": "Say hello."}]
KEY_ENV = "EVOLVE_TEST_PROVIDER_KEY"

# model name, the api_base suffix litellm wants for it, where the request must land
PROVIDERS = [
    ("openai/gpt-4o-mini", "/v1", "/v1/chat/completions"),
    ("openai/gpt-5", "/v1", "/v1/chat/completions"),
    ("openai/o3-mini", "/v1", "/v1/chat/completions"),
    ("anthropic/claude-sonnet-4-5", "", "/v1/messages"),
    ("anthropic/claude-opus-4-1", "", "/v1/messages"),
    ("anthropic/claude-3-5-haiku-20241022", "", "/v1/messages"),
    ("ollama/qwen2.5-coder:1.5b", "", "/api/generate"),
    ("ollama_chat/qwen2.5-coder:1.5b", "", "/api/chat"),
    ("openrouter/qwen/qwen-2.5-coder-32b-instruct", "/api/v1", "/api/v1/chat/completions"),
    ("hosted_vllm/Qwen/Qwen2.5-Coder-1.5B-Instruct", "/v1", "/v1/chat/completions"),
]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    with WireServer(lambda request: "hello") as running:
        yield running


def client_for(server: WireServer, model: str, suffix: str, role: str = "student", **settings) -> ModelClient:
    settings = {"temperature": 0.7, "top_p": 0.8, "max_tokens": 64, **settings}
    return ModelClient({role: RoleSettings(model, api_base=server.url + suffix, api_key_env=KEY_ENV, **settings)},
                       CallPolicy(breaker_threshold=1, breaker_cooldown_s=0, max_outage_s=0), sleep=lambda s: None)


def options(body: dict) -> dict:
    """Sampling parameters wherever the wire format keeps them (Ollama nests them under `options`)."""
    return {**body, **body.get("options", {})}


@pytest.mark.parametrize("model, suffix, path", PROVIDERS)
def test_a_call_reaches_each_provider_in_its_wire_format_and_sends_only_what_the_model_accepts(
        server, model, suffix, path):
    client = client_for(server, model, suffix)
    completion = client.complete("student", ASK, seed=3)
    assert completion.text == "hello" and completion.record.ok
    request = server.requests[-1]
    assert request.path.split("?")[0] == path and len(server.requests) == 1  # accepted the first time
    sent = options(request.body)
    recorded = json.loads(completion.record.request)
    if model.startswith("anthropic/"):
        assert "seed" not in sent and "seed" in recorded["dropped"]
        assert sent["temperature"] == 0.7 and sent["max_tokens"] == 64
        assert ("top_p" in sent) == ("3-5" in model)  # current Claude models: temperature without top_p
    elif model.startswith("openai/") and "gpt-4o" not in model:  # reasoning models
        assert "temperature" not in sent and "top_p" not in sent and "max_tokens" not in sent
        assert sent["max_completion_tokens"] == 64 and sent["seed"] == 3
        assert set(recorded["dropped"]) == {"temperature", "top_p"}
    else:
        assert (sent["temperature"], sent["top_p"], sent["seed"]) == (0.7, 0.8, 3)
        assert recorded["dropped"] == {}
    assert recorded["sent"].get("api_key") is None and "test-key" not in completion.record.request


def test_a_parameter_a_provider_refuses_is_dropped_for_that_model_and_the_call_sent_again(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    with WireServer(lambda request: "hello") as server:
        original = server._openai

        def strict(request):  # an OpenAI-compatible server that does not know `seed`
            if "seed" in request.body:
                return 400, {"error": {"message": "Unsupported parameter: 'seed'", "type": "invalid_request_error",
                                       "param": "seed", "code": None}}
            return original(request)

        server._openai = strict
        client = client_for(server, "hosted_vllm/strict-model", "/v1")
        first = client.complete("student", ASK, seed=3)
        assert first.text == "hello" and len(server.requests) == 2 and first.record.attempts == 2
        second = client.complete("student", ASK, seed=4)
        assert second.text == "hello" and len(server.requests) == 3  # not tried again with the seed
        assert json.loads(second.record.request)["dropped"] == {"seed": "the model refused it earlier"}


def test_a_role_can_omit_parameters_and_ask_for_reasoning_effort(server):
    client = client_for(server, "openai/gpt-4o-mini", "/v1", omit=["top_p", "seed"])
    client.complete("student", ASK, seed=3)
    sent = server.requests[-1].body
    assert "top_p" not in sent and "seed" not in sent and sent["temperature"] == 0.7
    reasoning = client_for(server, "openai/o3-mini", "/v1", reasoning_effort="low")
    reasoning.complete("student", ASK)
    assert server.requests[-1].body["reasoning_effort"] == "low"


def test_a_missing_key_variable_is_a_clear_error_and_no_request_is_sent(server, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(ModelCallError, match=f"api_key_env names {KEY_ENV}, which is not set"):
        client_for(server, "anthropic/claude-sonnet-4-5", "").complete("student", ASK)
    assert server.requests == []


def test_refusals_name_the_parameter_to_drop():
    sent = {"temperature": 0.7, "top_p": 0.8, "seed": 1, "timeout": 60}
    assert refused_param(Exception("anthropic does not support parameters: ['seed'], for model x"), sent) == "seed"
    assert refused_param(Exception("`temperature` and `top_p` cannot both be specified for this model"),
                         sent) == "top_p"
    assert refused_param(Exception("Unsupported value: 'temperature' does not support 0.7"), sent) == "temperature"
    assert refused_param(Exception("Rate limit reached, retry in 2 s"), sent) is None
    assert refused_param(Exception("invalid 'timeout'"), sent) is None  # transport is never dropped
    assert shape("local/qwen2.5-coder-1.5b", sent).params == sent  # a provider litellm does not know: as asked


GOOD = ("```python\n# %%\nimport json\ntotal = sum(record(n) for n in (1, 2, 3))\n# %%\n"
        "json.dump({'total': total}, open('results.json', 'w'))\n```")


def test_a_trial_with_an_api_student_is_scored_not_missing(server, tmp_path):
    server.rule = lambda request: GOOD
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    for model, suffix, _ in PROVIDERS:
        ctx = TrialContext(client=client_for(server, model, suffix), plugin=load_plugin(FIXTURES / "tiny_plugin"),
                           evaluation=EvaluationSettings(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048),
                           weights=ScoreWeights(), settings=TrialSettings(max_turns=1, cache=False),
                           workroot=tmp_path / model.replace("/", "-"))
        result = run_trial(goal, None, seed=1, ctx=ctx)
        assert (result.status, result.score) == ("scored", 1.0), (model, result.missing_reason)


def test_a_mutation_with_an_api_mutator_proposes_a_child(server):
    from helpers.operator_data import LIBRARY, REWRITTEN_RUN, fence, given

    from evolve.engine.operators.reflective_rewrite import ReflectiveRewrite

    server.rule = lambda request: fence(REWRITTEN_RUN.text)
    client = client_for(server, "anthropic/claude-sonnet-4-5", "", role="mutator", max_tokens=2048)
    proposal = ReflectiveRewrite().propose(given(), client)
    assert LIBRARY.diff(proposal.child).changed == ("run-output",) and proposal.calls[0].ok
    assert "top_p" not in server.requests[-1].body and server.requests[-1].body["temperature"] == 0.7


@pytest.mark.parametrize("workers, limit, expected", [(2, 4, 2), (2, 1, 1)])
def test_workers_call_an_api_student_at_once_within_the_providers_concurrency(server, tmp_path, workers, limit,
                                                                               expected):
    from evolve.engine.executor import LocalExecutor, TrialRequest

    server.rule, server.delay_s = (lambda request: GOOD), 1.0
    goal, _ = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    client = ModelClient({"student": RoleSettings("hosted_vllm/Qwen/Qwen2.5-Coder-1.5B-Instruct",
                                                  api_base=server.url + "/v1", api_key_env=KEY_ENV)},
                         CallPolicy(concurrency={"hosted_vllm": limit}), sleep=lambda s: None)
    ctx = TrialContext(client=client, plugin=load_plugin(FIXTURES / "tiny_plugin"),
                       evaluation=EvaluationSettings(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048),
                       weights=ScoreWeights(), settings=TrialSettings(max_turns=1, cache=False), workroot=tmp_path)
    done = []
    left = LocalExecutor(ctx, workers=workers).run([TrialRequest(goal, None, seed) for seed in range(4)],
                                                   lambda request, result: done.append(result))
    assert left == [] and sorted(r.seed for r in done) == [0, 1, 2, 3] and all(r.score == 1.0 for r in done)
    assert server.max_in_flight == expected


def test_a_run_whose_mutator_is_current_claude_on_the_wire_proposes_children_and_finishes(server, tmp_path, capsys):
    from helpers import engine_fixtures
    from evolve.archive import open_for_reading
    from evolve.cli import main

    engine_fixtures.install()  # the student stays scripted: no model time
    server.rule = lambda request: engine_fixtures.REWRITE.format(marker=engine_fixtures.MARKER)
    config = engine_fixtures.write_config(tmp_path)
    text = config.read_text()
    scripted = '[models.mutator]\nmodel = "rules/mutator"\n'
    assert scripted in text
    config.write_text(text.replace(scripted, f'[models.mutator]\nmodel = "anthropic/claude-sonnet-4-5"\n'
                                             f'api_base = "{server.url}"\napi_key_env = "{KEY_ENV}"\n'))
    assert main(["--config", str(config), "run"]) == 0
    sent = [r for r in server.requests if r.path.endswith("/v1/messages")]
    assert sent and all("top_p" not in r.body and "seed" not in r.body for r in sent)
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        children = reader.rows("SELECT operator, accepted FROM origins WHERE operator <> 'seed'")
        calls = reader.rows("SELECT model, ok FROM llm_calls WHERE role = 'mutator'")
        kinds = [r["kind"] for r in reader.rows("SELECT kind FROM events ORDER BY event_id")]
    finally:
        reader.close()
    assert children and any(c["accepted"] for c in children) and kinds[-1] == "run-finished"
    assert len(calls) == len(sent) and all(c["ok"] and c["model"] == "anthropic/claude-sonnet-4-5" for c in calls)
