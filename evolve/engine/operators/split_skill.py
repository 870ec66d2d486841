"""split-skill: split one large skill into two focused ones.

Contract (arity 1): the target is the largest skill of parents[0] (ties by `rng`) among those of at least
`MIN_BYTES` bytes with at least `MIN_PARTS` parts (sub-headings, top-level bullets and code blocks, the units a
split can move apart): a short single-topic skill has nothing to split. The mutator returns two SKILL.md blocks; the child has the two in place of the original.
Either part may keep the original's name, but the two names must differ from each other and from every other
skill. Both parts inherit the original's `role` and `always-load`; the first part keeps its bundled files. Declines when nothing is large enough, on
unusable output, a name clash, or a child over the limits; ProviderDown propagates.
"""
from __future__ import annotations

import re

from ...models import ModelClient
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import ask, charged, decline_bad_child, pick_max
from .parsing import skills_from_reply

MIN_BYTES = 1200
MIN_PARTS = 4


def parts(skill: Skill) -> int:
    """Sub-headings, top-level bullets and code blocks: the units a split could move apart."""
    headings = len(re.findall(r"^#{2,3}\s+\S", skill.body, flags=re.M))
    bullets = len(re.findall(r"^[-*]\s+\S", skill.body, flags=re.M))
    code_blocks = len(re.findall(r"^\s{0,3}```\s*[\w+-]+\s*$", skill.body, flags=re.M))
    return headings + bullets + code_blocks


class SplitSkill:
    name = "split-skill"
    arity = 1
    template = "op_split_skill.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        candidates = {s.name: float(s.nbytes) for s in parent
                      if s.nbytes >= MIN_BYTES and parts(s) >= MIN_PARTS}
        if not candidates:
            raise OperatorDeclined(f"no skill is large enough to split (≥ {MIN_BYTES} bytes and "
                                   f"≥ {MIN_PARTS} parts)")
        skill = parent[pick_max(candidates, given.rng)]
        others = [n for n in parent.skills if n != skill.name]
        completion = ask(client, self.template, skill_text=skill.text, taken=others or ["(none)"])
        with charged([completion.record]):
            first, second = skills_from_reply(completion.text, self.name, given.limits, count=2,
                                              inherit=skill.metadata)
            first = first.with_files(skill.files)  # the folder's files go with the first part (scripts cannot be
            #                                        shipped twice: the gate refuses a script clash)
            if first.name == second.name:
                raise OperatorDeclined(f"both parts of the split are named '{first.name}'")
            clash = [s.name for s in (first, second) if s.name in others]
            if clash:
                raise OperatorDeclined(f"the split reuses existing skill name(s) {', '.join(clash)}")
            child = parent.without(skill.name).with_skill(first).with_skill(second)
            decline_bad_child(parent, child, given.limits, [f.request for f in given.failures])
        note = (f"split {skill.name} ({skill.nbytes} bytes) into {first.name} ({first.nbytes}) and "
                f"{second.name} ({second.nbytes}) so each loads only where it applies.")
        return Proposal(child, note, calls=[completion.record])
