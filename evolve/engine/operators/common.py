"""What the operators share: one way to ask the mutator, trimmed views of failures, and the child checks.

- `ask` renders the shared system prompt plus one operator template and calls the `mutator` role. ProviderDown
  and ModelCallError propagate unchanged (an outage or a misconfigured model is not a bad proposal); a reply
  cut off at max_tokens declines, since a truncated skill would silently lose its end.
- `charged(calls)` attaches the calls already made to an `OperatorDeclined` raised inside it, so a rejected
  proposal's cost is still counted under its operator.
- `decline_bad_child` is what every child must pass before it is proposed: differs from its parent, not empty,
  within the byte limits, and no new or changed skill repeats a train goal's request (8-word n-grams,
  evolve.leakage): a skill must teach the domain, not one benchmark task. The engine's gate (gate.check_child:
  spec, bytes, val/test leaks, safety) then screens every proposal again, whoever made it.
- `signature(feedback)` names a failure's pattern (its last exception, or its first feedback line, with numbers
  and quoted values blanked): add-skill clusters failures by it and notes quote it.
"""
from __future__ import annotations

import random
import re
from contextlib import contextmanager
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence

from ...bundle import is_text
from ...config import LibraryLimits
from ...leakage import shared_ngrams
from ...library import Library
from ...models import CallRecord, Completion, ModelClient
from ...templates import render
from .base import Failure, OperatorDeclined

SYSTEM_TEMPLATE = "mutator_system.md.j2"
MAX_SHOWN_FAILURES = 3  # a 1.5B mutator loses the thread with more; the worst ones come first anyway
_STOPWORDS = frozenset(["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "into", "is", "it", "its", "of", "on", "or", "the", "to", "use", "used", "uses", "using", "when", "with", "what", "which", "while"])


def ask(client: ModelClient, template: str, **values) -> Completion:
    """One mutator call: shared system prompt + `template` rendered with `values`."""
    messages = [{"role": "system", "content": render(SYSTEM_TEMPLATE)},
                {"role": "user", "content": render(template, **values)}]
    completion = client.complete("mutator", messages)
    if completion.finish_reason == "length":
        raise OperatorDeclined("the mutator's reply was cut off at max_tokens (raise the mutator's max_tokens)",
                               calls=[completion.record])
    return completion


@contextmanager
def charged(calls: Sequence[CallRecord]):
    """Inside this block, a decline carries `calls` (the model calls it made before giving up)."""
    try:
        yield
    except OperatorDeclined as declined:
        declined.calls = [*calls, *getattr(declined, "calls", [])]
        raise


def head(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "\n[…]"


def middle(text: str, limit: int) -> str:
    """Keep both ends: a traceback's cause is at its end, a notebook's imports at its start."""
    text = text.strip()
    if len(text) <= limit:
        return text
    half = limit // 2
    start, end = text[:half], text[-half:]
    # cut at line ends when a line end is near, so the model never sees half a statement
    start = start[:start.rfind("\n")] if start.rfind("\n") > half // 2 else start
    end = end[end.find("\n") + 1:] if -1 < end.find("\n") < half // 2 else end
    return f"{start.rstrip()}\n[…]\n{end.lstrip()}"


@dataclass(frozen=True)
class FailureView:
    """A failure as the mutator sees it: trimmed, and without the goal's slug (it must not name goals)."""

    request: str
    feedback: str
    code: str
    score: str


def show(failures: Iterable[Failure], limit: int = MAX_SHOWN_FAILURES, request_chars: int = 500,
         feedback_chars: int = 700, code_chars: int = 900) -> list[FailureView]:
    return [FailureView(head(f.request, request_chars), middle(f.feedback, feedback_chars),
                        middle(f.code, code_chars), "missing" if f.score is None else f"{f.score:.2f}")
            for f in list(failures)[:limit]]


def pick_max(scores: Mapping[str, float], rng: random.Random) -> str:
    """The key with the highest score; ties broken by `rng` (over sorted keys, so it is reproducible)."""
    best = max(scores.values())
    return rng.choice(sorted(k for k, v in scores.items() if v == best))


def blame(library: Library, failures: Iterable[Failure], badness=lambda failure: 1.0) -> dict[str, float]:
    """name → sum of `badness` over the failures the skill was injected into (0 for skills never shown)."""
    counts = {name: 0.0 for name in library.skills}
    for failure in failures:
        for name in set(failure.injected) & set(counts):
            counts[name] += badness(failure)
    return counts


def spare_always_load(library: Library, scores: dict[str, float]) -> dict[str, float]:
    """`scores` without the always-load skills while another skill has blame: they are injected into every
    trial, so a raw count would always point at them."""
    others = {n: v for n, v in scores.items() if not library[n].always_load}
    return others if any(v > 0 for v in others.values()) else scores


def words(text: str) -> set[str]:
    """Content words, lowercased, for overlap heuristics."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOPWORDS}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def decline_bad_child(parent: Library, child: Library, limits: LibraryLimits, requests: Iterable[str] = ()) -> None:
    """Decline a child that is unchanged, empty, over the byte limits or copies a goal's words."""
    if child.id == parent.id:
        raise OperatorDeclined("the child is identical to its parent (the mutator changed nothing)")
    if not len(child):
        raise OperatorDeclined("the child library would be empty")
    for skill in child:
        if skill.nbytes > limits.max_skill_bytes:
            raise OperatorDeclined(f"skill '{skill.name}' is {skill.nbytes} bytes, over the "
                                   f"{limits.max_skill_bytes}-byte skill limit")
    if child.nbytes > limits.max_library_bytes:
        raise OperatorDeclined(f"the child library is {child.nbytes} bytes, over the "
                               f"{limits.max_library_bytes}-byte library limit")
    diff = parent.diff(child)
    for name in (*diff.added, *diff.changed):
        skill = child[name]
        # every text the student may read: SKILL.md and the bundled text files (references, scripts)
        texts = [skill.text] + [data.decode("utf-8") for data in skill.files.values() if is_text(data)]
        for request in requests:
            copied = next((found for text in texts for found in [shared_ngrams(text, request)] if found), None)
            if copied:
                raise OperatorDeclined(f"skill '{name}' copies a train goal's words ('{copied[0]}'); "
                                       "skills must teach the domain, not a task")


_ERROR = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b:?[ \t]*([^\n]*)")
_FAILED = re.compile(r"\bfail(ed|s|ure)?\b", re.I)
SIGNATURE_WORDS = 6


def _normalise(text: str) -> str:
    # Quoted values differ between goals; the pattern does not. A quote after a letter is an apostrophe ("can't").
    text = re.sub(r"(?<!\w)(['\"`]).*?\1", "…", text)
    text = re.sub(r"\d+(\.\d+)?", "#", text)
    return " ".join(text.split()[:SIGNATURE_WORDS])


_RAISED = re.compile(r"^([A-Z]\w*(?:Error|Exception)): ?(.*)$", re.MULTILINE)


def raised_error(feedback: str) -> tuple[str, str] | None:
    """(kind, message) of the exception the notebook raised: the first line that starts 'SomeError: ...' (the
    evaluator's "Error:" section; a bare traceback's last line). Mentions elsewhere — a traceback's source line
    `raise TraitTypeError(...)`, the pitfall notes below it — are not errors that happened; when no line starts
    so, the last mention anywhere."""
    anchored = _RAISED.search(feedback)
    if anchored:
        return anchored[1], anchored[2].strip()
    errors = _ERROR.findall(feedback)
    return (errors[-1][0], errors[-1][1].strip()) if errors else None


def signature(feedback: str) -> str:
    """What groups failures: 'ValueError: not enough values to unpack (expected #,' (the raised error), else the
    first line that says something failed ('- [FAIL] rate_in_range: # not in'), else the first line."""
    raised = raised_error(feedback)
    if raised:
        kind, message = raised
        return f"{kind}: {_normalise(message)}".rstrip(": ")
    lines = [line.strip() for line in feedback.splitlines() if line.strip()]
    failing = next((line for line in lines if _FAILED.search(line)), lines[0] if lines else "")
    return _normalise(failing) or "(no feedback)"
