"""Where a trial's time goes: the Phases record, model-call timings, and what trials and the archive keep."""
import litellm
import pytest

from evolve.models import _speed
from evolve.phases import NAMES, Phases, of_call


def test_phases_add_field_by_field_and_unknown_stays_unknown_until_measured():
    a = Phases(prompt_s=1.0, execution_s=2.0)
    b = Phases(prompt_s=0.5, checks_s=0.25)
    total = a.add(b).add(None)
    assert (total.prompt_s, total.execution_s, total.checks_s, total.replay_s) == (1.5, 2.0, 0.25, None)
    assert total.total_s == pytest.approx(3.75) and tuple(total.as_dict()) == NAMES
    assert Phases.from_dict({"prompt_s": 1, "unknown_s": 9, "replay_s": None}) == Phases(prompt_s=1.0)


def test_a_call_splits_into_the_providers_prompt_and_generation_and_the_rest_is_waiting():
    local = of_call(10.0, 2.0, 7.5)
    assert (local.prompt_s, local.generation_s, local.model_wait_s) == (2.0, 7.5, pytest.approx(0.5))
    api = of_call(4.0, None, None)  # an API model times nothing for us: the whole call is generation
    assert (api.prompt_s, api.generation_s, api.model_wait_s) == (None, 4.0, None)


def test_cached_tokens_and_timings_are_read_from_what_the_provider_reported():
    response = litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": "x"}}],
                                     usage={"prompt_tokens": 100, "completion_tokens": 5, "total_tokens": 105,
                                            "prompt_tokens_details": {"cached_tokens": 64}})
    assert _speed(response, response.usage) == (64, None, None)
    response._hidden_params["timings"] = {"cached_tokens": 90, "prompt_ms": 250.0, "gen_ms": 1500}
    assert _speed(response, response.usage) == (90, 0.25, 1.5)
    bare = litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": "x"}}],
                                 usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})
    assert _speed(bare, bare.usage)[0] is None  # not reported is unknown, never 0
