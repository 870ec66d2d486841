"""What the DSPy operators (`dspy-copro`, `dspy-gepa`) share: the program DSPy optimises, the trial scorer, the
mutator LM, and the way errors and budget exhaustion get out of DSPy's loops.

The genome DSPy sees is one skill's body, as the instructions of a single `dspy.Predict`. The program's forward
never calls a language model: it builds the candidate library (parents[0] with that body) and asks the engine's
`score_library` / `evaluate_library` for the trial score. Contracts kept here:

- Trials: a `(body, goal)` pair is scored at most once per proposal (cached); the parent's scores already known
  from its train failures are seeded and cost nothing. Never more than `trial_budget` trials: the call that
  would exceed it raises `BudgetSpent`, and the operator returns the best candidate found so far.
- Missing scores (None) are never turned into numbers outside the optimizer: inside DSPy's comparison they count
  as the worst score (0.0), but the operator's own choice (`Scorer.best`) compares candidates with the parent
  only on goals where both have a real score.
- A candidate the engine's gate would reject anyway (invalid, over the byte limits, unsafe, copying a train
  goal's words) is never sent to a trial.
- `ProviderDown` (or any error) from the scorer or the mutator is carried out of DSPy unchanged, not turned into a
  failure score or a retry: DSPy's evaluation loops and GEPA's iteration loop catch `Exception`, so it travels
  as a `BaseException` (`Escalate`) and is re-raised by `run`.
- Global DSPy state is not touched: the mutator LM is passed explicitly or through `dspy.context`, evaluation is
  sequential (threads would let DSPy resubmit a slow trial as a "straggler" and pay for it twice), the LM cache
  is off (a cached proposal would make runs depend on earlier runs).
"""
from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import mean
from typing import Callable, Sequence

import dspy
from dspy.lm15 import Message, Response, TextPart, UnsupportedFeatureError, Usage

from ...library import Library
from ...models import ModelClient
from ...skills import Skill
from ..gate import check_child
from .base import OperatorDeclined, OperatorInput, Proposal

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
        if _finish_reason(completion) == "length":  # DSPy would only log it and parse what is there
            raise Truncated("the mutator's reply was cut off at max_tokens (raise the mutator's max_tokens)")
        usage = Usage(input_tokens=record.prompt_tokens, output_tokens=record.completion_tokens,
                      total_tokens=record.prompt_tokens + record.completion_tokens)
        return Response(id=None, model=record.resolved_model or request.model,
                        message=Message.assistant([TextPart(completion.text)]), finish_reason="stop", usage=usage)

    def stream(self, request):
        raise UnsupportedFeatureError("the evolve mutator engine does not stream")

    def close(self) -> None:
        pass


def _finish_reason(completion) -> str | None:
    try:
        return completion.raw.choices[0].finish_reason
    except (AttributeError, IndexError, TypeError):
        return None


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


# ---------------------------------------------------------------------------------------------------------------
# What to optimise, on which goals.


def target_skill(given: OperatorInput) -> Skill:
    """The skill of parents[0] injected in the most failed trials (ties broken by `given.rng`)."""
    library = given.parents[0]
    blamed = Counter(name for failure in given.failures for name in set(failure.injected) if name in library)
    if blamed:
        most = max(blamed.values())
        return library[given.rng.choice(sorted(name for name, n in blamed.items() if n == most))]
    if len(library) == 1:  # nothing to choose between
        return next(iter(library))
    raise OperatorDeclined("no failure names an injected skill of the parent; nothing to aim the optimizer at")


def parent_scores(given: OperatorInput) -> dict[str, tuple[float, str]]:
    """goal → (mean score, feedback) of parents[0] from its train failures, real scores only (None is missing)."""
    found: dict[str, list] = defaultdict(list)
    for failure in given.failures:
        if failure.score is not None and failure.goal in given.train_goals:
            found[failure.goal].append(failure)
    return {goal: (mean(f.score for f in fs), fs[0].feedback) for goal, fs in found.items()}


def pick_goals(given: OperatorInput, count: int) -> list[str]:
    """`count` train goals: failed ones first (worst first, as given; their parent score is known), then the rest."""
    ordered = [f.goal for f in given.failures if f.goal in given.train_goals] + list(given.train_goals)
    return list(dict.fromkeys(ordered))[:max(0, count)]


def requests_by_goal(given: OperatorInput) -> dict[str, str]:
    return {f.goal: f.request for f in given.failures if f.request}


def check_inputs(given: OperatorInput) -> Callable:
    """The trial callable as `(library, goals) -> [(score, feedback)]`; declines when there is nothing to spend."""
    if not given.parents:
        raise OperatorDeclined("no parent library")
    if given.trial_budget <= 0:
        raise OperatorDeclined("no trial budget: a DSPy optimizer needs trials to compare candidates")
    if not given.train_goals:
        raise OperatorDeclined("no train goals to score candidates on")
    if given.evaluate_library is not None:
        return given.evaluate_library
    if given.score_library is not None:
        score = given.score_library
        return lambda library, goals: [(s, "") for s in score(library, goals)]
    raise OperatorDeclined("no score_library: the DSPy operators must be given a way to run trials")


# ---------------------------------------------------------------------------------------------------------------
# Trials.


@dataclass(frozen=True)
class Best:
    body: str
    gain: float  # mean paired (candidate − parent) score over `goals`
    goals: tuple[str, ...]
    parent_mean: float
    child_mean: float


class Scorer:
    """Scores skill bodies on goals through the engine, once per (body, goal), within the trial budget.

    Shared by every copy DSPy makes of the program (`__deepcopy__` returns self): one cache, one budget."""

    def __init__(self, given: OperatorInput, skill: Skill, evaluate: Callable, goals: Sequence[str]):
        self.parent, self.skill, self.limits = given.parents[0], skill, given.limits
        self.evaluate_fn, self.goals, self.budget = evaluate, tuple(goals), given.trial_budget
        self.trials = 0
        self.records: dict[str, dict[str, tuple[float | None, str]]] = {}
        self.rejected: dict[str, str] = {}  # body → why it was not sent to a trial
        self.records[skill.body] = {g: known for g, known in parent_scores(given).items() if g in self.goals}
        self.requests = requests_by_goal(given)  # a candidate must not copy these (the gate's leak check)

    def __deepcopy__(self, memo):
        return self

    @property
    def remaining(self) -> int:
        return self.budget - self.trials

    def key(self, instructions: str) -> str:
        """The body as the skill will store it (normalised), so equal texts share one cache entry."""
        return self.skill.with_body(instructions.strip()).body if instructions.strip() else ""

    def candidate(self, body: str) -> Library | None:
        """parents[0] with the body replaced, or None (and the reason kept) if the engine's gate would reject that
        child anyway (gate.check_child: spec, byte limits, unsafe code, and here the train goals' words)."""
        if body == self.skill.body:
            return self.parent
        if body in self.rejected:
            return None
        if not body:
            self.rejected[body] = "the proposed skill body is empty"
            return None
        library = self.parent.with_skill(self.skill.with_body(body))
        problems = check_child(library, self.parent, self.requests, self.limits)
        if problems:
            self.rejected[body] = "; ".join(p.message for p in problems[:3])
            return None
        return library

    def score(self, instructions: str, goal: str, together: Sequence[str] = ()) -> tuple[float | None, str]:
        """(score, feedback) of the body on `goal`. On a cache miss, the still-unscored goals of `together` are
        scored in the same call (the engine can run them in parallel), as far as the budget allows."""
        body = self.key(instructions)
        if goal in self.records.get(body, {}):
            return self.records[body][goal]
        library = self.candidate(body)
        if library is None:  # never trialled; the reason is the feedback
            return None, self.rejected[body]
        if self.remaining <= 0:
            raise BudgetSpent()
        scored = self.records.setdefault(body, {})
        wanted = [goal] + [g for g in dict.fromkeys(together) if g != goal and g not in scored]
        wanted = wanted[:self.remaining]
        try:
            results = list(self.evaluate_fn(library, wanted))
        except Exception as error:  # ProviderDown included: an outage is not a score
            raise Escalate(error) from error
        if len(results) != len(wanted):
            raise Escalate(RuntimeError(f"the trial callable returned {len(results)} results for {len(wanted)} goals"))
        self.trials += len(wanted)
        for g, (score, feedback) in zip(wanted, results):
            scored[g] = (None if score is None else float(score), feedback or "")
        return scored[goal]

    def best(self) -> Best | None:
        """The candidate with the highest mean paired gain over the parent (> 0), on goals where both have a real
        score. Missing scores are skipped, never counted as zero."""
        parent = self.records.get(self.skill.body, {})
        found = None
        for body, scored in self.records.items():
            if body == self.skill.body or body in self.rejected:
                continue
            goals = tuple(g for g, (s, _) in scored.items() if s is not None and parent.get(g, (None,))[0] is not None)
            if not goals:
                continue
            child, base = [scored[g][0] for g in goals], [parent[g][0] for g in goals]
            gain = mean(c - p for c, p in zip(child, base))
            if gain > 0 and (found is None or gain > found.gain):
                found = Best(body, gain, goals, mean(base), mean(child))
        return found


# ---------------------------------------------------------------------------------------------------------------
# The program DSPy optimises.


class SkillProgram(dspy.Module):
    """One Predict (`goal -> result`) whose signature instructions are the skill body.

    forward(goal) scores the current instructions as a library through the Scorer; it never calls an LM. It puts
    its own entry in DSPy's trace (when one is being captured), so GEPA can build its reflective dataset from it:
    inputs = the goal's request (or slug), output = the score, feedback from the metric."""

    def __init__(self, body: str, scorer: Scorer, requests: dict[str, str], together: Sequence[str] = ()):
        super().__init__()
        self.skill = dspy.Predict(dspy.Signature("goal: str -> result: str", body))
        self.scorer, self.requests, self.together = scorer, dict(requests), tuple(together)

    def forward(self, goal: str):
        score, feedback = self.scorer.score(self.skill.signature.instructions, goal, self.together)
        result = "missing" if score is None else f"{score:.2f}"
        trace = dspy.settings.trace
        if trace is not None and dspy.settings.max_trace_size > 0:  # as dspy.Predict records itself
            if len(trace) >= dspy.settings.max_trace_size:
                trace.pop(0)
            trace.append((self.skill, {"goal": self.requests.get(goal, goal)}, dspy.Prediction(result=result)))
        return dspy.Prediction(result=result, score=score, feedback=feedback)


def trainset(goals: Sequence[str]) -> list:
    return [dspy.Example(goal=g).with_inputs("goal") for g in goals]


def internal_score(prediction) -> float:
    """The optimizer's view of a score: a missing one (None) ranks as the worst, 0.0. Used only inside DSPy's own
    comparisons; the operator's choice (Scorer.best) skips missing scores instead."""
    score = getattr(prediction, "score", None)
    return 0.0 if score is None else float(score)


# ---------------------------------------------------------------------------------------------------------------
# Running an optimizer and turning its outcome into a Proposal.


_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: dict = {}


def _silent_bar_class():
    import tqdm

    class SilentBar(tqdm.tqdm):
        """tqdm with the bar disabled: dspy.GEPA passes display_progress_bar=True to gepa, and GEPA's
        bootstrap_trace_data display_progress=True to Evaluate, with no way to turn either off."""

        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return SilentBar


_SilentBar = _silent_bar_class()


class _TqdmModule:
    """The `tqdm` module as dspy.utils.parallelizer uses it (`tqdm.tqdm(...)`), with bars disabled."""

    def __init__(self, module):
        self._module = module
        self.tqdm = _SilentBar

    def __getattr__(self, name):
        return getattr(self._module, name)


@contextmanager
def quiet():
    """DSPy's and GEPA's loggers at ERROR and their progress bars off for the duration; restored after (counted,
    so overlapping operators restore only when the last one ends)."""
    global _quiet_depth
    import tqdm
    import dspy.utils.parallelizer as parallelizer

    try:
        import gepa.core.engine as gepa_engine
    except ImportError:  # gepa is an optional dependency of dspy
        gepa_engine = None
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved["levels"] = {name: logging.getLogger(name).level for name in ("dspy", "gepa")}
            for name in _quiet_saved["levels"]:
                logging.getLogger(name).setLevel(logging.ERROR)
            _quiet_saved["parallelizer"] = parallelizer.tqdm
            parallelizer.tqdm = _TqdmModule(tqdm)
            if gepa_engine is not None and getattr(gepa_engine, "tqdm", None) is not None:
                _quiet_saved["gepa"] = gepa_engine.tqdm
                gepa_engine.tqdm = _SilentBar
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                for name, level in _quiet_saved.pop("levels").items():
                    logging.getLogger(name).setLevel(level)
                parallelizer.tqdm = _quiet_saved.pop("parallelizer")
                if "gepa" in _quiet_saved:
                    gepa_engine.tqdm = _quiet_saved.pop("gepa")


def _unusable_output(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """True if `error` or what caused it (DSPy wraps engine errors in LMUnexpectedError) is an output problem."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (Truncated, *kinds)):
            return True
        error = error.__cause__ or error.__context__
    return False


def run(optimize: Callable[[], None], scorer: Scorer, engine: ClientEngine, operator: str, method: str,
        bad_output: tuple[type[BaseException], ...] = ()) -> Proposal:
    """Run `optimize()` (which drives the optimizer over `scorer`), then propose the best candidate it scored.

    Budget exhaustion ends the search early and keeps what was found; an escalated error is re-raised as is; an
    exception of a `bad_output` type, or caused by a truncated reply, (unusable model output) ends the search
    too: it declines unless a better candidate was already scored. No improvement over the parent declines."""
    stopped = ""
    try:
        with quiet():
            optimize()
    except BudgetSpent:
        stopped = " (stopped at the trial budget)"
    except Escalate as escalated:
        raise escalated.error from None
    except Exception as error:
        if not _unusable_output(error, bad_output):
            raise
        if scorer.best() is None:
            raise OperatorDeclined(f"{operator}: the mutator's output could not be used ({error})",
                                   calls=engine.records) from error
        stopped = " (stopped: the mutator's output could not be used)"
    best = scorer.best()
    if best is None:
        tried = len(scorer.records) - 1 + len(scorer.rejected)
        raise OperatorDeclined(f"{operator}: no candidate for skill '{scorer.skill.name}' beat the parent "
                               f"({tried} tried, {scorer.trials} trials){stopped}", calls=engine.records)
    child = scorer.parent.with_skill(scorer.skill.with_body(best.body))
    note = (f"{method} rewrote skill '{scorer.skill.name}': mean train score {best.parent_mean:.2f} → "
            f"{best.child_mean:.2f} on {len(best.goals)} goal(s) ({scorer.trials} trials){stopped}.")
    return Proposal(child=child, note=note, calls=list(engine.records), trials_used=scorer.trials)
