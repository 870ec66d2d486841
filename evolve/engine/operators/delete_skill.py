"""delete-skill: remove the skill with the most evidence against it (no model call).

Contract (arity 1): a skill's blame is the sum, over the train failures it was injected into, of how badly
each failed (1 - score; a missing score counts 1). The skill with the most blame is removed (ties by `rng`):
injected where the student still failed, it is either misleading or dead weight, and the gate's paired trials
decide which. `always-load` skills are spared while another candidate has blame (they are injected into every
trial, so they would always top the count). When no failure names any of the parent's skills, the skill least
related to the failures' requests (word overlap of name, description and keywords; always-load spared) goes
instead. Declines with no failures or when deleting would leave the library empty.
"""
from __future__ import annotations

from ...models import ModelClient
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import blame, decline_bad_child, jaccard, pick_max, spare_always_load, words


class DeleteSkill:
    name = "delete-skill"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if len(parent) <= 1:
            raise OperatorDeclined("the parent has at most one skill; deleting it would leave no library")
        if not given.failures:
            raise OperatorDeclined("no train failures: no evidence against any skill")
        blamed = blame(parent, given.failures, lambda f: 1.0 if f.score is None else max(0.0, 1.0 - f.score))
        candidates = spare_always_load(parent, blamed)
        if any(v > 0 for v in candidates.values()):
            victim = pick_max(candidates, given.rng)
            why = f"injected into failed train trials (blame {blamed[victim]:.2f}, the most)"
        else:
            requests = words(" ".join(f.request for f in given.failures))
            pool = [s for s in parent if not s.always_load] or list(parent)
            relevance = {s.name: -jaccard(words(f"{s.name} {s.description} {' '.join(s.keywords)}"), requests)
                         for s in pool}
            victim = pick_max(relevance, given.rng)
            why = "no failure named a skill, and it is the least related to the failing requests"
        child = parent.without(victim)
        decline_bad_child(parent, child, given.limits)
        return Proposal(child, f"deleted {victim} ({parent[victim].nbytes} bytes): {why}.")
