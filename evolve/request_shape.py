"""What a model call may send: the request shaped to the model, and the parameter a refusal names.

Contract (pure functions, no network):
- `shape(model, params, omit=(), learned=())` → `Shaped`: `params` without what this model does not take, and
  `dropped` saying which parameter went and why. In order:
  1. `omit` (the role's config: parameters never to send) and `learned` (parameters this model refused
     earlier in the process);
  2. parameters litellm says the provider does not support (`litellm.get_supported_openai_params`; a provider
     it does not know, like the embedded `local`, keeps everything);
  3. known refusals litellm's table does not capture (`RULES`): OpenAI's reasoning models (o1/o3/o4, GPT-5)
     accept only the default temperature and no top_p; current Claude models (Sonnet 4.5+, Opus 4.1+,
     Haiku 4.5+) refuse `temperature` and `top_p` together (top_p goes, temperature stays).
  Transport keys (`timeout`, `api_base`, `api_key`, `extra_body`, ...) are never dropped.
- `refused_param(error, params)` → the name of the sent parameter a provider's refusal names (litellm's
  UnsupportedParamsError "does not support parameters: ['seed']", a 400 "`temperature` and `top_p` cannot
  both be specified", "Unsupported parameter: 'top_p'", ...), or None when the error names none. The caller
  drops it, remembers it for the model, and sends again once.
- `described(shaped)` → the request as recorded in the archive (JSON): every sent key and value except the
  messages and credentials, and what was dropped and why.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

import litellm

# Never shaped away: how to reach the provider, not what to ask it.
TRANSPORT = frozenset({"timeout", "api_base", "api_key", "extra_body", "extra_headers", "num_retries",
                       "max_retries", "custom_llm_provider"})
SECRET = frozenset({"api_key"})


@dataclass(frozen=True)
class Rule:
    """A refusal litellm's supported-params table does not capture: for models whose name matches `pattern`,
    `drop` goes unless `keep_if` says the value is the one the model accepts."""

    pattern: str
    drop: str
    why: str
    keep_if: Any = None  # the one value the provider accepts (None: never accepted)
    only_with: str | None = None  # refused only together with this parameter

    def applies(self, name: str, params: dict[str, Any]) -> bool:
        return (self.drop in params and re.search(self.pattern, name) is not None
                and (self.only_with is None or self.only_with in params)
                and not (self.keep_if is not None and params[self.drop] == self.keep_if))


_REASONING = r"(^|/)(o1|o3|o4|gpt-5)([-.:]|$)"
_NEW_CLAUDE = r"claude-(sonnet-4-5|sonnet-4\.5|opus-4-[1-9]|opus-4\.[1-9]|haiku-4-5|haiku-4\.5|(sonnet|opus|haiku)-[5-9])"
RULES: tuple[Rule, ...] = (
    Rule(_REASONING, "temperature", "OpenAI reasoning models accept only the default temperature (1)", keep_if=1),
    Rule(_REASONING, "top_p", "OpenAI reasoning models do not take top_p"),
    Rule(_NEW_CLAUDE, "top_p", "current Claude models refuse temperature and top_p together; temperature kept",
         only_with="temperature"),
)


@dataclass(frozen=True)
class Shaped:
    params: dict[str, Any]
    dropped: tuple[tuple[str, str], ...] = ()  # (parameter, why)


def shape(model: str, params: dict[str, Any], omit: Iterable[str] = (), learned: Iterable[str] = ()) -> Shaped:
    """The request for `model` (see the module contract)."""
    sent, dropped = dict(params), []

    def drop(name: str, why: str) -> None:
        if name in sent and name not in TRANSPORT:
            del sent[name]
            dropped.append((name, why))

    for name in omit:
        drop(name, "the role's config omits it")
    for name in learned:
        drop(name, "the model refused it earlier")
    supported = _supported(model)
    if supported is not None:
        for name in [n for n in sent if n not in supported and n not in TRANSPORT]:
            drop(name, "litellm: the provider does not support it")
    for rule in RULES:
        if rule.applies(model, sent):
            drop(rule.drop, rule.why)
    return Shaped(sent, tuple(dropped))


def _supported(model: str) -> set[str] | None:
    try:
        name, provider, _, _ = litellm.get_llm_provider(model)
        found = litellm.get_supported_openai_params(model=name, custom_llm_provider=provider)
    except Exception:  # a provider litellm does not know (e.g. a custom one): send as asked
        return None
    if not found:
        return None
    # max_tokens: litellm maps it to what the provider calls it (max_completion_tokens, num_predict, ...)
    return set(found) | {"max_tokens"}


_NAMES = ("temperature", "top_p", "top_k", "seed", "max_tokens", "max_completion_tokens", "stop",
          "frequency_penalty", "presence_penalty", "reasoning_effort", "repeat_penalty")


def refused_param(error: BaseException, params: dict[str, Any]) -> str | None:
    """The sent parameter a refusal names (see the module contract)."""
    text = str(error)
    listed = re.search(r"does not support parameters?:?\s*\[([^\]]*)\]", text)
    if listed:
        for name in re.findall(r"['\"]?([A-Za-z_]+)['\"]?", listed.group(1)):
            if name in params and name not in TRANSPORT:
                return name
    if re.search(r"cannot both be specified", text) and "top_p" in params:
        return "top_p"
    if not re.search(r"unsupported|not supported|does not support|not allowed|unrecognized|unknown|invalid|"
                     r"extra inputs", text, re.IGNORECASE):
        return None
    for name in sorted((n for n in params if n not in TRANSPORT), key=len, reverse=True):
        if name in _NAMES and re.search(rf"['\"`]?\b{re.escape(name)}\b['\"`]?", text):
            return name
    return None


def described(shaped: Shaped) -> str:
    """The request for the archive (see the module contract)."""
    sent = {k: v for k, v in shaped.params.items() if k not in SECRET and k != "messages"}
    return json.dumps({"sent": sent, "dropped": dict(shaped.dropped)}, sort_keys=True, default=str)
