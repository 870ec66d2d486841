"""reflective-rewrite: rewrite the parent's skill most implicated in its train failures, from those failures.

Contract (arity 1): the target is the skill of parents[0] injected into the most failures (always-load skills,
injected everywhere, only when no other skill was injected into any failure); ties go to the skill
whose name, description and keywords share the most words with the failures' requests and feedback (a skill
that was never injected can still be the one that should have helped), then to `rng`. The mutator sees the
skill's SKILL.md and up to three failures that involved it (request, feedback and the student's code, trimmed)
and returns the complete rewritten SKILL.md. The name and `role`/`always-load` metadata are kept. Declines with
no failures, on unusable output, an unchanged skill, or a child over the byte limits; ProviderDown propagates.
"""
from __future__ import annotations

from ...models import ModelClient
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import ask, blame, charged, decline_bad_child, jaccard, pick_max, show, signature, spare_always_load, words
from .parsing import skill_from_reply


class ReflectiveRewrite:
    name = "reflective-rewrite"
    arity = 1
    template = "op_reflective_rewrite.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if not given.failures:
            raise OperatorDeclined("no train failures to learn from")
        if not len(parent):
            raise OperatorDeclined("the parent library has no skill to rewrite")
        target = self.target(given)
        skill = parent[target]
        # Show the failures this skill was part of first: they are the evidence against its current text.
        involved = [f for f in given.failures if target in f.injected]
        others = [f for f in given.failures if target not in f.injected]
        shown = show(involved + others)
        completion = ask(client, self.template, skill_text=skill.text, skill_name=skill.name, failures=shown,
                          bundled=list(skill.files))
        with charged([completion.record]):
            new = skill_from_reply(completion.text, self.name, given.limits, original=skill, keep_name=True)
            if new.sha256 == skill.sha256:
                raise OperatorDeclined(f"the mutator returned {target} unchanged")
            child = parent.with_skill(new)
            decline_bad_child(parent, child, given.limits, [f.request for f in given.failures])
        what = (f"{len(involved)} train failure(s) it was injected into" if involved
                else f"{len(given.failures)} train failure(s) it was not injected into")
        pattern = signature((involved or list(given.failures))[0].feedback)
        note = f"rewrote {target} ({skill.nbytes} → {new.nbytes} bytes) from {what}, e.g. '{pattern}'."
        return Proposal(child, note, calls=[completion.record])

    def target(self, given: OperatorInput) -> str:
        """The most-blamed skill; ties by word overlap with the failures, then rng."""
        parent = given.parents[0]
        counts = spare_always_load(parent, blame(parent, given.failures))
        evidence = words(" ".join(f"{f.request} {f.feedback}" for f in given.failures))
        # overlap is < 1, so it only breaks ties between equal counts
        scores = {name: counts[name] + 0.5 * jaccard(words(f"{s.name} {s.description} {' '.join(s.keywords)}"),
                                                     evidence)
                  for name, s in parent.skills.items() if name in counts}
        return pick_max(scores, given.rng)
