"""promote-example: a solved train trial's notebook becomes a complete example in the routed skill, with the
task's own values hoisted into named parameters so it still runs; no model call; declines cleanly."""
from __future__ import annotations

import random

import pytest

from evolve.config import LibraryLimits
from evolve.engine.examples import examples_of
from evolve.engine.operators.base import Failure, OperatorDeclined, OperatorInput
from evolve.engine.operators.promote_example import HEADING, PromoteExample, generalise
from evolve.library import Library
from evolve.skills import Skill

REQUEST = "Deliver a pulse to region rV1 at 500 ms with amplitude 0.02 and simulate 1000 ms of activity."
REPLY = ("Here is the notebook.\n```python\n# %%\nimport json\nonset = 500.0\nregion = 'rV1'\n"
         "weights = [0.02 if r == region else 0.0 for r in ('rV1', 'lV1')]\n# %%\n"
         "json.dump({'onset': onset, 'w': weights, 'n': 1000}, open('results.json', 'w'))\n```\n")
STIMULUS = Skill("stimulus", "Use when a request delivers a pulse stimulus to a region.", "Pulses are trains.",
                 {"role": "student", "keywords": "pulse, stimulus, region, onset"})
NOISE = Skill("noise", "Use when adding noise to the integrator.", "Additive noise.", {"role": "student"})
PARENT = Library.of([STIMULUS, NOISE])


def given(successes, parents=(PARENT,)):
    return OperatorInput(parents=tuple(parents), failures=(), limits=LibraryLimits(), rng=random.Random(0),
                         successes=tuple(successes))


def solved(reply=REPLY, injected=("noise", "stimulus")):
    return Failure("pulse-goal", REQUEST, 1.0, "Checks: 2 of 2 passed.", injected, reply)


def test_task_values_become_named_parameters_and_the_code_means_the_same():
    code = "onset = 500.0\nregion = 'rV1'\nlabels = ['rV1', 'lV1']\nn = 1000\nscale = 1.0\n"
    general, hoisted = generalise(code, REQUEST)
    assert hoisted == [("TASK_VALUE_1", "500.0"), ("TASK_VALUE_2", "'rV1'"), ("TASK_VALUE_3", "1000")]
    assert general.startswith("TASK_VALUE_1 = 500.0  # from the task: set yours\n")
    assert "labels = [TASK_VALUE_2, 'lV1']" in general and "scale = 1.0" in general
    before, after = {}, {}
    exec(code, before)  # noqa: S102 - our own literal test code
    exec(general, after)  # noqa: S102
    assert {k: before[k] for k in ("onset", "region", "labels", "n")} == \
        {k: after[k] for k in ("onset", "region", "labels", "n")}


def test_the_passing_notebook_goes_into_the_best_matching_routed_skill_as_a_complete_example():
    proposal = PromoteExample().propose(given([solved()]), client=None)
    diff = PARENT.diff(proposal.child)
    assert diff.changed == ("stimulus",) and not proposal.calls
    (example,) = examples_of(proposal.child, ["stimulus"])
    assert HEADING in proposal.child["stimulus"].body and "TASK_VALUE_1 = 500.0" in example.code
    namespace = {}
    code = example.code.replace("open('results.json', 'w')", "__import__('io').StringIO()")
    exec(code, namespace)  # noqa: S102 - it runs as the notebook did
    assert namespace["onset"] == 500.0 and namespace["weights"] == [0.02, 0.0]


def test_promoting_again_replaces_the_earlier_promoted_example():
    first = PromoteExample().propose(given([solved()]), client=None).child
    other = REPLY.replace("onset = 500.0", "onset = 500.0\nextra = 3")
    second = PromoteExample().propose(given([solved(other)], parents=(first,)), client=None).child
    assert second["stimulus"].body.count(HEADING) == 1 and "extra = 3" in second["stimulus"].body


@pytest.mark.parametrize("successes, reason", [
    ([], "no solved train trial"),
    ([solved("```python\ndef broken(:\n```")], "does not parse"),
    ([solved(injected=("missing",))], "no skill of the parent"),
    ([solved("```python\n" + "x = 1\n" * 1000 + "```")], "too long"),
])
def test_it_declines_without_a_usable_success(successes, reason):
    with pytest.raises(OperatorDeclined, match=reason):
        PromoteExample().propose(given(successes), client=None)


def test_it_is_in_the_default_toolbox():
    from evolve.engine.toolbox import default_toolbox
    assert "promote-example" in default_toolbox()
