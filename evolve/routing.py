"""Choosing which skills a trial's prompt carries, within a byte budget.

Modes: `all` (every skill, by name), `bm25` (ranked by BM25 over name, description and keywords against the
goal's request, via bm25s), and `disclosure` (the model picks from a listing; see `listing`/`parse_request`).
Skills marked `always-load` come first in every mode. The budget is hard: a skill that does not fit is left
out and reported, because a small model's context is the scarce resource.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import bm25s
from bm25s.tokenization import Tokenized

from .library import Library
from .skills import Skill


@dataclass(frozen=True)
class Routed:
    injected: tuple[Skill, ...]
    scores: dict[str, float]
    over_budget: tuple[str, ...]  # wanted but left out for the byte budget

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.injected)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.injected)


def route(library: Library, query: str, mode: str, budget_bytes: int, role: str = "student",
          chosen: tuple[str, ...] | None = None) -> Routed:
    """Skills for one prompt. `chosen` (disclosure mode) lists the names the model asked for."""
    skills = [s for s in library if s.role == role]
    if mode == "all":
        scores = {s.name: 0.0 for s in skills}
        ranked = sorted(skills, key=lambda s: s.name)
    elif mode == "bm25":
        scores = bm25_scores(skills, query)
        ranked = sorted((s for s in skills if scores[s.name] > 0), key=lambda s: (-scores[s.name], s.name))
    elif mode == "disclosure":
        wanted = list(chosen or ())
        scores = {s.name: float(s.name in wanted) for s in skills}
        ranked = sorted((s for s in skills if s.name in wanted), key=lambda s: wanted.index(s.name))
    else:
        raise ValueError(f"unknown routing mode '{mode}' (all, bm25, disclosure)")
    first = sorted((s for s in skills if s.always_load), key=lambda s: s.name)
    order = first + [s for s in ranked if not s.always_load]
    injected, left_out, used = [], [], 0
    for skill in order:
        if used + skill.nbytes <= budget_bytes:
            injected.append(skill)
            used += skill.nbytes
        else:
            left_out.append(skill.name)
    # Rank chose who fits the budget; the prompt shows them in one stable order (always-load, then by name) so
    # prompts of one library share their longest prefix and the model's KV cache can reuse it across goals.
    injected.sort(key=lambda s: (not s.always_load, s.name))
    return Routed(tuple(injected), scores, tuple(left_out))


def bm25_scores(skills: list[Skill], query: str) -> dict[str, float]:
    if not skills:
        return {}
    documents = [f"{s.name.replace('-', ' ')} {s.description} {' '.join(s.keywords)}" for s in skills]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(documents, stopwords="en", show_progress=False), show_progress=False)
    query_tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    assert isinstance(query_tokens, Tokenized), "return_ids=True (the default) gives ids and a vocabulary"
    if not query_tokens.vocab:
        return {s.name: 0.0 for s in skills}
    indices, values = retriever.retrieve(query_tokens, k=len(skills), show_progress=False)
    return {skills[int(i)].name: float(v) for i, v in zip(indices[0], values[0], strict=False)}


def listing(library: Library, role: str = "student") -> list[tuple[str, str]]:
    """(name, description) of every skill, for progressive disclosure."""
    return [(s.name, s.description) for s in sorted(library, key=lambda s: s.name) if s.role == role]


_REQUEST = re.compile(r"SKILLS\s*:\s*(.*)", re.IGNORECASE)


def parse_request(reply: str, library: Library) -> tuple[str, ...]:
    """Skill names a model asked for ('SKILLS: a, b'); unknown names are ignored, order kept."""
    match = _REQUEST.search(reply or "")
    text = match.group(1) if match else reply or ""
    names = [n.strip(" `*.'\"") for n in re.split(r"[,\s]+", text) if n.strip()]
    seen: list[str] = []
    for name in names:
        if name in library and name not in seen:
            seen.append(name)
    return tuple(seen)
