"""The model layer: every LLM call of every role goes through here, and through litellm.

- Roles (`student`, `mutator`, `judge`) are configured separately; any litellm model name works.
- Keys come only from the environment (litellm reads them); the config never holds a secret.
- Per-provider concurrency limits; retry with exponential backoff (capped at the breaker cooldown) on rate
  limits, server errors, timeouts and connection errors.
- A circuit breaker per provider: after `breaker_threshold` consecutive failures the provider is "open" and
  every caller of it *waits* (work pauses) for the cooldown before trying again. When a provider has failed
  without a single success for longer than `max_outage_s`, `ProviderDown` is raised. A caller must record
  that as missing data, never as a score.
- Every call (success or failure) is recorded: role, requested and resolved model, tokens, latency, cost.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import litellm
from litellm import exceptions as llm_errors  # (litellm re-exports these without declaring them public)

from .config import CallPolicy, RoleSettings
from .records import CallRecord
from .request_shape import described, refused_param, shape

litellm.suppress_debug_info = True

TRANSIENT = (llm_errors.RateLimitError, llm_errors.ServiceUnavailableError, llm_errors.InternalServerError,
             llm_errors.Timeout, llm_errors.APIConnectionError)


class ProviderDown(Exception):
    """A provider stayed unreachable past the outage limit: the work is missing, not failed."""


class ModelCallError(Exception):
    """A non-transient failure (bad request, auth, unknown model): retrying would not help."""


@dataclass
class Completion:
    text: str
    record: CallRecord
    raw: Any = None

    @property
    def finish_reason(self) -> str | None:
        """Why generation stopped, as the provider said ('stop', 'length' = cut off at max_tokens), if it said."""
        try:
            return self.raw.choices[0].finish_reason
        except (AttributeError, IndexError, TypeError):
            return None


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


class _Breaker:
    """Consecutive-failure circuit breaker for one provider."""

    def __init__(self, threshold: int, cooldown_s: float, clock: Callable[[], float]):
        self.threshold, self.cooldown_s, self.clock = threshold, cooldown_s, clock
        self.failures, self.open_until, self.down_since = 0, 0.0, None
        self.lock = threading.Lock()

    def wait_until_closed(self, max_outage_s: float, sleep: Callable[[float], None]) -> None:
        while True:
            with self.lock:
                now = self.clock()
                if now >= self.open_until:
                    return
                if self.down_since is not None and now - self.down_since > max_outage_s:
                    raise ProviderDown(f"provider failing for {now - self.down_since:.0f} s "
                                       f"(limit {max_outage_s:.0f} s)")
                pause = self.open_until - now
            sleep(min(pause, 5.0))

    def outage_s(self) -> float:
        """How long this provider has been failing without a single success."""
        with self.lock:
            return 0.0 if self.down_since is None else self.clock() - self.down_since

    def success(self) -> None:
        with self.lock:
            self.failures, self.open_until, self.down_since = 0, 0.0, None

    def failure(self) -> bool:
        """Count a transient failure; True when this opened the breaker."""
        with self.lock:
            self.failures += 1
            if self.down_since is None:
                self.down_since = self.clock()
            if self.failures >= self.threshold:
                self.open_until = self.clock() + self.cooldown_s
                return True
            return False


class ModelClient:
    """Calls models by role. Thread-safe; share one per process."""

    def __init__(self, roles: dict[str, RoleSettings], policy: CallPolicy = CallPolicy(),
                 on_record: Callable[[CallRecord], None] | None = None,
                 complete: Callable[..., Any] = litellm.completion, sleep: Callable[[float], None] = time.sleep,
                 on_pause: Callable[[str, str], None] | None = None, clock: Callable[[], float] = time.monotonic,
                 on_start: Callable[[CallRecord], None] | None = None):
        self.roles, self.policy = dict(roles), policy
        self.records: list[CallRecord] = []  # every finished call of this client, in order: the one call log
        self._drained = 0
        self._on_record, self._complete, self._sleep, self._on_pause = on_record, complete, sleep, on_pause
        self._on_start = on_start
        self._clock = clock
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._breakers: dict[str, _Breaker] = {}
        self._learned: dict[str, list[str]] = {}  # model -> parameters it refused (evolve.request_shape)
        self._lock = threading.Lock()

    def settings(self, role: str) -> RoleSettings:
        if role not in self.roles:
            raise ModelCallError(f"no model configured for role '{role}' (configured: {', '.join(self.roles)})")
        return self.roles[role]

    def complete(self, role: str, messages: list[dict[str, str]], **overrides) -> Completion:
        """One chat completion for `role`. Raises ProviderDown (outage) or ModelCallError (permanent)."""
        settings = self.settings(role)
        model = overrides.pop("model", settings.model)
        provider = provider_of(model)
        asked = {"temperature": settings.temperature, "top_p": settings.top_p, "max_tokens": settings.max_tokens,
                 **({"reasoning_effort": settings.reasoning_effort} if settings.reasoning_effort else {}),
                 **overrides}
        transport = self._transport(role, settings)
        semaphore, breaker = self._guards(provider)
        record = CallRecord(role=role, model=model, resolved_model=None, ok=False, started_at=time.time())
        if self._on_start:  # e.g. a kill-proof journal: a call in flight when the process dies is still known
            self._on_start(record)
        attempt = 0
        try:
            while True:
                attempt += 1
                shaped = shape(model, asked, settings.omit, self._learned.get(model, ()))
                record.request = described(shaped)
                breaker.wait_until_closed(self.policy.max_outage_s, self._sleep)
                started = time.monotonic()
                try:
                    with semaphore:
                        response = self._complete(model=model, messages=messages, **shaped.params, **transport)
                except TRANSIENT as error:
                    record.latency_s += time.monotonic() - started
                    record.error = _short(error)
                    if breaker.failure() and self._on_pause:
                        self._on_pause(provider, record.error)
                    if breaker.outage_s() > self.policy.max_outage_s:
                        raise ProviderDown(f"{model}: failing for {breaker.outage_s():.0f} s "
                                           f"(limit {self.policy.max_outage_s:.0f} s); last: {record.error}") from error
                    self._sleep(min(self.policy.backoff_s * 2 ** min(attempt - 1, 16), self.policy.breaker_cooldown_s))
                    continue
                except ProviderDown:
                    raise
                except Exception as error:
                    record.latency_s += time.monotonic() - started
                    record.error = _short(error)
                    refused = refused_param(error, shaped.params) if _is_refusal(error) else None
                    if refused is not None and refused not in self._learned.get(model, ()):
                        # The provider refused one parameter: never send it to this model again, ask once more.
                        with self._lock:
                            self._learned.setdefault(model, []).append(refused)
                        continue
                    raise ModelCallError(f"{model}: {record.error}") from error
                record.latency_s += time.monotonic() - started
                breaker.success()
                break
        except ProviderDown as error:
            record.error = str(error)
            record.attempts = attempt
            self._keep(record)
            raise
        except ModelCallError:
            record.attempts = attempt
            self._keep(record)
            raise
        record.ok, record.attempts, record.error = True, attempt, None
        usage = getattr(response, "usage", None)
        record.prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        record.completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        record.resolved_model = getattr(response, "model", None) or model
        record.cost_usd = _cost(response)
        record.cached_tokens, record.prompt_s, record.generation_s = _speed(response, usage)
        self._keep(record)
        text = response.choices[0].message.content or ""
        return Completion(text=text, record=record, raw=response)

    def _transport(self, role: str, settings: RoleSettings) -> dict[str, Any]:
        """How to reach the role's provider: the timeout, the api_base and the key named by api_key_env."""
        transport: dict[str, Any] = {"timeout": settings.timeout_s}
        if settings.api_base:
            transport["api_base"] = settings.api_base
        if settings.api_key_env:
            key = os.environ.get(settings.api_key_env)
            if not key:
                raise ModelCallError(f"[models.{role}] api_key_env names {settings.api_key_env}, which is not set "
                                     f"in the environment")
            transport["api_key"] = key
        return transport

    def _guards(self, provider: str) -> tuple[threading.Semaphore, _Breaker]:
        with self._lock:
            if provider not in self._semaphores:
                limit = self.policy.concurrency.get(provider, self.policy.default_concurrency)
                self._semaphores[provider] = threading.Semaphore(max(1, limit))
                self._breakers[provider] = _Breaker(self.policy.breaker_threshold, self.policy.breaker_cooldown_s,
                                                    self._clock)
            return self._semaphores[provider], self._breakers[provider]

    def _keep(self, record: CallRecord) -> None:
        with self._lock:
            self.records.append(record)
        if self._on_record:
            self._on_record(record)

    def adopt(self, record: CallRecord, began: bool = True, ended: bool = True) -> None:
        """Log a call another process made for this client's run (a Ray worker's trial) like a call made here:
        `began` journals its start (False: already journaled); `ended` journals its end, keeps it for drain()
        (the archive) and counts its cost (False: a call still under way there)."""
        if began and self._on_start:
            self._on_start(record)
        if ended:
            self._keep(record)

    def drain(self) -> list[CallRecord]:
        """The calls finished since the last drain, in order (each is returned once)."""
        with self._lock:
            fresh, self._drained = self.records[self._drained:], len(self.records)
        return fresh

    def cost_by_role(self) -> dict[str, float]:
        """US dollars spent per role so far (unknown costs count as 0)."""
        return {role: usage["cost_usd"] for role, usage in self.usage_by_role().items()}

    def usage_by_role(self) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        for r in self.records:
            t = totals.setdefault(r.role, {"calls": 0, "failed": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                           "cost_usd": 0.0, "latency_s": 0.0})
            t["calls"] += 1
            t["failed"] += not r.ok
            t["prompt_tokens"] += r.prompt_tokens
            t["completion_tokens"] += r.completion_tokens
            t["cost_usd"] += r.cost_usd or 0.0
            t["latency_s"] += r.latency_s
        return totals


def _is_refusal(error: BaseException) -> bool:
    """A request the provider (or litellm, before sending) refused as malformed: 400-class, not an outage."""
    return isinstance(error, (llm_errors.UnsupportedParamsError, llm_errors.BadRequestError)) or \
        getattr(error, "status_code", None) in (400, 422)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text[:300]}"


def _speed(response: Any, usage: Any) -> tuple[int | None, float | None, float | None]:
    """(cached prompt tokens, prompt s, generation s) as the provider reported them. The embedded model's timings
    ride in litellm's hidden params; API providers report cached tokens in the usage (OpenAI's
    prompt_tokens_details, which litellm also fills from Anthropic's cache reads) and no timings."""
    timings = (getattr(response, "_hidden_params", None) or {}).get("timings")
    if isinstance(timings, dict):
        def seconds(key: str) -> float | None:
            value = timings.get(key)
            return float(value) / 1000 if isinstance(value, (int, float)) else None
        cached = timings.get("cached_tokens")
        return (int(cached) if isinstance(cached, (int, float)) else None), seconds("prompt_ms"), seconds("gen_ms")
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    return (int(cached) if isinstance(cached, (int, float)) else None), None, None


def _cost(response: Any) -> float | None:
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # unknown (local) models have no price: record None, not 0
        return None
