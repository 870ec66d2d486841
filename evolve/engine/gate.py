"""The gate: may a proposed child library be tried at all? Checked before a single trial is spent on it.

`check_child` is a pure function returning `Problem`s (empty = the child passes). One stable code per kind:

- `invalid-skill`  a skill's SKILL.md text does not re-parse cleanly (spec rules, our metadata rules), or
                   re-parses to a different skill (it would not survive being written and read back);
                   the message carries the parser's own code in brackets.
- `over-budget`    a skill over `limits.max_skill_bytes`, or the library over `limits.max_library_bytes`.
- `leak`           a new or changed skill shares an 8-word n-gram with a held-out (val/test) goal's request.
- `unsafe`         a new or changed skill fails the safety screen (`evolve.engine.safety`).
- `invalid-file`   a skill's bundled file breaks a rule of evolve.bundle (unsafe path, size, a script that does
                   not parse, is not importable or has no test); the message carries the rule's code in brackets.
- `script-clash`   two skills ship a script module of the same name (routed together, one would hide the other).
- `empty`          the library has no skills.
- `train-specific` a new or changed skill newly states a train goal's specifics: a region label (`rV1`, `lA1`)
                   or a non-round number (0.042, 137) that the goal's request names and the parent's skills
                   did not; values a promoted example keeps as named task parameters (`TASK_VALUE_1 = 500.0  #
                   from the task`) are allowed. A skill must teach the domain, not one training task's answer.
                   Only with a parent (a first library, e.g. the seed, has no baseline to be new against).

Spec validity and budgets concern the whole child (a library is only as valid as its worst skill). Leakage and
safety are checked on skills that are new or changed relative to the parent (every skill when there is no
parent): unchanged skills passed the gate when they were introduced, and the seed library is checked by the
benchmark tests, so re-screening them would only re-report old news.

A skill is its whole folder: the leakage, safety and train-specific screens read its bundled text files too (a
reference as Markdown, a script as code: every line of it counts as code), each reported under its own path.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from collections.abc import Mapping

from .. import bundle
from ..config import LibraryLimits
from ..leakage import DEFAULT_N, ngrams
from ..library import Library
from ..problems import Problem
from ..skills import parse, sha256
from .safety import findings

CHILD = Path("<child>")
# Mirrors evolve.leakage's tokenisation (lower-cased [a-z0-9_]+ words) so a reported n-gram can be located.
_WORD = re.compile(r"[a-z0-9_]+")
_MAX_GRAMS_SHOWN = 3


def check_child(child: Library, parent: Library | None, held_out: Mapping[str, str],
                limits: LibraryLimits, train: Mapping[str, str] | None = None) -> list[Problem]:
    """Every reason `child` must not be tried; empty when it passes.

    `held_out` maps a val/test goal slug to its GOAL.md text; `train` a train goal slug to its text (for the
    train-specific screen; none given: not screened). Problems are ordered: empty, then per skill (by name)
    invalid / over-budget / leak / unsafe / train-specific, then the library budget."""
    if len(child) == 0:
        return [Problem(CHILD, "the library has no skills", None, "empty")]
    fresh = _new_or_changed(child, parent)
    # Skill.text renders YAML on every access and goal n-grams are the same for every skill: compute each once.
    texts = {name: skill.text for name, skill in child.skills.items()}
    goal_grams = {slug: ngrams(held_out[slug], DEFAULT_N) for slug in sorted(held_out)} if fresh else {}
    parent_text = "\n".join(text for skill in parent for text in [skill.text] + [t for _, t in _bundled_texts(
        skill.name, skill.files)]) if parent is not None and train else ""
    problems: list[Problem] = []
    for name, text in texts.items():
        path = skill_path(name)
        nbytes = len(text.encode("utf-8"))
        problems += _spec_problems(text, name, path)
        if nbytes > limits.max_skill_bytes:
            problems.append(Problem(path, f"the skill is {nbytes} bytes; the limit is {limits.max_skill_bytes} "
                                          "(compress it or split it)", None, "over-budget"))
        skill = child.skills[name]
        problems += [Problem(p.path, f"{p.message} [{p.code}]", p.line, "invalid-file")
                     for p in bundle.problems_of(CHILD / name, skill.files, limits.bundle)]
        if name in fresh:
            for where, screened in [(path, text), *_bundled_texts(name, skill.files)]:
                problems += _leak_problems(screened, where, goal_grams)
                problems += [Problem(where, f"unsafe: {f.kind}: `{f.match}` — {f.reason}", _line(f.line, where),
                                     "unsafe") for f in findings(_as_screened(screened, where))]
                if train and parent is not None:  # "newly" needs a parent: a first library has no baseline
                    problems += _specific_problems(screened, where, parent_text, train)
    problems += [Problem(CHILD / name / bundle.SCRIPTS / module, message, None, "script-clash")
                 for name, module, message in bundle.clashes({n: s.scripts for n, s in child.skills.items()})]
    library_bytes = sum(len(text.encode("utf-8")) for text in texts.values())
    if library_bytes > limits.max_library_bytes:
        problems.append(Problem(CHILD, f"the library is {library_bytes} bytes over {len(child)} skills; the limit is "
                                       f"{limits.max_library_bytes} (drop or compress a skill)", None, "over-budget"))
    return problems


def _bundled_texts(name: str, files: Mapping[str, bytes]) -> list[tuple[Path, str]]:
    """(label, text) of a skill's bundled text files; binary assets are not text to screen."""
    return [(CHILD / name / path, data.decode("utf-8")) for path, data in files.items() if bundle.is_text(data)]


def _is_script(where: Path) -> bool:
    return where.suffix == ".py" and bundle.SCRIPTS in where.parts


def _as_screened(text: str, where: Path) -> str:
    """A script is all code: fenced, so the safety screen reads every line as code (no prose excuses)."""
    return f"```python\n{text}```\n" if _is_script(where) else text


def _line(line: int | None, where: Path) -> int | None:
    return line - 1 if line is not None and _is_script(where) else line  # (the fence's line)


def skill_path(name: str) -> Path:
    """Where a child's skill would live; used only to label problems (nothing is written)."""
    return CHILD / name / "SKILL.md"


def _new_or_changed(child: Library, parent: Library | None) -> set[str]:
    if parent is None:
        return set(child.skills)
    diff = parent.diff(child)
    return set(diff.added) | set(diff.changed)


def _spec_problems(text: str, name: str, path: Path) -> list[Problem]:
    # The byte limit is the gate's own check (code `over-budget`), so the parser's size check is switched off.
    parsed, found = parse(text, path, folder_name=name, max_bytes=sys.maxsize)
    problems = [Problem(path, f"{p.message} [{p.code}]", p.line, "invalid-skill") for p in found]
    if parsed is not None and not found and parsed.sha256 != sha256(text):
        problems.append(Problem(path, "the skill changes when its SKILL.md is read back (frontmatter values that "
                                      "YAML rewrites?); it would not survive export", None, "invalid-skill"))
    return problems


def _leak_problems(text: str, path: Path, goal_grams: Mapping[str, set]) -> list[Problem]:
    """One `leak` per held-out goal the skill shares n-grams with (as evolve.leakage.shared_ngrams finds them)."""
    problems = []
    skill_grams = ngrams(text, DEFAULT_N)
    for slug, grams_of_goal in goal_grams.items():
        grams = sorted(" ".join(gram) for gram in skill_grams & grams_of_goal)
        if not grams:
            continue
        first, line = _earliest(text, grams)
        shown = "; ".join(f'"{g}"' for g in ([first] + [g for g in grams if g != first])[:_MAX_GRAMS_SHOWN])
        more = f" (+{len(grams) - _MAX_GRAMS_SHOWN} more)" if len(grams) > _MAX_GRAMS_SHOWN else ""
        problems.append(Problem(
            path, f"copies {len(grams)} {DEFAULT_N}-word phrase(s) from held-out goal '{slug}': {shown}{more}; "
                  "teach the domain in your own words, never a held-out request's",
            line, "leak"))
    return problems


_LABEL = re.compile(r"\b[lr][A-Z][A-Za-z0-9]{0,7}\b")  # TVB's region labels: rV1, lA1, rPFCDL, ...
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\d)")
_TASK_PARAMETER = re.compile(r"^\s*TASK_VALUE_\d+\s*=.*#\s*from the task", re.MULTILINE)


def specifics(text: str) -> set[str]:
    """A text's region labels and non-round numbers: decimals with two or more significant digits (0.042,
    3.25) and integers of three or more digits that are not multiples of ten (137, 1013)."""
    found = set(_LABEL.findall(text))
    for number in _NUMBER.findall(text):
        digits = number.replace(".", "").strip("0")
        if ("." in number and len(digits) >= 2) or ("." not in number and len(number) >= 3 and number[-1] != "0"):
            found.add(number)
    return found


def _specific_problems(text: str, path: Path, parent_text: str, train: Mapping[str, str]) -> list[Problem]:
    """One `train-specific` per train goal whose specifics the skill newly states (task parameters excepted)."""
    own = specifics(_TASK_PARAMETER.sub("", text)) - specifics(parent_text)
    problems = []
    for slug in sorted(train):
        copied = sorted(own & specifics(train[slug]))
        if copied:
            problems.append(Problem(path, f"states train goal '{slug}'s specifics: {', '.join(copied[:5])}; teach "
                                          "the rule, not one task's values", None, "train-specific"))
    return problems


def _earliest(text: str, grams: list[str]) -> tuple[str, int | None]:
    """The shared n-gram that occurs first in the skill, and its line (so the report points at the first copy)."""
    matches = list(_WORD.finditer(text.lower()))
    wanted = set(grams)
    for i in range(len(matches) - DEFAULT_N + 1):
        gram = " ".join(m.group(0) for m in matches[i:i + DEFAULT_N])
        if gram in wanted:
            return gram, text.count("\n", 0, matches[i].start()) + 1
    return grams[0], None
