"""A scripted model behind litellm's custom-provider hook, for engine tests (no network, deterministic).

Each call pops the next scripted reply: a string is the answer, a (text, finish_reason) pair an answer that
ended for that reason, an exception is raised as a provider failure.
"""
from __future__ import annotations

import litellm
from litellm import CustomLLM

litellm.suppress_debug_info = True


class ScriptedModel(CustomLLM):
    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)
        self.calls: list[list[dict]] = []
        self.params: list[dict] = []  # per call, the request's parameters (temperature, seed, max_tokens, ...)

    def completion(self, model, messages, *args, **kwargs):
        self.calls.append([dict(m) for m in messages])
        self.params.append(dict(kwargs.get("optional_params") or {}))
        if not self.replies:
            raise RuntimeError("the scripted model has no replies left")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        finish = None
        if isinstance(reply, tuple):  # (text, finish_reason), e.g. "length" for a reply cut off at max_tokens
            reply, finish = reply
        words = sum(len(str(m.get("content", "")).split()) for m in messages)
        response = litellm.ModelResponse(
            choices=[{"message": {"role": "assistant", "content": reply}}], model=model,
            usage={"prompt_tokens": words, "completion_tokens": len(reply.split()),
                   "total_tokens": words + len(reply.split())})
        if finish:
            response.choices[0].finish_reason = finish
        return response


def install(provider: str, replies) -> ScriptedModel:
    """Register a scripted model as `provider/<anything>` and return it."""
    handler = ScriptedModel(replies)
    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != provider]
    litellm.custom_provider_map = others + [{"provider": provider, "custom_handler": handler}]
    litellm.utils.custom_llm_setup()
    return handler


class RuleModel(ScriptedModel):
    """A model whose reply is computed from the messages: `rule(messages) -> str | Exception | (str, finish_reason)`.

    For callers whose prompts are built by a library (DSPy) and whose number of calls is not fixed in advance."""

    def __init__(self, rule):
        super().__init__([])
        self.rule = rule

    def completion(self, model, messages, *args, **kwargs):
        reply = self.rule([dict(m) for m in messages])
        finish = None
        if isinstance(reply, tuple):
            reply, finish = reply
        self.replies = [reply]
        response = super().completion(model, messages, *args, **kwargs)
        if finish:
            response.choices[0].finish_reason = finish
        return response


def install_rule(provider: str, rule) -> RuleModel:
    """Register a rule-driven model as `provider/<anything>` and return it."""
    handler = RuleModel(rule)
    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != provider]
    litellm.custom_provider_map = others + [{"provider": provider, "custom_handler": handler}]
    litellm.utils.custom_llm_setup()
    return handler
