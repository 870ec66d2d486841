"""dspy-copro and dspy-gepa on a fixture library: a rule-driven mutator (no network) and fake trials whose score
rises when the skill body contains a marker word."""
import logging
import random

import dspy
import litellm
import pytest
from dspy.clients.base_lm import GLOBAL_HISTORY

from evolve.config import CallPolicy, LibraryLimits, RoleSettings
from evolve.engine.operators.base import Failure, OperatorDeclined, OperatorInput
from evolve.engine.operators.dspy_copro import DspyCopro
from evolve.engine.operators.dspy_gepa import DspyGepa
from evolve.library import Library
from evolve.models import ModelClient, ProviderDown
from evolve.skills import Skill
from helpers.scripted_llm import install_rule

ALPHA = Skill("alpha", "How to set up alpha simulations.", "# Alpha\n\nCall `alpha.run()` after configuring it.",
              {"role": "student"})
BETA = Skill("beta", "How to plot beta results.", "# Beta\n\nPlot with `beta.plot()`.", {"role": "student"})
PARENT = Library.of([ALPHA, BETA])
FAILURES = (
    Failure("g1", "Simulate the first system and report its rate.", 0.2, "FEEDBACK-g1: the rate check failed",
            ("alpha", "beta")),
    Failure("g2", "Simulate the second system for ten seconds.", 0.3, "FEEDBACK-g2: results.json missing",
            ("alpha",)),
)
IMPROVED = "# Alpha\n\nCall `alpha.configure()` first, then `alpha.run()`. MARKER: always check the rate."
PLAIN = "# Alpha\n\nRun alpha carefully and report results."


class Trials:
    """Fake trial runner: 0.9 when alpha's body has MARKER, else 0.2 (or per-goal overrides); records every call."""

    def __init__(self, good=0.9, bad=0.2, overrides=None, error=None):
        self.good, self.bad, self.overrides, self.error = good, bad, overrides or {}, error
        self.calls: list[list[str]] = []

    @property
    def trials(self) -> int:
        return sum(len(goals) for goals in self.calls)

    def score(self, library, goals):
        if self.error:
            raise self.error
        self.calls.append(list(goals))
        marked = "MARKER" in library["alpha"].body
        return [self.overrides.get((marked, g), self.good if marked else self.bad) for g in goals]

    def evaluate(self, library, goals):
        return [(s, f"FEEDBACK-{g}: score {s}") for g, s in zip(goals, self.score(library, goals), strict=False)]


def chat(fields: dict) -> str:
    """A reply in DSPy's ChatAdapter format."""
    return "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in fields.items()) + "\n\n[[ ## completed ## ]]"


def proposer(bodies):
    """A mutator rule answering COPRO's and GEPA's prompts with the next body of `bodies` (the last one repeats)."""
    queue = list(bodies)

    def rule(messages):
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, Exception):
            return body
        if "new_instruction" in messages[0]["content"]:
            return chat({"new_instruction": body})
        return chat({"proposed_instruction": body, "proposed_prefix_for_output_field": "Result:"})

    return rule


def client_for(provider: str, rule):
    handler = install_rule(provider, rule)
    client = ModelClient({"mutator": RoleSettings(f"{provider}/m")}, CallPolicy(backoff_s=0, max_outage_s=0),
                         sleep=lambda s: None)
    return client, handler


def given(trials: Trials, budget: int, feedback=False, failures=FAILURES, goals=("g1", "g2", "g3")):
    return OperatorInput(parents=(PARENT,), failures=failures, limits=LibraryLimits(), rng=random.Random(1),
                         train_goals=goals, score_library=trials.score,
                         evaluate_library=trials.evaluate if feedback else None, trial_budget=budget)


def test_copro_rewrites_the_most_blamed_skill_within_budget(capsys):
    trials = Trials()
    client, handler = client_for("ruleco1", proposer([IMPROVED, PLAIN]))
    history, level = len(GLOBAL_HISTORY), logging.getLogger("dspy").level
    proposal = DspyCopro().propose(given(trials, budget=4), client)
    # Quiet, and nothing left behind in DSPy's global state.
    assert capsys.readouterr() == ("", "")
    assert dspy.settings.lm is None and len(GLOBAL_HISTORY) == history and logging.getLogger("dspy").level == level
    assert "MARKER" in proposal.child["alpha"].body and proposal.child["beta"] == BETA
    # Parent scores on g1, g2 come from its failures: only the two rewrites cost trials, scored together.
    assert proposal.trials_used == trials.trials <= 4 and trials.calls == [["g1", "g2"], ["g1", "g2"]]
    assert len(proposal.calls) == len(handler.calls) == 2 and all(c.role == "mutator" for c in proposal.calls)
    assert all(c.prompt_tokens > 0 and c.completion_tokens > 0 for c in proposal.calls)
    assert "alpha" in proposal.note and "0.25 → 0.90" in proposal.note


def test_copro_declines_when_nothing_beats_the_parent():
    trials = Trials(bad=0.25)  # unmarked rewrites score 0.25: no better than the parent's mean on g1, g2
    client, _ = client_for("ruleco2", proposer([PLAIN, "# Alpha\n\nAnother unmarked version."]))
    with pytest.raises(OperatorDeclined) as declined:
        DspyCopro().propose(given(trials, budget=4), client)
    assert "beat the parent" in str(declined.value) and trials.trials <= 4
    assert len(declined.value.calls) == 2  # the mutator's cost is still counted


def test_copro_budget_exhaustion_returns_the_best_so_far():
    trials = Trials()
    client, _ = client_for("ruleco3", proposer([IMPROVED, PLAIN, "# Alpha\n\nA third version."]))
    # Three rewrites on two goals need six trials; the budget allows three.
    proposal = DspyCopro(breadth=4, depth=1, goals=2).propose(given(trials, budget=3), client)
    assert "MARKER" in proposal.child["alpha"].body and "trial budget" in proposal.note
    assert proposal.trials_used == trials.trials == 3


def test_copro_missing_scores_are_not_zeros():
    # The parent's g1 score is missing; the rewrite scores 0.2 there and 0.25 on g2 (parent 0.3): taken as
    # zeros, the parent's missing score would make the rewrite look better. Paired on real scores, it is worse.
    failures = (Failure("g1", "Simulate the first system.", None, "judge failed", ("alpha",)),
                Failure("g2", "Simulate the second system.", 0.3, "FEEDBACK-g2", ("alpha",)))
    trials = Trials(overrides={(True, "g1"): 0.2, (True, "g2"): 0.25})
    client, _ = client_for("ruleco4", proposer([IMPROVED]))
    with pytest.raises(OperatorDeclined):
        DspyCopro(goals=2).propose(given(trials, budget=4, failures=failures), client)
    assert trials.trials <= 4


def test_copro_rejects_rewrites_the_gate_would_reject_without_spending_trials():
    trials = Trials()
    huge = "MARKER " + "x" * 20_000  # over the 16 KiB skill limit
    leak = "MARKER. Simulate the first system and report its rate."  # a train goal's request, copied
    client, _ = client_for("ruleco5", proposer([huge, leak]))
    with pytest.raises(OperatorDeclined) as declined:
        DspyCopro(goals=2).propose(given(trials, budget=4), client)
    assert trials.trials == 0 and "2 tried, 0 trials" in str(declined.value)


def test_copro_provider_down_propagates():
    down = litellm.ServiceUnavailableError("down", llm_provider="ruleco6", model="m")
    client, _ = client_for("ruleco6", proposer([down]))
    with pytest.raises(ProviderDown):
        DspyCopro().propose(given(Trials(), budget=4), client)
    # An outage of the student (inside a trial) is not a score either.
    client, _ = client_for("ruleco7", proposer([IMPROVED]))
    with pytest.raises(ProviderDown):
        DspyCopro().propose(given(Trials(error=ProviderDown("student down")), budget=4), client)


def test_copro_declines_without_trials_to_spend():
    client, handler = client_for("ruleco8", proposer([IMPROVED]))
    with pytest.raises(OperatorDeclined):
        DspyCopro().propose(given(Trials(), budget=0), client)
    assert handler.calls == []


def test_gepa_reflects_on_feedback_and_improves(capsys):
    trials = Trials()
    client, handler = client_for("rulegepa1", proposer([IMPROVED]))
    proposal = DspyGepa().propose(given(trials, budget=4, feedback=True), client)
    assert capsys.readouterr() == ("", "") and dspy.settings.lm is None  # no progress bars, no global LM
    assert "MARKER" in proposal.child["alpha"].body and proposal.child["beta"] == BETA
    assert proposal.trials_used == trials.trials <= 4
    # The reflection prompt showed the evaluator's feedback and a goal's request, not just a number.
    shown = "\n".join(m["content"] for m in handler.calls[0])
    assert "FEEDBACK-g1" in shown and "Simulate the first system" in shown and "alpha" in shown
    assert proposal.calls and all(c.role == "mutator" for c in proposal.calls)


def test_gepa_declines_when_nothing_improves():
    trials = Trials()
    client, _ = client_for("rulegepa2", proposer([PLAIN]))
    with pytest.raises(OperatorDeclined) as declined:
        DspyGepa().propose(given(trials, budget=4, feedback=True), client)
    assert trials.trials <= 4 and declined.value.calls


def test_gepa_budget_exhaustion_returns_the_best_so_far():
    trials = Trials()
    client, _ = client_for("rulegepa3", proposer([IMPROVED]))
    # Three goals (g3's parent score unknown: one trial), minibatch 1: the rewrite wins its minibatch (one trial)
    # and its full evaluation is cut at the budget of three.
    proposal = DspyGepa(goals=3, minibatch=1).propose(given(trials, budget=3, feedback=True), client)
    assert "MARKER" in proposal.child["alpha"].body and "trial budget" in proposal.note
    assert proposal.trials_used == trials.trials == 3


def test_gepa_works_from_scores_alone_and_propagates_provider_down():
    trials = Trials()
    client, _ = client_for("rulegepa4", proposer([IMPROVED]))
    assert "MARKER" in DspyGepa().propose(given(trials, budget=4), client).child["alpha"].body
    down = litellm.ServiceUnavailableError("down", llm_provider="rulegepa5", model="m")
    client, _ = client_for("rulegepa5", proposer([down]))
    with pytest.raises(ProviderDown):
        DspyGepa().propose(given(Trials(), budget=4), client)


def test_unusable_mutator_output_declines_with_its_cost():
    prose = lambda messages: "Sorry, I would rather talk about something else."  # noqa: E731
    client, handler = client_for("ruleco9", prose)
    trials = Trials()
    with pytest.raises(OperatorDeclined) as declined:
        DspyCopro().propose(given(trials, budget=4), client)
    assert "could not be used" in str(declined.value) and len(declined.value.calls) == len(handler.calls) >= 1
    assert trials.trials == 0
    client, handler = client_for("rulegepa6", prose)
    with pytest.raises(OperatorDeclined) as declined:
        DspyGepa().propose(given(trials, budget=4, feedback=True), client)
    # The stopper (2 × budget + 2 mutator calls) is checked between iterations; a failing one makes up to four
    # (ChatAdapter, its JSON fallback, and gepa's per-task retry of both).
    assert trials.trials == 0 and 1 <= len(declined.value.calls) <= 2 * 4 + 2 + 3


def test_a_truncated_rewrite_is_never_a_candidate():
    cut = lambda messages: (chat({"proposed_instruction": "MARKER " + IMPROVED,  # noqa: E731
                                  "proposed_prefix_for_output_field": "Result:"}), "length")
    client, _ = client_for("ruleco10", cut)
    trials = Trials()
    with pytest.raises(OperatorDeclined) as declined:
        DspyCopro().propose(given(trials, budget=4), client)
    assert "max_tokens" in str(declined.value) and trials.trials == 0
