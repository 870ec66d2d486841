"""compress: rewrite the largest skill(s) shorter, keeping every fact, to fit the byte budget.

Contract (arity 1): when parents[0] is over `limits` (a skill over `max_skill_bytes` or the library over
`max_library_bytes`), the largest skills are compressed one per mutator call (at most `MAX_CALLS`) until the
library fits, each asked for the size that would close the gap (never below `MIN_RATIO` of its size). Otherwise
the largest skill alone is asked for `DEFAULT_RATIO` of its size (ties by `rng`). A compressed skill must be
smaller than before and keep every fact of the original (`lost_facts`); otherwise the operator declines, naming
the lost facts. The name and metadata are kept.

Facts, precisely (`facts(body)`): every inline code span outside fenced blocks (`...`), and inside fenced code
blocks every keyword-argument token `name=` (no space before '=', so assignments `x = 1` are not facts) and every
dotted token `a.b[.c...]` (module attributes, methods, file names). A fact is kept when it occurs in the new
SKILL.md text anywhere — prose or code — once all whitespace is removed from both, so reformatting does not
count as a loss but renaming, dropping an argument or changing a value in a span does.
"""
from __future__ import annotations

import re

from ...library import Library
from ...models import ModelClient
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import ask, charged, decline_bad_child
from .parsing import skill_from_reply

MAX_CALLS = 3
DEFAULT_RATIO = 0.75
MIN_RATIO = 0.4
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_KWARG = re.compile(r"(?<![\w.])([A-Za-z_]\w*)=(?!=)")
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def facts(body: str) -> list[str]:
    """The facts of a skill body, in order of first appearance (see the module docstring)."""
    found: dict[str, None] = {}
    inside = None
    for line in body.split("\n"):
        fence = _FENCE.match(line)
        if fence and (inside is None or fence.group(1).startswith(inside)):
            inside = fence.group(1) if inside is None else None
            continue
        if inside is None:
            for span in _SPAN.findall(line):
                if _squash(span):
                    found[_squash(span)] = None
        else:
            for token in _KWARG.findall(line):
                found[f"{token}="] = None
            for token in _DOTTED.findall(line):
                found[token] = None
    return list(found)


def lost_facts(old: Skill, new: Skill) -> list[str]:
    """Facts of `old` that `new` no longer states."""
    text = _squash(new.text)
    return [fact for fact in facts(old.body) if fact not in text]


def _over(library: Library, max_skill: int, max_library: int) -> bool:
    return library.nbytes > max_library or any(s.nbytes > max_skill for s in library)


class Compress:
    name = "compress"
    arity = 1
    template = "op_compress.md.j2"

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent, limits = given.parents[0], given.limits
        if not len(parent):
            raise OperatorDeclined("the parent library has no skill to compress")
        order = list(parent)
        given.rng.shuffle(order)  # breaks size ties at random; the stable sort keeps the shuffle within ties
        order.sort(key=lambda s: s.nbytes, reverse=True)
        over = _over(parent, limits.max_skill_bytes, limits.max_library_bytes)
        child, calls, done = parent, [], []
        for skill in order[:MAX_CALLS if over else 1]:
            excess = child.nbytes - limits.max_library_bytes
            goal = skill.nbytes - excess if over and excess > 0 else int(skill.nbytes * DEFAULT_RATIO)
            target = max(int(skill.nbytes * MIN_RATIO), min(goal, limits.max_skill_bytes))
            completion = ask(client, self.template, skill_text=skill.text, skill_name=skill.name, target_bytes=target,
                             target_words=max(20, target // 6), current_bytes=skill.nbytes, bundled=list(skill.files))
            calls.append(completion.record)
            with charged(calls):
                new = skill_from_reply(completion.text, self.name, limits, original=skill, keep_name=True)
                if new.nbytes >= skill.nbytes:
                    raise OperatorDeclined(f"the mutator did not shorten {skill.name} "
                                           f"({skill.nbytes} → {new.nbytes} bytes)")
                lost = lost_facts(skill, new)
                if lost:
                    shown = ", ".join(f"`{f}`" for f in lost[:8]) + (f" and {len(lost) - 8} more" if len(lost) > 8 else "")
                    raise OperatorDeclined(f"compressing {skill.name} lost {len(lost)} fact(s): {shown}")
            child = child.with_skill(new)
            done.append(f"{skill.name} {skill.nbytes} → {new.nbytes}")
            if not _over(child, limits.max_skill_bytes, limits.max_library_bytes):
                break
        with charged(calls):
            decline_bad_child(parent, child, limits, [f.request for f in given.failures])
        note = (f"compressed {'; '.join(done)} bytes keeping every inline-code and API fact "
                f"(library {parent.nbytes} → {child.nbytes} bytes{', now within the budget' if over else ''}).")
        return Proposal(child, note, calls=calls)
