"""What a DSPy operator optimises and how a candidate is scored (see dspy_support's contract): the target skill,
the goals, the budgeted trial `Scorer`, and `SkillProgram`, the one-Predict program whose instructions are the
skill body and whose forward runs trials instead of calling a language model.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import mean
from collections.abc import Callable, Sequence

import dspy

from ...library import Library
from ...skills import Skill
from ..gate import check_child
from .base import OperatorDeclined, OperatorInput
from .dspy_lm import BudgetSpent, Escalate


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
        for g, (score, feedback) in zip(wanted, results, strict=False):
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
            paired = [(g, s, p) for g, (s, _) in scored.items()
                      if s is not None and (p := parent.get(g, (None,))[0]) is not None]
            if not paired:
                continue
            goals = tuple(g for g, _, _ in paired)
            child, base = [s for _, s, _ in paired], [p for _, _, p in paired]
            gain = mean(c - p for c, p in zip(child, base, strict=False))
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
        # make_signature is what dspy.Signature(text, instructions) calls (through its metaclass), typed
        self.skill = dspy.Predict(dspy.make_signature("goal: str -> result: str", body))
        self.scorer, self.requests, self.together = scorer, dict(requests), tuple(together)

    def forward(self, goal: str):
        signature = self.skill.signature
        # Always a Signature class (set in __init__, replaced only by another); DSPy makes them through a metaclass
        # call a type checker reads as an instance
        assert isinstance(signature, type), f"a Predict's signature is a class, not {signature!r}"
        score, feedback = self.scorer.score(signature.instructions, goal, self.together)
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
