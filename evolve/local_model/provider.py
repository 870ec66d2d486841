"""The embedded model as a litellm provider: `litellm.completion(model="local/qwen2.5-coder-1.5b", ...)`.

Contract
- `register(state_dir, ...)` installs a `LocalProvider` as litellm custom provider `local` (or `provider`)
  and returns it. Idempotent: registering again with the same settings keeps the same handler; other
  entries in `litellm.custom_provider_map` are kept.
- `completion` / `acompletion` resolve the model name with the registry (the first call to the 1.5B
  assembles its weights, about 10 s, and loads it, about 2 s), run one chat completion in-process and
  return a `litellm.ModelResponse` with `usage`. Streaming is not supported.
- OpenAI parameters litellm passes (temperature, top_p, max_tokens / max_completion_tokens, seed, stop)
  and llama.cpp's own (top_k, repeat_penalty, ...) go to llama.cpp unchanged; `extra_body` is merged in.
  What the request leaves unset of the model's recommended sampling (`registry.lookup(name).sampling`, e.g.
  Qwen's top_k 20 and repeat_penalty 1.05) is filled in.
- The speed figures (`runtime.ChatResult.timings()`: prompt/completion/cached tokens, prompt and
  generation tok/s, ms) are not a ModelResponse field: they are in `response._hidden_params["timings"]`;
  read them with `timings_of(response)`.
- Errors: an unknown model name → `litellm.BadRequestError` listing the known names; missing weights →
  `litellm.APIConnectionError` carrying the pip command; a prompt longer than the context →
  `litellm.ContextWindowExceededError`; other llama.cpp request errors → `litellm.BadRequestError`.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import litellm
from litellm import exceptions as llm_errors  # (litellm re-exports these without declaring them public)
from litellm.llms.custom_llm import CustomLLM

from . import registry, runtime
from .weights import WeightsError

PROVIDER = "local"

# litellm bookkeeping that may appear among optional params and means nothing to llama.cpp.
_NOT_FOR_LLAMA = {"stream", "stream_options", "extra_body", "max_retries"}


@dataclass(frozen=True)
class ProviderSettings:
    models_dir: Path
    n_ctx: int = 8192
    threads: int = 2


class LocalProvider(CustomLLM):
    """Serves `local/<known model name>` from this process; see the module doc."""

    def __init__(self, settings: ProviderSettings):
        super().__init__()
        self.settings = settings

    def model(self, name: str) -> runtime.LocalModel:
        """The loaded model for a known name (assembling and loading it on first use)."""
        path = registry.gguf_path(name, self.settings.models_dir)
        return runtime.get_model(path, n_ctx=self.settings.n_ctx, threads=self.settings.threads)

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        name = model.split("/", 1)[1] if model.startswith(f"{PROVIDER}/") else model
        params = dict(kwargs.get("optional_params") or {})
        if params.get("stream"):
            raise llm_errors.BadRequestError("the local provider does not stream", model=model, llm_provider=PROVIDER)
        extra = dict(params.pop("extra_body", None) or {})
        if "max_completion_tokens" in params:  # the newer OpenAI name; llama.cpp reads max_tokens
            params.setdefault("max_tokens", params.pop("max_completion_tokens"))
        extra.update({k: v for k, v in params.items() if k not in _NOT_FOR_LLAMA})
        try:
            for key, value in registry.lookup(name).sampling:
                extra.setdefault(key, value)
            result = self.model(name).chat(messages, extra=extra)
        except registry.UnknownModelError as error:
            raise llm_errors.BadRequestError(str(error), model=model, llm_provider=PROVIDER) from error
        except WeightsError as error:
            raise llm_errors.APIConnectionError(str(error), llm_provider=PROVIDER, model=model) from error
        except runtime.LocalModelError as error:
            if error.kind == "exceed_context_size_error":
                raise llm_errors.ContextWindowExceededError(str(error), model=model, llm_provider=PROVIDER) from error
            if error.code == 400:
                raise llm_errors.BadRequestError(str(error), model=model, llm_provider=PROVIDER) from error
            raise llm_errors.APIError(error.code, str(error), llm_provider=PROVIDER, model=model) from error
        # `timings` is llama.cpp's extension: ModelResponse would keep it as an unknown attribute, so it
        # goes to the hidden params instead, where litellm leaves it untouched.
        answer = {k: v for k, v in result.raw.items() if k != "timings"}
        answer["model"] = f"{PROVIDER}/{name}"
        response = litellm.ModelResponse(**answer)
        response._hidden_params["timings"] = result.timings()
        return response

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        # The binding releases the GIL while it generates, so a worker thread keeps the event loop free.
        return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)


def timings_of(response: Any) -> dict | None:
    """The speed figures of a response from this provider (None for other providers)."""
    return (getattr(response, "_hidden_params", None) or {}).get("timings")


def register(state_dir: Path, *, models_dir: Path | None = None, n_ctx: int = 8192, threads: int = 2,
             provider: str = PROVIDER) -> LocalProvider:
    """Make `<provider>/<known model>` callable through litellm; see the module doc."""
    settings = ProviderSettings(Path(models_dir) if models_dir else registry.models_dir(state_dir), n_ctx, threads)
    entries = list(litellm.custom_provider_map or [])
    for entry in entries:
        handler = entry.get("custom_handler")
        if entry.get("provider") == provider and isinstance(handler, LocalProvider) and handler.settings == settings:
            return handler
    handler = LocalProvider(settings)
    litellm.custom_provider_map = [e for e in entries if e.get("provider") != provider] + [
        {"provider": provider, "custom_handler": handler}]
    # Not needed for completion()/acompletion() in litellm 1.110.2 (each call runs it), but it puts the
    # provider in litellm.provider_list at once, for code that checks that list before the first call.
    litellm.utils.custom_llm_setup()
    return handler
