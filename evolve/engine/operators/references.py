"""move-to-reference and inline-reference: move detail between a skill's body and its reference files (no model call).

The byte budget counts what the student reads: a body is read in every trial it is routed to, a reference file only
when the student asks for it (evolve.references). These two operators trade one for the other; the gate's paired
trials decide whether the student reads what it needs.

Contract (arity 1, both):
- `move-to-reference` takes the largest `## ` section (at least `MIN_SECTION_BYTES`) of a student skill whose body
  keeps at least one other section, and never one holding a `# complete example` (a small model adapts those far
  better than it asks for them). The section's text becomes `references/<heading-slug>.md` (a `# <heading>` title,
  then the text); in the body the heading stays, followed by one pointer line naming the file and how to ask for it.
  Ties are broken by `rng`. Declines when no section qualifies.
- `inline-reference` puts one text reference back into its skill's body: the one whose words overlap the train
  failures most (the smallest when there are none; ties by `rng`), among those that fit the skill and library byte
  limits once inlined. Where the body holds that file's pointer line, the text replaces it; otherwise it is appended
  as a section. The file is removed. Declines when the library has no reference that fits.
Both keep every other file and field of the skill, and pass `decline_bad_child`.
"""
from __future__ import annotations

import re

from ...models import ModelClient
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import decline_bad_child, jaccard, pick_max, words

MIN_SECTION_BYTES = 300
POINTER = "More detail: the reference file `{label}` (reply `READ: {label}` to read it)."
_SECTION = re.compile(r"^## +(.+)$", re.MULTILINE)
_COMPLETE = "# complete example"


def sections(body: str) -> list[tuple[str, int, int]]:
    """(heading, start, end) of each `## ` section: from its heading line to the next one (or the end)."""
    found = list(_SECTION.finditer(body))
    return [(m.group(1).strip(), m.start(), found[i + 1].start() if i + 1 < len(found) else len(body))
            for i, m in enumerate(found)]


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")[:48] or "detail"


def pointer(skill: str, path: str) -> str:
    return POINTER.format(label=f"{skill}/{path}")


class MoveToReference:
    name = "move-to-reference"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        candidates: dict[str, tuple[Skill, str, int, int]] = {}
        sizes: dict[str, float] = {}
        for skill in parent:
            if skill.role != "student":
                continue
            found = sections(skill.body)
            if len(found) < 2:
                continue  # the body must keep a section of its own
            for heading, start, end in found:
                text = skill.body[start:end]
                if len(text.encode()) < MIN_SECTION_BYTES or _COMPLETE in text:
                    continue
                key = f"{skill.name}\t{heading}\t{start}"
                candidates[key] = (skill, heading, start, end)
                sizes[key] = float(len(text.encode()))
        if not candidates:
            raise OperatorDeclined(f"no student skill has a {MIN_SECTION_BYTES}+ byte section (without a complete "
                                   "example) besides another one to move into a reference file")
        skill, heading, start, end = candidates[pick_max(sizes, given.rng)]
        path = f"references/{slug(heading)}.md"
        number = 2
        while path in skill.files:
            path, number = f"references/{slug(heading)}-{number}.md", number + 1
        text = skill.body[start:end]
        content = text.split("\n", 1)[1].strip() if "\n" in text else ""
        body = (skill.body[:start] + f"## {heading}\n\n{pointer(skill.name, path)}\n\n" + skill.body[end:]).strip()
        moved = Skill(skill.name, skill.description, body, skill.metadata, skill.extra,
                      {**skill.files, path: f"# {heading}\n\n{content}\n".encode()})
        child = parent.with_skill(moved)
        decline_bad_child(parent, child, given.limits)
        return Proposal(child, f"moved section '{heading}' of {skill.name} ({len(text.encode())} bytes) into {path}: "
                               f"the body shrinks to {moved.nbytes} bytes; the student reads the detail when it asks.")


class InlineReference:
    name = "inline-reference"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        failing = words(" ".join(f"{f.request} {f.feedback}" for f in given.failures))
        options: dict[str, tuple[Skill, str, str]] = {}
        scores: dict[str, float] = {}
        for skill in parent:
            for path in skill.references:
                try:
                    text = skill.files[path].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                inlined = _inline(skill, path, text)
                if inlined.nbytes > given.limits.max_skill_bytes or \
                        parent.nbytes - skill.nbytes + inlined.nbytes > given.limits.max_library_bytes:
                    continue
                key = f"{skill.name}/{path}"
                options[key] = (inlined, path, text)
                scores[key] = jaccard(words(text), failing) if failing else -float(len(text))
        if not options:
            raise OperatorDeclined("no reference file fits back into its skill's body within the byte limits")
        key = pick_max(scores, given.rng)
        inlined, path, text = options[key]
        child = parent.with_skill(inlined)
        decline_bad_child(parent, child, given.limits)
        return Proposal(child, f"inlined {key} ({len(text.encode())} bytes) into the body of {inlined.name}: the "
                               "student reads it in every trial the skill is routed to, without asking.")


def _inline(skill: Skill, path: str, text: str) -> Skill:
    lines = text.strip().split("\n")
    title = lines[0][2:].strip() if lines and lines[0].startswith("# ") else path.rsplit("/", 1)[-1][:-3]
    content = "\n".join(lines[1:]).strip() if lines and lines[0].startswith("# ") else text.strip()
    marker = pointer(skill.name, path)
    if marker in skill.body:
        body = skill.body.replace(marker, content, 1)
    else:
        body = f"{skill.body.rstrip()}\n\n## {title}\n\n{content}"
    files = {p: data for p, data in skill.files.items() if p != path}
    return Skill(skill.name, skill.description, body, skill.metadata, skill.extra, files)
