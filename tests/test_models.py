"""The model layer on a scripted provider: roles, retries, circuit breaker, records; outages never become scores."""
import litellm
import pytest

from evolve.models import CallPolicy, ModelCallError, ModelClient, ProviderDown, RoleSettings, provider_of
from helpers.scripted_llm import install


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def down():
    return litellm.ServiceUnavailableError("down", llm_provider="scripted", model="m")


def client(replies, policy=None, **kw):
    policy = policy or CallPolicy()
    handler = install("scripted", replies)
    fake = FakeTime()
    records = []
    c = ModelClient({"student": RoleSettings("scripted/small", temperature=0.0),
                     "mutator": RoleSettings("scripted/big")}, policy, on_record=records.append,
                    sleep=fake.sleep, clock=fake.clock, **kw)
    return c, handler, fake, records


def test_a_call_returns_text_and_records_usage_by_role():
    c, handler, _, records = client(["hello there"])
    completion = c.complete("student", [{"role": "user", "content": "say hi"}])
    assert completion.text == "hello there"
    (record,) = records
    assert record.ok and record.role == "student" and record.model == "scripted/small"
    assert record.completion_tokens == 2 and record.prompt_tokens == 2
    assert record.resolved_model and record.attempts == 1
    assert c.usage_by_role()["student"]["calls"] == 1
    assert handler.calls[0][0]["content"] == "say hi"


def test_transient_errors_are_retried_with_backoff():
    c, _, fake, records = client([down(), down(), "ok"], CallPolicy(breaker_threshold=10))
    assert c.complete("student", [{"role": "user", "content": "x"}]).text == "ok"
    assert records[-1].attempts == 3
    assert fake.slept == [2.0, 4.0]


def test_an_outage_pauses_then_resumes_when_the_provider_answers():
    paused = []
    c, _, fake, _ = client([down(), down(), down(), "back"], CallPolicy(breaker_threshold=3, breaker_cooldown_s=30, backoff_s=2.0),
                           on_pause=lambda provider, error: paused.append(provider))
    assert c.complete("student", [{"role": "user", "content": "x"}]).text == "back"
    assert paused == ["scripted"]
    assert fake.now >= 30  # it waited out the cooldown instead of failing


def test_a_long_outage_is_provider_down_never_a_reply():
    c, _, fake, records = client([down()] * 200, CallPolicy(breaker_threshold=2, breaker_cooldown_s=10, max_outage_s=60))
    with pytest.raises(ProviderDown):
        c.complete("student", [{"role": "user", "content": "x"}])
    assert records[-1].ok is False and "failing for" in records[-1].error
    assert 60 < fake.now < 200  # paused through the outage, then gave up


def test_permanent_errors_are_not_retried():
    bad = litellm.BadRequestError("bad request", model="m", llm_provider="scripted")
    c, _, fake, records = client([bad, "never"])
    with pytest.raises(ModelCallError, match="BadRequestError"):
        c.complete("student", [{"role": "user", "content": "x"}])
    assert fake.slept == [] and records[-1].attempts == 1


def test_unknown_role_is_a_clear_error():
    c, _, _, _ = client([])
    with pytest.raises(ModelCallError, match="no model configured for role 'judge'"):
        c.complete("judge", [])


def test_overrides_and_provider_names():
    c, _, _, records = client(["a"])
    c.complete("student", [{"role": "user", "content": "x"}], model="scripted/other", max_tokens=5)
    assert records[-1].model == "scripted/other"
    assert provider_of("ollama/qwen2.5-coder:1.5b") == "ollama" and provider_of("gpt-4o") == "openai"
