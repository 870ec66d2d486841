"""error-fact: an error that recurs in the train trials becomes one verified fact in the skill the student was shown.

Why: a small student makes the same mistake across goals (a scalar where the domain wants an array, a monitor
name that does not exist), and the sentence that prevents it is often already known and tested. The operator
never invents the sentence: it takes it from the verified-facts index (evolve.facts; `[library] facts_index`),
whose every row a test confirms against the pinned domain library. No model call; deterministic given the rng.

Contract (arity 1): group the train failures of parents[0] by error signature (`common.signature`: exception
kind and its message with quoted values and numbers masked); a signature is recurring when at least
`MIN_REPEATS` failures share it. For each recurring signature, most frequent first (ties by text), rank the
facts by how many of the values the errors quote they contain verbatim, then by IDF-weighted words shared with
the errors' kind and messages. A fact is eligible only through such a value: a code name (`'BOLD'`,
`'numpy.ndarray'`: dotted, snake_case or capitals) anywhere in it, or a plain word (`'float'`) in a fact that
also names the exception — so neither a shared English word nor the exception's name alone is enough.
The target is the skill routed to those failures (the one whose name, description and keywords best match the
fact, BM25), else any student skill of the parent; the fact is added as a bullet under "## Verified facts"
unless a skill of the parent already states it. The first signature that yields a fact wins. Declines without
a facts index, without a recurring error, when no fact speaks to one, or when the child breaks the limits or
copies a train request (`common.decline_bad_child`).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ...facts import Fact
from ...library import Library
from ...models import ModelClient
from ...routing import bm25_scores
from ...skills import Skill
from .base import Failure, OperatorDeclined, OperatorInput, Proposal
from .common import decline_bad_child, raised_error, signature

MIN_REPEATS = 2
HEADING = "## Verified facts"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
_QUOTED = re.compile(r"['\"`]([^'\"`\s]{2,})['\"`]")


class ErrorFact:
    name = "error-fact"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        if not given.facts:
            raise OperatorDeclined("no verified facts to draw on ([library] facts_index is empty)")
        parent = given.parents[0]
        groups: dict[str, list[Failure]] = {}
        for failure in given.failures:
            if raised_error(failure.feedback) is not None:
                groups.setdefault(signature(failure.feedback), []).append(failure)
        recurring = sorted(((sig, fs) for sig, fs in groups.items() if len(fs) >= MIN_REPEATS),
                           key=lambda item: (-len(item[1]), item[0]))
        if not recurring:
            raise OperatorDeclined(f"no error recurs in {MIN_REPEATS} or more train failures")
        for sig, failures in recurring:
            for fact in matching_facts(failures, given.facts):
                target = _target(parent, failures, fact)
                if target is None or any(_states(skill, fact) for skill in parent):
                    continue
                child = parent.with_skill(target.with_body(with_fact(target.body, fact)))
                decline_bad_child(parent, child, given.limits, [f.request for f in given.failures + given.successes])
                note = (f"added the verified fact '{fact.text}' (test {fact.test}) to '{target.name}': "
                        f"'{sig}' recurred in {len(failures)} train failures.")
                return Proposal(child, note)
        raise OperatorDeclined("no verified fact speaks to the recurring errors ("
                               + "; ".join(f"{sig} ×{len(fs)}" for sig, fs in recurring[:3]) + ")")


def matching_facts(failures: Sequence[Failure], facts: Sequence[Fact]) -> list[Fact]:
    """The eligible facts for errors of one signature, best first (see the module contract)."""
    kinds, words, quoted = set(), Counter(), set()
    for failure in failures:
        raised = raised_error(failure.feedback)
        if raised is None:
            continue
        kind, message = raised
        kinds.add(kind)
        quoted.update(_QUOTED.findall(message))
        words.update(w.lower() for w in _WORD.findall(f"{kind} {message}"))
    documents = [{w.lower() for w in _WORD.findall(fact.text)} for fact in facts]
    idf = {w: math.log(1 + len(facts) / (1 + sum(w in d for d in documents))) for w in words}
    ranked = []
    for index, (fact, document) in enumerate(zip(facts, documents, strict=True)):
        # The quoted value itself is the evidence: a name ('BOLD', 'numpy.ndarray') anywhere, a plain word
        # ('float', 'index') only in a fact that also names the exception.
        names_kind = any(k in fact.text for k in kinds)
        exact = sum(q in fact.text and (names_kind or _is_name(q)) for q in quoted)
        if exact:
            ranked.append((-exact, -sum(idf[w] for w in words if w in document), index, fact))
    return [fact for *_, fact in sorted(ranked)]


def _is_name(value: str) -> bool:
    """A quoted value that is a code name, not an English word: dotted, snake_case or with capitals."""
    return any(c in value for c in "._") or any(c.isupper() for c in value)


def with_fact(body: str, fact: Fact) -> str:
    """The body with the fact as a bullet under HEADING (the section is made at the end when missing)."""
    bullet = f"- {fact.text}"
    if HEADING not in body:
        return f"{body.rstrip()}\n\n{HEADING}\n\n{bullet}\n"
    head, _, rest = body.partition(HEADING)
    lines = rest.split("\n")
    end = next((i for i, line in enumerate(lines[1:], 1) if line.startswith("#")), len(lines))
    section = "\n".join(lines[:end]).rstrip()
    after = "\n".join(lines[end:])
    return f"{head}{HEADING}{section}\n{bullet}\n" + (f"\n{after}" if after.strip() else "")


def _states(skill: Skill, fact: Fact) -> bool:
    return " ".join(fact.text.split()).rstrip(".") in " ".join(skill.body.split())


def _target(parent: Library, failures: Sequence[Failure], fact: Fact) -> Skill | None:
    routed = sorted({name for f in failures for name in f.injected if name in parent})
    candidates = [parent[name] for name in routed] or [s for s in parent if s.role == "student"]
    if not candidates:
        return None
    scores = bm25_scores(candidates, fact.text)
    return max(candidates, key=lambda s: (scores.get(s.name, 0.0), [-ord(c) for c in s.name]))
