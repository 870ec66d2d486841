"""rewrite-reference: rewrite one reference file of the skill most implicated in the train failures, from them.

Contract (arity 1): candidates are the text reference files (`references/...`) of parents[0]'s skills; each scores
the number of failures its skill was injected into plus the word overlap (< 1) of the file with the failures'
requests and feedback; the highest wins (ties by `rng`). The mutator sees the skill's name and description, the
file and up to three failures (those its skill was part of first) and returns the complete new file in one fenced
block. Only that file changes: SKILL.md and every other file are kept. Declines with no failures, no reference
file, a reply without a fenced block, an unchanged file, a file over `[library] max_file_bytes`, or a child that
breaks the limits or copies a train request's words; ProviderDown propagates.
"""
from __future__ import annotations

from ...models import ModelClient
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import ask, charged, decline_bad_child, jaccard, pick_max, show, words
from .parsing import fenced_blocks


class RewriteReference:
    name = "rewrite-reference"
    arity = 1
    template = "op_rewrite_reference.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if not given.failures:
            raise OperatorDeclined("no train failures to learn from")
        evidence = words(" ".join(f"{f.request} {f.feedback}" for f in given.failures))
        scores: dict[str, float] = {}
        for skill in parent:
            for path in skill.references:
                try:
                    text = skill.files[path].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                injected = sum(skill.name in f.injected for f in given.failures)
                scores[f"{skill.name}/{path}"] = injected + 0.5 * jaccard(words(text), evidence)
        if not scores:
            raise OperatorDeclined("the parent's skills have no text reference file to rewrite")
        label = pick_max(scores, given.rng)
        name, path = label.split("/", 1)
        skill = parent[name]
        old = skill.files[path].decode("utf-8")
        involved = [f for f in given.failures if name in f.injected]
        shown = show(involved + [f for f in given.failures if name not in f.injected])
        completion = ask(client, self.template, skill_name=name, skill_description=skill.description,
                         reference_text=old, failures=shown)
        with charged([completion.record]):
            blocks = [b.content for b in fenced_blocks(completion.text) if b.tag in ("markdown", "md", "")]
            if not blocks or not blocks[0].strip():
                raise OperatorDeclined("the mutator's reply has no fenced file")
            new = blocks[0].strip() + "\n"
            if new.encode() == skill.files[path] or new.strip() == old.strip():
                raise OperatorDeclined(f"the mutator returned {label} unchanged")
            if len(new.encode()) > given.limits.max_file_bytes:
                raise OperatorDeclined(f"the rewritten {label} is {len(new.encode())} bytes, over [library] "
                                       f"max_file_bytes ({given.limits.max_file_bytes})")
            child = parent.with_skill(skill.with_files({**skill.files, path: new.encode()}))
            decline_bad_child(parent, child, given.limits, [f.request for f in given.failures])
        return Proposal(child, f"rewrote {label} ({len(old.encode())} → {len(new.encode())} bytes) from "
                               f"{len(involved) or len(given.failures)} train failure(s).", calls=[completion.record])
