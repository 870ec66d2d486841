"""Level three of disclosure: during a trial the student asks for a routed skill's reference file by name.

The student sees skill names and descriptions (level one), the routed skills' bodies (level two), and under each
routed skill the names of its reference files; answering with lines `READ: <skill>/references/<file>` (and no code)
asks for them (level three). What it is given counts against the same byte budget as the bodies: the budget counts
what the student reads, not what the package holds.

Contract:
- `offered(skills)`: label (`<skill>/references/<file>`) → text of every text reference of the given skills, in
  label order; empty when none has references (then the prompt, and every trial key, is as before).
- `requested(reply)`: the labels a reply asks for, in order, duplicates dropped (none when it asks for nothing). A
  reply with a fenced code block is never a request (the notebook is what counts); one without is, when it has a
  READ line (the harness must look before converting it: `READ: a/b.md` alone parses as Python).
- `reserve(skills, budget_bytes)`: the bytes routing keeps free for reference reads when the given (routed) skills
  offer any: the largest offered file, at most a quarter of the budget; 0 when none is offered. Why: routing fills
  the budget with bodies, and on the packaged seed library at 9 KB no offered file fitted what was left (0 of 13
  goals), so level three was never reachable.
- `grant(asked, offered, remaining_bytes, already)` → `Granted`: the files given (in the order asked, while they fit
  the remaining bytes) and, for every other label, why not (unknown, already given, over the budget); a pure
  decision. A name that matches one offered file by its file name alone (`method.md`, `references/method.md`) is
  resolved to it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import bundle
from .skills import Skill

REQUEST = "READ:"
_LINE = re.compile(r"^\s*[`*]*READ\s*:\s*(.+?)\s*[`*]*\s*$", re.IGNORECASE | re.MULTILINE)


def offered(skills: Iterable[Skill]) -> dict[str, str]:
    found = {}
    for skill in skills:
        for path in skill.references:
            data = skill.files[path]
            if bundle.is_text(data):
                found[f"{skill.name}/{path}"] = data.decode("utf-8")
    return dict(sorted(found.items()))


def reserve(skills: Iterable[Skill], budget_bytes: int) -> int:
    sizes = [len(text.encode("utf-8")) for text in offered(skills).values()]
    return min(max(sizes), budget_bytes // 4) if sizes else 0


def requested(reply: str) -> tuple[str, ...]:
    if "```" in (reply or ""):
        return ()  # a fenced notebook is an answer, whatever else the reply says
    labels: list[str] = []
    for match in _LINE.finditer(reply or ""):
        for name in re.split(r"[,\s]+", match.group(1)):
            name = name.strip("`*'\".")
            if name and name not in labels:
                labels.append(name)
    return tuple(labels)


@dataclass(frozen=True)
class Refusal:
    label: str
    reason: str


@dataclass(frozen=True)
class Granted:
    given: tuple[tuple[str, str], ...]  # (label, text) in the order asked
    refused: tuple[Refusal, ...]

    @property
    def nbytes(self) -> int:
        return sum(len(text.encode("utf-8")) for _, text in self.given)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.given)


def resolve(name: str, offered: Mapping[str, str]) -> str | None:
    """The offered label `name` means: itself, or the one label ending in `/name` (a file name or a path)."""
    if name in offered:
        return name
    matches = [label for label in offered if label.endswith(f"/{name.lstrip('/')}")]
    return matches[0] if len(matches) == 1 else None


def grant(asked: Iterable[str], offered: Mapping[str, str], remaining_bytes: int,
          already: Iterable[str] = ()) -> Granted:
    given: list[tuple[str, str]] = []
    refused: list[Refusal] = []
    seen, left = set(already), remaining_bytes
    for name in asked:
        label = resolve(name, offered)
        if label is None:
            choices = ", ".join(offered) or "none"
            refused.append(Refusal(name, f"no such reference file (offered: {choices})"))
        elif label in seen:
            refused.append(Refusal(label, "already given above"))
        else:
            size = len(offered[label].encode("utf-8"))
            if size > left:
                refused.append(Refusal(label, f"{size} bytes; only {max(left, 0)} bytes of the skill budget are left"))
                continue
            given.append((label, offered[label]))
            seen.add(label)
            left -= size
    return Granted(tuple(given), tuple(refused))


def section(given: Iterable[tuple[str, str]]) -> str:
    """The files given so far, as the task shows them (each in its own tag, like the skills)."""
    return "".join(f'\n\n<reference name="{label}">\n{text.strip()}\n</reference>' for label, text in given)
