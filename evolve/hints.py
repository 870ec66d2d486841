"""The skills' passages about a failure: what the feedback turn quotes so knowledge stays in the skills.

Contract (pure functions; nothing here executes code or calls a model):
- `skill_hints(skills, query, budget_bytes)` → the library passages that best match the failure (BM25 over the
  error and the failing line), within `budget_bytes`. A passage is a paragraph or a list item under its heading,
  from a skill's body or from its text reference files (`references/*.md`: a package's error list is where a
  skill documents errors). Knowledge stays in the skills evolution optimizes: a skill that documents an error
  pays off when the error happens, wherever in its package it wrote it.
- `hint_corpus_digest(skills)` → a hash of every passage `skill_hints` could give from `skills` ("" for none): a
  trial with feedback turns depends on it, not only on the skills its first prompt routed.
- `Hint.label` → where a passage comes from, as the student is shown it (`skill/references/errors.md: Heading`).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import bm25s
from bm25s.tokenization import Tokenized

from . import references
from .skills import Skill

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


@dataclass(frozen=True)
class Hint:
    skill: str
    heading: str
    text: str
    score: float
    source: str = ""  # the bundled file it comes from (`references/errors.md`); "" for the SKILL.md body

    @property
    def label(self) -> str:
        where = f"{self.skill}/{self.source}" if self.source else self.skill
        return f"{where}: {self.heading}" if self.heading else where


def skill_hints(skills: Iterable[Skill], query: str, budget_bytes: int) -> list[Hint]:
    """The passages of `skills` that best match `query`, best first, within `budget_bytes` in all.

    A passage is a paragraph or a list item of a skill's body or text reference file (a fenced code block stays
    with the paragraph before it), labelled with the heading above it. Ranked by BM25 (Robertson & Zaragoza
    2009, as `bm25s` implements it); passages scoring under half the best, or 0, are left out, so an error nothing
    in the library mentions gets no hint."""
    passages = [p for skill in skills for p in _skill_passages(skill)]
    if not passages or budget_bytes <= 0 or not query.strip():
        return []
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([f"{h} {t}" for _, _, h, t in passages], stopwords="en", show_progress=False),
                    show_progress=False)
    tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    assert isinstance(tokens, Tokenized), "return_ids=True (the default) gives ids and a vocabulary"
    if not tokens.vocab:
        return []
    indices, values = retriever.retrieve(tokens, k=len(passages), show_progress=False)
    ranked = [(float(v), int(i)) for i, v in zip(indices[0], values[0], strict=False)]
    best = ranked[0][0] if ranked else 0.0
    hints, used = [], 0
    for score, index in ranked:
        if score <= 0 or score < best / 2:
            break
        skill, source, heading, text = passages[index]
        size = len(text.encode())
        if used + size > budget_bytes:
            continue
        hints.append(Hint(skill, heading, text, round(score, 3), source))
        used += size
    return hints


def hint_corpus_digest(skills: Iterable[Skill]) -> str:
    passages = [p for skill in skills for p in _skill_passages(skill)]
    return hashlib.sha256(json.dumps(passages).encode()).hexdigest() if passages else ""


def _skill_passages(skill: Skill) -> list[tuple[str, str, str, str]]:
    """(skill name, source file, heading, passage) over the body, then each text reference file in path order."""
    out = [(skill.name, "", heading, text) for heading, text in _passages(skill.body)]
    for label, text in references.offered([skill]).items():  # the text files the student could READ
        path = label.removeprefix(f"{skill.name}/")
        out += [(skill.name, path, heading, passage) for heading, passage in _passages(text)]
    return out


_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")


def _passages(markdown: str) -> list[tuple[str, str]]:
    """(heading, passage) for each paragraph and each top-level list item of a Markdown text: one fact of a
    bulleted list is its own passage, so a hint carries the item that matches, not the whole list."""
    out: list[tuple[str, str]] = []
    heading, block, in_fence = "", [], False

    def flush() -> None:
        text = "\n".join(block).strip()
        if text:
            out.append((heading, text))
        block.clear()

    pending_break = False  # a blank line was seen: the next paragraph starts unless a code block follows
    for line in markdown.splitlines():
        stripped = line.strip()
        if in_fence or stripped.startswith("```"):
            in_fence = in_fence != stripped.startswith("```")
            block.append(line)
            pending_break = False
            continue
        match = _HEADING.match(line)
        if match:
            flush()
            heading, pending_break = match.group(1).strip(), False
            continue
        if not stripped:
            pending_break = bool(block)
            continue
        if pending_break or (block and _LIST_ITEM.match(line)):
            flush()
            pending_break = False
        block.append(line)
    flush()
    return out
