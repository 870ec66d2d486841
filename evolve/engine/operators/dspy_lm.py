"""The mutator as a dspy.LM, and the exceptions that carry errors out of DSPy's loops (see dspy_support's contract).

The engine of the LM is the project's ModelClient (retries, circuit breaker, per-provider concurrency,
ProviderDown, one CallRecord per call), so DSPy's proposals cost what every other operator's do.
"""
from __future__ import annotations

from contextlib import contextmanager

import dspy
from dspy.lm15 import Message, Response, TextPart, UnsupportedFeatureError, Usage

from ...models import ModelClient

MUTATOR = "mutator"


class Unwind(BaseException):
    """Leaves DSPy's loops, which catch `Exception` (and would score or retry it). Never escapes `run`."""


class BudgetSpent(Unwind):
    """The next trial would exceed the operator's trial budget."""


class Truncated(Exception):
    """The mutator's reply was cut off at max_tokens: a skill body made from it would silently lose its end."""


class Escalate(Unwind):
    """An error (ProviderDown, a scorer failure, a bad model configuration) that must reach the engine as is."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


# ---------------------------------------------------------------------------------------------------------------
# The mutator LM: a dspy.LM whose engine is the project's ModelClient (retries, circuit breaker, per-provider
# concurrency, ProviderDown, one CallRecord per call), so DSPy's proposals cost what every other operator's do.


class ClientEngine:
    """A DSPy custom engine (`complete(Request) -> Response`) sending each call to `client` under one role.

    DSPy fans `n` candidates out into n calls itself, and owns neither retries (num_retries=0: the client retries)
    nor caching (cache=False). Sampling follows the role's settings, not DSPy's per-call temperature."""

    def __init__(self, client: ModelClient, role: str = MUTATOR):
        self.client, self.role = client, role
        self.records: list = []

    def complete(self, request) -> Response:
        messages = []
        if request.system is not None:
            system = request.system if isinstance(request.system, str) else "".join(
                getattr(part, "text", "") or "" for part in request.system)
            messages.append({"role": "system", "content": system})
        messages += [{"role": m.role, "content": m.text or ""} for m in request.messages]
        try:
            completion = self.client.complete(self.role, messages)
        except Exception as error:  # ProviderDown, ModelCallError: the engine's to handle, not DSPy's to wrap
            raise Escalate(error) from error
        record = completion.record
        self.records.append(record)
        if completion.finish_reason == "length":  # DSPy would only log it and parse what is there
            raise Truncated("the mutator's reply was cut off at max_tokens (raise the mutator's max_tokens)")
        usage = Usage(input_tokens=record.prompt_tokens, output_tokens=record.completion_tokens,
                      total_tokens=record.prompt_tokens + record.completion_tokens)
        return Response(id=None, model=record.resolved_model or request.model,
                        message=Message.assistant([TextPart(completion.text)]), finish_reason="stop", usage=usage)

    def stream(self, request):
        raise UnsupportedFeatureError("the evolve mutator engine does not stream")

    def close(self) -> None:
        pass


@contextmanager
def isolated(lm: dspy.LM):
    """DSPy settings for one optimizer run, as thread-local overrides (nothing global is configured): the mutator
    as the only LM, the ChatAdapter (a Markdown body survives its field markers better than JSON escaping), a
    trace of our own, and no LM history (DSPy would otherwise keep every prompt in a process-wide list of up to
    10,000; our CallRecords come from the engine)."""
    from dspy.adapters.chat_adapter import ChatAdapter

    with dspy.context(lm=lm, adapter=ChatAdapter(), trace=[], disable_history=True):
        yield


class _QuietLM(dspy.LM):
    """dspy.LM whose `inspect_history` prints nothing: COPRO calls it inside f-strings for debug logs, so it
    prints to stdout whatever the log level (with history disabled, a run of blank lines)."""

    def inspect_history(self, n: int = 1, file=None) -> None:
        pass


def mutator_lm(client: ModelClient) -> tuple[dspy.LM, ClientEngine]:
    """The mutator role's model as a dspy.LM, and the engine that collects its CallRecords."""
    engine = ClientEngine(client, MUTATOR)
    lm = _QuietLM(client.settings(MUTATOR).model, engine=engine, cache=False, num_retries=0)
    return lm, engine
