"""A scripted model behind litellm's custom-provider hook, for engine tests (no network, deterministic).

Each call pops the next scripted reply: a string is the answer, an exception is raised as a provider failure.
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

    def completion(self, model, messages, *args, **kwargs):
        self.calls.append([dict(m) for m in messages])
        if not self.replies:
            raise RuntimeError("the scripted model has no replies left")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        words = sum(len(str(m.get("content", "")).split()) for m in messages)
        return litellm.ModelResponse(
            choices=[{"message": {"role": "assistant", "content": reply}}], model=model,
            usage={"prompt_tokens": words, "completion_tokens": len(reply.split()),
                   "total_tokens": words + len(reply.split())})


def install(provider: str, replies) -> ScriptedModel:
    """Register a scripted model as `provider/<anything>` and return it."""
    handler = ScriptedModel(replies)
    others = [p for p in (litellm.custom_provider_map or []) if p["provider"] != provider]
    litellm.custom_provider_map = others + [{"provider": provider, "custom_handler": handler}]
    litellm.utils.custom_llm_setup()
    return handler
