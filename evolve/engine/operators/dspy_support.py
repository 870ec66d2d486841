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

from collections.abc import Callable

from .base import OperatorDeclined, Proposal
from .dspy_lm import MUTATOR, BudgetSpent, ClientEngine, Escalate, Truncated, isolated, mutator_lm
from .dspy_program import (Scorer, SkillProgram, check_inputs, internal_score, parent_scores, pick_goals,
                           requests_by_goal, target_skill, trainset)
from .dspy_quiet import quiet

# What the DSPy operators import from here (run is defined below; the rest comes from the modules above).
__all__ = ["MUTATOR", "ClientEngine", "Scorer", "SkillProgram", "check_inputs", "internal_score", "isolated",
           "mutator_lm", "parent_scores", "pick_goals", "quiet", "requests_by_goal", "run", "target_skill",
           "trainset"]


def _unusable_output(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """True if `error` or what caused it (DSPy wraps engine errors in LMUnexpectedError) is an output problem."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (Truncated, *kinds)):
            return True
        current = current.__cause__ or current.__context__
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
