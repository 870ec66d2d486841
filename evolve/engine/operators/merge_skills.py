"""merge-skills: merge the two most overlapping skills into one.

Contract (arity 1): the pair is the one whose descriptions share the most content words (Jaccard over words
longer than two letters, stopwords out); ties by `rng`; only pairs with the same `role` and some overlap
qualify. The mutator returns one SKILL.md named like either original (or a name no other skill has); the
child has it in place of both. Metadata: the shared role, `always-load` true if either was, keywords the
mutator's or else the union of both. Bundled files: both folders' (the first's on a shared path). Declines with fewer than two skills, no overlapping pair, unusable output,
a name clash or a child over the limits; ProviderDown propagates.
"""
from __future__ import annotations

from itertools import combinations

from ...models import ModelClient
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import ask, charged, decline_bad_child, jaccard, pick_max, words
from .parsing import skill_from_reply

PAIR_SEPARATOR = "\t"  # not a name character: safe to join a pair into one key


def overlaps(skills: list[Skill]) -> dict[str, float]:
    """'a<TAB>b' → description word overlap, for every same-role pair that shares a word."""
    found = {}
    for a, b in combinations(sorted(skills, key=lambda s: s.name), 2):
        if a.role == b.role:
            score = jaccard(words(a.description), words(b.description))
            if score > 0:
                found[f"{a.name}{PAIR_SEPARATOR}{b.name}"] = score
    return found


def merged_metadata(a: Skill, b: Skill) -> dict[str, str]:
    keywords = list(dict.fromkeys((*a.keywords, *b.keywords)))
    meta = {"role": a.role, "always-load": "true" if a.always_load or b.always_load else "false"}
    if keywords:
        meta["keywords"] = ", ".join(keywords)
    return meta


class MergeSkills:
    name = "merge-skills"
    arity = 1
    template = "op_merge_skills.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if len(parent) < 2:
            raise OperatorDeclined("fewer than two skills: nothing to merge")
        pairs = overlaps(list(parent))
        if not pairs:
            raise OperatorDeclined("no two skills of the same role share any description words")
        key = pick_max(pairs, given.rng)
        a, b = (parent[n] for n in key.split(PAIR_SEPARATOR))
        completion = ask(client, self.template, first_text=a.text, second_text=b.text, first_name=a.name,
                         second_name=b.name)
        with charged([completion.record]):
            merged = skill_from_reply(completion.text, self.name, given.limits, inherit=merged_metadata(a, b))
            merged = merged.with_files({**b.files, **a.files})  # both folders' files (a's wins a shared path)
            rest = parent.without(a.name).without(b.name)
            if merged.name in rest:
                raise OperatorDeclined(f"the merged skill takes the name of another skill, '{merged.name}'")
            child = rest.with_skill(merged)
            decline_bad_child(parent, child, given.limits, [f.request for f in given.failures])
        note = (f"merged {a.name} and {b.name} ({a.nbytes + b.nbytes} bytes) into {merged.name} "
                f"({merged.nbytes} bytes): their descriptions overlap ({pairs[key]:.2f}).")
        return Proposal(child, note, calls=[completion.record])
