"""A skill's bundled files: everything in its folder besides SKILL.md (`references/`, `scripts/`, `assets/`).

Contract:
- A bundle is a mapping relative POSIX path → bytes. `canonical(path, data)` is the stored form: a file that is
  UTF-8 text (no NUL byte) is normalised like SKILL.md (`skills.normalize`: NFC, LF, no trailing spaces, one
  final newline), anything else (a binary asset) is kept byte for byte. Two folders that differ only in those
  ways hold the same bundle.
- `unsafe_path(path)` is the reason a relative path may not be in a bundle (absolute, `..`, backslashes, empty
  or hidden parts, SKILL.md itself), or None. `Skill` refuses such a path with ValueError; `read(folder)` reports
  it as a Problem naming the file.
- `identity(skill_sha, files)`: a skill without files is identified by the sha256 of its SKILL.md alone (so every
  archive written before bundles keeps its hashes); with files, by the sha256 of a manifest listing SKILL.md's hash
  and each file's path and hash.
- `read(folder, limits)` walks a skill folder (hidden files, `__pycache__` and `*.pyc` are not part of it; a
  symlink is followed only when it stays inside the folder) and returns the bundle and every problem found;
  `problems_of(base, files, limits)` checks a bundle already in memory: per-file and total size, and for
  `scripts/`: Python files only, that parse, named as importable modules, each with its test `test_<name>.py`.
- `changed_paths(old, new)`: which paths differ between two bundles (added, removed or changed).
"""
from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .problems import Problem

SKILL_FILE = "SKILL.md"
SCRIPTS = "scripts"
REFERENCES = "references"
ASSETS = "assets"
SKIPPED_NAMES = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc",)
MAX_FILE_BYTES = 65_536
MAX_BUNDLE_BYTES = 262_144


@dataclass(frozen=True)
class BundleLimits:
    max_file_bytes: int = MAX_FILE_BYTES  # one bundled file
    max_bundle_bytes: int = MAX_BUNDLE_BYTES  # all of a skill's bundled files together


DEFAULT_LIMITS = BundleLimits()


def is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def canonical(data: bytes) -> bytes:
    """The stored form of one file (see the module contract)."""
    from .skills import normalize  # (skills imports this module)

    return normalize(data.decode("utf-8")).encode("utf-8") if is_text(data) else bytes(data)


def unsafe_path(path: str) -> str | None:
    """Why `path` cannot name a file of a bundle, or None when it can."""
    if not path:
        return "an empty path"
    if "\\" in path:
        return "a backslash in the path (use '/')"
    if path.startswith("/") or PurePosixPath(path).is_absolute():
        return "an absolute path (paths are relative to the skill folder)"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "a '.', '..' or empty part (paths stay inside the skill folder)"
    if any(part.startswith(".") for part in parts):
        return "a hidden file or folder"
    if path == SKILL_FILE:
        return "SKILL.md is the skill's text, not a bundled file"
    return None


def identity(skill_sha: str, files: Mapping[str, bytes]) -> str:
    if not files:
        return skill_sha
    lines = ["evolve skill package 1", f"{SKILL_FILE} {skill_sha}"]
    lines += [f"{path} {hashlib.sha256(files[path]).hexdigest()}" for path in sorted(files)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def changed_paths(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> tuple[str, ...]:
    return tuple(sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p)))


def nbytes(files: Mapping[str, bytes]) -> int:
    return sum(len(data) for data in files.values())


def read(folder: Path, limits: BundleLimits | None = None) -> tuple[dict[str, bytes], list[Problem]]:
    """Every bundled file of the skill folder, canonical, and every problem (see the module contract)."""
    folder, limits = Path(folder), limits or DEFAULT_LIMITS
    root = folder.resolve()
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for current, dirs, names in os.walk(folder, followlinks=False):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_NAMES)
        for name in list(dirs):
            if (here / name).is_symlink():  # os.walk does not descend into it: read it as files, if it stays inside
                dirs.remove(name)
                problems += _escaping(here / name, root) or [Problem(
                    here / name, "a symlinked folder; put the files themselves in the skill folder", None,
                    "file-symlink")]
        for name in sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if name.startswith(".") or name.endswith(SKIPPED_SUFFIXES) or relative == SKILL_FILE:
                continue
            if relative.lower() == SKILL_FILE.lower():
                continue  # skills.load reports the lower-case name
            reason = unsafe_path(relative)
            if reason:
                problems.append(Problem(path, f"cannot be bundled: {reason}", None, "file-path"))
                continue
            escaping = _escaping(path, root) if path.is_symlink() else []
            if escaping:
                problems += escaping
                continue
            try:
                size = path.stat().st_size
                if size > limits.max_file_bytes:
                    problems.append(_too_large(path, size, limits))
                    continue
                files[relative] = canonical(path.read_bytes())
            except OSError as error:
                problems.append(Problem(path, f"cannot be read: {error.strerror or error}", None, "file-unreadable"))
    problems += problems_of(folder, files, limits)
    return files, problems


def problems_of(base: Path, files: Mapping[str, bytes], limits: BundleLimits | None = None) -> list[Problem]:
    """A bundle's own problems, each naming its file as `base/<path>` (see the module contract)."""
    problems: list[Problem] = []
    limits = limits or DEFAULT_LIMITS
    for path in sorted(files):
        data = files[path]
        where = Path(base) / path
        reason = unsafe_path(path)
        if reason:
            problems.append(Problem(where, f"cannot be bundled: {reason}", None, "file-path"))
            continue
        if len(data) > limits.max_file_bytes:
            problems.append(_too_large(where, len(data), limits))
        if path.startswith(f"{SCRIPTS}/"):
            problems += _script_problems(where, path, data, files)
    total = nbytes(files)
    if total > limits.max_bundle_bytes:
        problems.append(Problem(Path(base), f"the bundled files hold {total} bytes; the limit is "
                                            f"{limits.max_bundle_bytes} ([library] max_bundle_bytes)", None,
                                "bundle-too-large"))
    return problems


def script_modules(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bundle's scripts by module file name (`scripts/onset.py` → `onset.py`): what a notebook can import."""
    prefix = f"{SCRIPTS}/"
    return {path[len(prefix):]: data for path, data in files.items()
            if path.startswith(prefix) and path.count("/") == 1 and path.endswith(".py")}


def clashes(scripts: Mapping[str, Mapping[str, bytes]]) -> list[tuple[str, str, str]]:
    """(skill, module file, message) for every script module another skill of the library also ships: routed
    together, one would hide the other. Test modules included (the gate imports them by name)."""
    owners: dict[str, list[str]] = {}
    for skill in sorted(scripts):
        for module in scripts[skill]:
            owners.setdefault(module, []).append(skill)
    return [(skill, module, f"skills {', '.join(names)} all ship scripts/{module}; rename one (routed together, "
                            "one would hide the other)")
            for module, names in sorted(owners.items()) if len(names) > 1 for skill in names[1:]]


def is_test(module_file: str) -> bool:
    return module_file.startswith("test_")


def _script_problems(where: Path, path: str, data: bytes, files: Mapping[str, bytes]) -> list[Problem]:
    name = path[len(SCRIPTS) + 1:]
    if "/" in name or not name.endswith(".py"):
        return [Problem(where, "scripts/ holds Python modules only (scripts/<module>.py, no subfolders)", None,
                        "script-not-python")]
    stem = name[:-3]
    if not stem.isidentifier() or not stem.isascii() or stem.startswith("_"):
        return [Problem(where, f"'{stem}' cannot be imported: name a script like a Python module (a-z, 0-9, _)",
                        None, "script-name")]
    if not is_text(data):
        return [Problem(where, "a script must be UTF-8 text", None, "script-not-python")]
    try:
        ast.parse(data.decode("utf-8"), filename=path)
    except SyntaxError as error:
        return [Problem(where, f"does not parse as Python: {error.msg}", error.lineno, "script-syntax")]
    if not is_test(name) and f"{SCRIPTS}/test_{name}" not in files:
        return [Problem(where, f"has no test: add scripts/test_{name} with test_* functions (the gate runs them)",
                        None, "script-untested")]
    return []


def _too_large(where: Path, size: int, limits: BundleLimits) -> Problem:
    return Problem(where, f"the file is {size} bytes; the limit is {limits.max_file_bytes} ([library] "
                          "max_file_bytes)", None, "file-too-large")


def _escaping(path: Path, root: Path) -> list[Problem]:
    target = path.resolve()
    if target.is_relative_to(root):
        return []
    return [Problem(path, f"a symlink that leaves the skill folder (to {target}); bundle the file itself", None,
                    "file-symlink")]
