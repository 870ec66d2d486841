"""Leakage: a skill that repeats a held-out goal's words teaches the answer, not the domain.

`shared_ngrams` finds word n-grams (default 8 words, case- and punctuation-insensitive) that a skill and a goal's
request share. The evolution gate and the benchmark tests use it against `val` and `test` goals.
"""
from __future__ import annotations

import re

DEFAULT_N = 8
_WORD = re.compile(r"[a-z0-9_]+")


def ngrams(text: str, n: int = DEFAULT_N) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def shared_ngrams(skill_text: str, goal_text: str, n: int = DEFAULT_N) -> list[str]:
    """The n-grams both texts contain, as strings, sorted."""
    return sorted(" ".join(gram) for gram in ngrams(skill_text, n) & ngrams(goal_text, n))
