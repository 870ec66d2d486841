"""Mutator output → validated `Skill` objects, robustly; anything unusable raises `OperatorDeclined`.

Contract of `skills_from_reply(reply, operator, limits, count=...)`:
- Where the skill text is: every fenced block whose content starts with `---` frontmatter (whatever its tag),
  and, when an `original` is given, a ```markdown / ```md block holding only a body; nested code blocks inside
  them (```python ... ```) are kept (see `_closing_line`). Without a fenced candidate, bare `---` frontmatter in the reply is used from that line to the end; and when an
  `original` skill is given, a reply that is only a Markdown body (from its first heading outside code) is used
  as the new body. Chatter before and after is dropped. When there are more candidates than asked for, the last
  ones win (models that echo the input put their answer last).
- Frontmatter: YAML that fails only because a value is unquoted (`description: Use when: ...`, common from
  small models) is repaired by quoting each scalar value, then parsed again.
- Body only: the original's frontmatter (name, description, metadata) is kept.
- Name: with `keep_name`, the original's name is imposed (a rewrite or compression must not rename a skill).
- Metadata: `role` and `always-load` come from `inherit` (the author's and engine's decisions, not the
  mutator's); `keywords` are the mutator's when it gave some, else inherited. Other keys the model invents are
  dropped, and so are `lineage`/`score`: those are export-only annotations (evolve.archive.export writes them
  from the archive, evolve.archive.seed strips them); the archive's edges are the lineage, so a mutator-written
  lineage would only be an unverifiable claim that changes the skill's hash.
- The final Skill is rendered and validated with `evolve.skills.parse` under the path
  `<operator>/<name>/SKILL.md` with the skill-byte limit; any problem declines with the first few messages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping

from ...config import LibraryLimits
from ...skills import ROLES, Skill, parse, render
from .base import OperatorDeclined

EXPORT_ONLY_METADATA = ("lineage", "score")
SKILL_TAGS = ("markdown", "md", "skill")  # tags of a block that may hold just a body
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_HEADING = re.compile(r"^#{1,3}\s+\S")
_KEY_LINE = re.compile(r"^(\s*)([A-Za-z][\w-]*):[ \t]+(\S.*?)\s*$")


@dataclass(frozen=True)
class _Block:
    tag: str
    content: str


def fenced_blocks(reply: str) -> list[_Block]:
    """Every top-level fenced block of the reply, with nested code blocks kept inside their parent."""
    lines = reply.replace("\r\n", "\n").split("\n")
    blocks, i = [], 0
    while i < len(lines):
        found = _FENCE.match(lines[i])
        if not found:
            i += 1
            continue
        end = _closing_line(lines, i, found.group(1))
        blocks.append(_Block(found.group(2).lower(), "\n".join(lines[i + 1:end])))
        i = end + 1
    return blocks


def _closing_line(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the block opened at `start` (len(lines) when it is never closed).

    A longer (````) or tilde fence closes only on its own kind. A ``` fence may contain nested code blocks:
    a tagged fence (```python) opens one and a bare ``` closes it. A bare ``` at depth 0 closes the outer
    block unless the next fence is bare too: then it opened an untagged nested block, and the next one closes
    that. (The price: a bare ``` chatter block right after the skill is taken as part of it.)"""
    if fence != "```":
        closing = re.compile(rf"^\s{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        return next((j for j in range(start + 1, len(lines)) if closing.match(lines[j])), len(lines))
    fences = [(j, m.group(2)) for j in range(start + 1, len(lines))
              if (m := _FENCE.match(lines[j])) and m.group(1).startswith("```")]
    depth, k = 0, 0
    while k < len(fences):
        j, tag = fences[k]
        if tag:
            depth += 1
        elif depth:
            depth -= 1
        elif k + 1 < len(fences) and not fences[k + 1][1]:
            k += 1  # an untagged nested block: this fence opened it, the next one closes it
        else:
            return j
        k += 1
    return len(lines)


def candidate_texts(reply: str, with_body_only: bool) -> list[str]:
    """The SKILL.md texts (or bare bodies, when `with_body_only`) the reply contains, in order."""
    found = []
    for block in fenced_blocks(reply):
        content = block.content.strip("\n")
        if content.lstrip().startswith("---"):
            found.append(content.lstrip())
        elif with_body_only and block.tag in SKILL_TAGS and _first_heading(content) is not None:
            found.append(content)
    if found:
        return found
    lines = reply.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        # bare frontmatter: a '---' line with a 'name:' soon after it
        if line.strip() == "---" and any(l.strip().startswith("name:") for l in lines[i + 1:i + 4]):
            return ["\n".join(lines[i:])]
    if with_body_only:
        start = _first_heading(reply)
        if start is not None:
            return ["\n".join(lines[start:])]
    return []


def _first_heading(text: str) -> int | None:
    """Line index of the first Markdown heading outside fenced code (a '# comment' in code is not one)."""
    inside = None
    for i, line in enumerate(text.split("\n")):
        fence = _FENCE.match(line)
        if fence:
            if inside is None:
                inside = fence.group(1)
            elif fence.group(1).startswith(inside) and not fence.group(2):
                inside = None
        elif inside is None and _HEADING.match(line):
            return i
    return None


def _quote_values(front: str) -> str:
    """Frontmatter with every unquoted scalar value quoted (JSON strings are valid YAML)."""
    out = []
    for line in front.split("\n"):
        m = _KEY_LINE.match(line)
        if m and m.group(3)[0] not in "\"'|>":
            line = f"{m.group(1)}{m.group(2)}: {json.dumps(m.group(3), ensure_ascii=False)}"
        out.append(line)
    return "\n".join(out)


def _parse_full(text: str, path: Path, max_bytes: int) -> Skill:
    """Parse a text with frontmatter, repairing unquoted values once; decline when it stays unusable."""
    skill, problems = parse(text, path, max_bytes=max_bytes)
    if skill is None and any(p.code == "invalid-yaml" for p in problems):
        _, front, body = text.split("---", 2)
        skill, problems = parse(f"---{_quote_values(front)}---{body}", path, max_bytes=max_bytes)
    if skill is None:
        raise OperatorDeclined(f"invalid frontmatter in the mutator's skill: {_messages(problems)}")
    return skill


def _messages(problems) -> str:
    return "; ".join(p.message for p in problems[:3])


def merged_metadata(model: Mapping[str, str], inherit: Mapping[str, str] | None) -> dict[str, str]:
    """role/always-load inherited; keywords the model's if any; invented and export-only keys dropped."""
    kept = {k: v for k, v in (inherit or {}).items() if k not in EXPORT_ONLY_METADATA}
    if str(model.get("keywords", "")).strip():
        kept["keywords"] = str(model["keywords"]).strip()
    if "role" not in kept and model.get("role") in ROLES:
        kept["role"] = model["role"]
    return kept


def to_skill(text: str, operator: str, limits: LibraryLimits, *, original: Skill | None = None,
             keep_name: bool = False, inherit: Mapping[str, str] | None = None) -> Skill:
    """One candidate text (full SKILL.md, or a body when `original` is given) → a validated Skill."""
    label = original.name if original is not None else "new-skill"
    if text.lstrip().startswith("---"):
        parsed = _parse_full(text.lstrip(), Path(f"<{operator}>/{label}/SKILL.md"), limits.max_skill_bytes)
        name = original.name if keep_name and original is not None else parsed.name
        inherited = inherit if inherit is not None else (original.metadata if original is not None else None)
        # A rewritten skill keeps its bundled files (references, scripts): the operator rewrote only SKILL.md.
        skill = Skill(name, parsed.description, parsed.body, merged_metadata(parsed.metadata, inherited),
                      original.extra if original is not None else parsed.extra,
                      original.files if original is not None else {})
    elif original is not None:
        skill = Skill(original.name, original.description, text, merged_metadata({}, original.metadata),
                      original.extra, original.files)
    else:
        raise OperatorDeclined("the mutator's reply has no frontmatter (a '---' block with name and description)")
    validate(skill, operator, limits)
    return skill


def validate(skill: Skill, operator: str, limits: LibraryLimits) -> None:
    """Decline unless the rendered skill passes every check `evolve validate` applies to a file."""
    path = Path(f"<{operator}>/{skill.name or 'unnamed'}/SKILL.md")
    _, problems = parse(render(skill), path, folder_name=skill.name, max_bytes=limits.max_skill_bytes)
    if problems:
        raise OperatorDeclined(f"the mutator's skill '{skill.name}' is invalid: {_messages(problems)}")


def skills_from_reply(reply: str, operator: str, limits: LibraryLimits, *, count: int = 1,
                      original: Skill | None = None, keep_name: bool = False,
                      inherit: Mapping[str, str] | None = None) -> list[Skill]:
    """The last `count` skills of the reply, validated; declines when there are fewer."""
    texts = candidate_texts(reply, with_body_only=original is not None)
    if len(texts) < count:
        what = "one ```markdown block" if count == 1 else f"{count} ```markdown blocks"
        got = f"{len(texts)} usable block(s)" if texts else "no SKILL.md"
        raise OperatorDeclined(f"expected {what} with a SKILL.md; the reply had {got}: {_snippet(reply)}")
    return [to_skill(t, operator, limits, original=original, keep_name=keep_name, inherit=inherit)
            for t in texts[-count:]]


def skill_from_reply(reply: str, operator: str, limits: LibraryLimits, **options) -> Skill:
    """Exactly one skill (see `skills_from_reply`)."""
    return skills_from_reply(reply, operator, limits, count=1, **options)[0]


def _snippet(reply: str, limit: int = 120) -> str:
    flat = " ".join(reply.split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))
