"""`dspy-gepa`: dspy.GEPA reflecting on evaluator feedback to rewrite one skill's body.

The program is the same one-Predict program as dspy-copro (its instructions are the skill body; forward scores
the library through the engine). The metric returns `dspy.Prediction(score=..., feedback=...)`, the feedback being
the evaluator's text for that trial when the engine gives `evaluate_library` (else GEPA's "got a score of x"); the
reflection LM is the mutator. Each GEPA iteration: pick a candidate from the Pareto front, show the mutator its
feedback on a minibatch, score the rewrite on the same minibatch, keep it if strictly better.

Budget: trials are counted by the Scorer, not by GEPA. GEPA's `max_metric_calls` counts every metric call,
including the ones our cache answers for free (the parent's known failures, the selected candidate's re-run on
each minibatch), so `max_metric_calls = trial_budget` would leave about half the budget unspent. Instead a stopper
ends the run when the trials left cannot score a rewrite on one minibatch, or when the mutator has been called
often enough (unusable proposals cost no trials); `max_metric_calls` is only a loop bound. The valset is the
chosen train goals (the gate re-checks the child on its own minibatch); by default the minibatch is the whole
valset, so an accepted rewrite is already fully scored and an iteration costs exactly one trial per goal.

Declines when no rewrite beats the parent (paired, missing scores skipped; see dspy_support.Scorer.best).

Why through DSPy and not GEPA's own adapter API (`gepa.optimize(seed_candidate={"body": ...}, adapter=...)`,
gepa 0.1.4), measured 2026-12 (issue 17): the DSPy layer is 649 lines (dspy_program 205, dspy_lm 104, dspy_gepa
101, dspy_copro 83, dspy_support 80, dspy_quiet 76), and dspy-copro needs all of it but this module: COPRO exists
only as a DSPy teleprompter. A `GEPAAdapter` (evaluate a candidate's text on a batch of goals, build the reflective
dataset from the evaluator's feedback) would replace this module and GEPA's half of dspy_quiet, about 140 lines,
and would need the Scorer's budget stopper, the trial cache and the paired decline re-done and re-verified against
the same tests. Less than a quarter of the wrapping for a behaviour risk: kept. Revisit if dspy-copro is dropped,
when the adapter would replace the whole layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import dspy
from dspy.adapters.chat_adapter import ChatAdapter
from dspy.teleprompt.gepa.instruction_proposal import InstructionProposer

from ...models import ModelClient
from ...templates import render
from .base import OperatorInput, Proposal
from .dspy_support import (ClientEngine, Scorer, SkillProgram, check_inputs, internal_score, isolated, mutator_lm,
                           pick_goals, requests_by_goal, run, target_skill, trainset)

MAX_GOALS = 3


def _metric(gold, pred, trace=None, pred_name=None, pred_trace=None):
    """GEPA's feedback metric. Missing scores rank as the worst inside GEPA only (Scorer.best skips them)."""
    return dspy.Prediction(score=internal_score(pred), feedback=getattr(pred, "feedback", "") or None)


class _Stop:
    """gepa stopper: stop when a rewrite can no longer be scored on a full minibatch within the trial budget, or
    after `max_calls` mutator calls (checked between iterations: a failing iteration can add up to four — the
    ChatAdapter call, its JSON fallback, and gepa's per-task retry of both)."""

    def __init__(self, scorer: Scorer, minibatch: int, engine: ClientEngine, max_calls: int):
        self.scorer, self.minibatch, self.engine, self.max_calls = scorer, minibatch, engine, max_calls

    def __call__(self, state) -> bool:
        return self.scorer.remaining < self.minibatch or len(self.engine.records) >= self.max_calls


@dataclass
class DspyGepa:
    """dspy.GEPA over one skill body. `goals` and `minibatch` override the sizes fitted to the trial budget."""

    goals: int | None = None
    minibatch: int | None = None
    name: ClassVar[str] = "dspy-gepa"
    arity: ClassVar[int] = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        evaluate = check_inputs(given)
        skill = target_skill(given)
        budget = given.trial_budget
        goals = pick_goals(given, self.goals or min(len(given.train_goals), MAX_GOALS, max(1, budget // 2)))
        minibatch = min(self.minibatch or len(goals), len(goals))
        scorer = Scorer(given, skill, evaluate, goals)
        lm, engine = mutator_lm(client)
        program = SkillProgram(skill.body, scorer, requests_by_goal(given))
        others = given.parents[0].nbytes - skill.nbytes
        frame = skill.nbytes - len(skill.body.encode("utf-8"))  # frontmatter and separators
        max_chars = max(1, min(given.limits.max_skill_bytes, given.limits.max_library_bytes - others) - frame)
        proposer = InstructionProposer(
            additional_instructions=render("dspy_gepa_skill.md.j2", skill_name=skill.name,
                                           description=skill.description, max_chars=max_chars),
            max_chars=max_chars,
            adapter=ChatAdapter(),  # a Markdown body survives ChatAdapter's field markers better than JSON escaping
        )
        optimizer = dspy.GEPA(
            metric=_metric,
            max_metric_calls=10 * (budget + len(goals)),  # a loop bound only; the stopper spends the budget
            reflection_lm=lm,
            reflection_minibatch_size=minibatch,
            instruction_proposer=proposer,
            use_merge=False,  # merge recombines components; there is one
            num_threads=1,  # sequential: one trial callable, no straggler resubmission
            failure_score=0.0,
            perfect_score=1.0,
            warn_on_score_mismatch=False,
            seed=given.rng.randrange(2**31),
            gepa_kwargs={"stop_callbacks": [_Stop(scorer, minibatch, engine, max_calls=2 * budget + 2)]},
        )

        def optimize() -> None:
            examples = trainset(goals)
            with isolated(lm):
                optimizer.compile(program, trainset=examples, valset=examples)

        return run(optimize, scorer, engine, self.name, f"GEPA (minibatch {minibatch} of {len(goals)} goals)")
