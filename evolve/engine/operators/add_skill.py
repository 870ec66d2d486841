"""add-skill: one new skill for a cluster of train failures that share an error or feedback pattern.

Contract (arity 1): failures are grouped by `common.signature(feedback)` — the last exception named in the
feedback with its message normalised (numbers and quoted values blanked, first words only), else the first line
saying something failed, else the first line, normalised the same way. The largest group wins (ties by `rng`). The mutator sees up to three of its failures and
the names and descriptions of the existing skills, and writes one new SKILL.md. The new skill must have a name
not already in the library (a rewrite of an existing skill is reflective-rewrite's job); it gets
`role: student`. Declines with no failures, on unusable output, a taken name, or a child over the limits.
"""
from __future__ import annotations

from collections import defaultdict

from ...models import ModelClient
from .base import Failure, OperatorDeclined, OperatorInput, Proposal
from .common import ask, charged, decline_bad_child, head, pick_max, show, signature
from .parsing import skill_from_reply


def clusters(failures: tuple[Failure, ...]) -> dict[str, list[Failure]]:
    grouped: dict[str, list[Failure]] = defaultdict(list)
    for failure in failures:
        grouped[signature(failure.feedback)].append(failure)
    return dict(grouped)


class AddSkill:
    name = "add-skill"
    arity = 1
    template = "op_add_skill.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if not given.failures:
            raise OperatorDeclined("no train failures to learn from")
        groups = clusters(given.failures)
        pattern = pick_max({k: len(v) for k, v in groups.items()}, given.rng)
        cluster = groups[pattern]
        existing = [{"name": s.name, "description": head(s.description, 160)} for s in parent]
        completion = ask(client, self.template, failures=show(cluster), existing=existing)
        with charged([completion.record]):
            new = skill_from_reply(completion.text, self.name, given.limits, inherit={"role": "student"})
            if new.name in parent:
                raise OperatorDeclined(f"the mutator's new skill reuses the existing name '{new.name}'")
            child = parent.with_skill(new)
            decline_bad_child(parent, child, given.limits, [f.request for f in given.failures])
        note = (f"added {new.name} ({new.nbytes} bytes) for {len(cluster)} train failure(s) sharing "
                f"'{pattern}'.")
        return Proposal(child, note, calls=[completion.record])
