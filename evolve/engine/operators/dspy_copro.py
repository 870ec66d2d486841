"""`dspy-copro`: DSPy's COPRO optimising one skill's body as the instruction of a one-Predict program.

Why COPRO and not MIPROv2 (instruction-only): with zero demos MIPROv2 still spends LM calls on a dataset summary
and program description, and its Bayesian search needs many minibatch trials before it ranks anything; our
default budget is a handful of trials (`run.operator_trial_budget` = 4). COPRO's cost is exact and small:
round 1 asks the mutator for `breadth - 1` rewrites of the body (one DSPy call, fanned out into that many model
calls) and scores each on the chosen goals; every further round (depth) shows the mutator the attempts with their
scores and asks for `breadth` more.

Contract (beyond base.Operator): the skill is the one of parents[0] injected in most failed trials; candidates are
scored through `given.evaluate_library` / `score_library` on at most a few train goals (failed ones first, where
the parent's score is already known), never beyond `given.trial_budget` trials; the child is the candidate with
the best paired gain over the parent (see dspy_support.Scorer.best), which is COPRO's own pick whenever no score
is missing. Declines when no candidate beats the parent or the mutator's output cannot be parsed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import dspy
from dspy.utils.exceptions import AdapterParseError

from ...models import ModelClient
from .base import OperatorDeclined, OperatorInput, Proposal
from .dspy_support import (MUTATOR, Scorer, SkillProgram, check_inputs, internal_score, isolated, mutator_lm,
                           parent_scores, pick_goals, requests_by_goal, run, target_skill, trainset)

MAX_GOALS = 3  # more goals make each comparison less noisy, but every candidate pays for each one
MAX_NEW = 3  # rewrites per round
MAX_DEPTH = 3


def _metric(example, prediction, trace=None) -> float:
    return internal_score(prediction)  # missing → worst, inside COPRO only


@dataclass
class DspyCopro:
    """COPRO over one skill body. `breadth`, `depth`, `goals` override the plan fitted to the trial budget."""

    breadth: int | None = None
    depth: int | None = None
    goals: int | None = None
    name: ClassVar[str] = "dspy-copro"
    arity: ClassVar[int] = 1

    def plan(self, given: OperatorInput) -> tuple[list[str], int, int]:
        """(goals, breadth, depth) whose trials fit the budget: parent scores known from failures cost nothing,
        each new candidate costs one trial per goal."""
        budget = given.trial_budget
        count = self.goals or min(len(given.train_goals), MAX_GOALS, max(1, budget // 2))
        goals = pick_goals(given, count)
        known = parent_scores(given)
        spare = budget - sum(g not in known for g in goals)  # the parent is scored first where unknown
        new = min(MAX_NEW, spare // max(1, len(goals)))
        if self.breadth is None and new < 1:
            raise OperatorDeclined(f"dspy-copro: a trial budget of {budget} cannot score one candidate "
                                   f"on {len(goals)} goal(s)")
        breadth = self.breadth or new + 1
        if self.depth is not None:
            return goals, breadth, self.depth
        rounds = (spare - (breadth - 1) * len(goals)) // (breadth * len(goals))
        return goals, breadth, 1 + max(0, min(MAX_DEPTH - 1, rounds))

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        evaluate = check_inputs(given)
        skill = target_skill(given)
        goals, breadth, depth = self.plan(given)
        scorer = Scorer(given, skill, evaluate, goals)
        lm, engine = mutator_lm(client)
        # `together=goals`: a new body is scored on all goals in one call, so the engine can run them in parallel.
        program = SkillProgram(skill.body, scorer, requests_by_goal(given), together=goals)
        optimizer = dspy.COPRO(prompt_model=lm, metric=_metric, breadth=breadth, depth=depth,
                               init_temperature=client.settings(MUTATOR).temperature)

        def optimize() -> None:
            with isolated(lm):
                optimizer.compile(program, trainset=trainset(goals),
                                  eval_kwargs={"num_threads": 1, "display_progress": False})

        return run(optimize, scorer, engine, self.name, f"COPRO (breadth {breadth}, depth {depth})",
                   bad_output=(AdapterParseError,))
