"""Verified skills: every complete example a child skill teaches must run before the child gets a single trial.

A 1.5B student adapts a complete runnable example far better than prose (the local-model notes), so an example that
does not run teaches a failure to every trial it is routed to. A skill marks such an example as a Python fence whose
first line is `# complete example`.

Contract:
- `examples_of(library, names)`: the complete examples of the named skills, in skill-name order, each with its
  skill, index in the skill and code.
- `ExampleVerifier(run, cache_dir).check(child, parent)` runs the examples of the skills new or changed relative
  to `parent` (every skill without a parent) through `run(code) -> ExampleRun`, and returns one `Problem`
  (code `example-fails`) per example that did not run, with its error — empty when all ran. An example's outcome
  is cached by the hash of its code (in memory, and in `cache_dir` when given), so an unchanged example never
  runs twice. A run that failed on our side (`ExampleRun.ours`: the sandbox, not the code) is not cached and is
  reported as `example-unverified`: the child is refused for now, never blamed in the cache.
- Scripts (evolve.skill_scripts) are verified the same way: every test module `scripts/test_<name>.py` of a new or
  changed skill runs (each `test_*` function) with the skill's scripts importable exactly as a trial's notebook
  gets them; one that fails is a `script-fails` Problem naming the test file, with its error (`script-unverified`
  when the sandbox failed). Cached by the hash of the runner code and the scripts.
- `sandbox_runner(...)` runs one example as a one-cell notebook in the sandbox (evolve.sandbox), with the domain's
  startup files, in a fresh folder, under a time limit: the same conditions a student's notebook gets. Its `run`
  takes the importable scripts as a second argument; a `run(code)` of one argument is called only for examples
  without scripts.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import skill_scripts
from ..library import Library
from ..problems import Problem

MARK = "# complete example"
_BLOCK = re.compile(r"```python\n(# complete example\n.*?)```", re.DOTALL)
_ERROR_CHARS = 600


@dataclass(frozen=True)
class Example:
    skill: str
    index: int
    code: str
    importable: Mapping[str, bytes] = field(default_factory=dict)  # scripts the code imports (skill_scripts)

    @property
    def sha(self) -> str:
        scripts = skill_scripts.digest(self.importable)  # '' without scripts: an example's cached verdict holds
        return hashlib.sha256((self.code + scripts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ExampleRun:
    ok: bool
    error: str | None = None  # the exception (last lines) when it did not run
    wall_s: float = 0.0
    ours: bool = False  # the sandbox failed, not the code: not the example's fault
    workdir: Path | None = None  # where it ran (what it wrote), when it ran in this process


def examples_of(library: Library, names: Sequence[str] | None = None) -> list[Example]:
    wanted = sorted(library.skills) if names is None else sorted(names)
    # An example runs with its skill's scripts importable, as a trial's notebook would have them.
    return [Example(name, index, code, skill_scripts.importable([library.skills[name]])) for name in wanted
            if name in library.skills for index, code in enumerate(_BLOCK.findall(library.skills[name].body))]


class ExampleVerifier:
    def __init__(self, run: Callable[..., ExampleRun], cache_dir: Path | None = None):
        self.run, self.cache_dir = run, cache_dir
        self._known: dict[str, ExampleRun] = {}
        self.executed = 0  # examples actually run (not from a cache), for reports and tests

    def check(self, child: Library, parent: Library | None) -> list[Problem]:
        if parent is None:
            names = sorted(child.skills)
        else:
            diff = parent.diff(child)
            names = sorted(set(diff.added) | set(diff.changed))
        problems = []
        for example in examples_of(child, names):
            outcome = self.outcome(example)
            if outcome.ok:
                continue
            path = Path("<child>") / example.skill / "SKILL.md"
            which = f"complete example {example.index + 1} of '{example.skill}'"
            if outcome.ours:
                problems.append(Problem(path, f"{which} could not be verified: {outcome.error}", None,
                                        "example-unverified"))
            else:
                problems.append(Problem(path, f"{which} does not run: {outcome.error}", None, "example-fails"))
        for test in skill_scripts.tests_of(child, names):
            outcome = self.outcome(Example(test.skill, 0, test.code, test.importable))
            if outcome.ok:
                continue
            path = Path("<child>") / test.skill / "scripts" / test.module
            which = f"the script test scripts/{test.module} of '{test.skill}'"
            if outcome.ours:
                problems.append(Problem(path, f"{which} could not be run: {outcome.error}", None, "script-unverified"))
            else:
                problems.append(Problem(path, f"{which} fails: {outcome.error}", None, "script-fails"))
        return problems

    def outcome(self, example: Example) -> ExampleRun:
        known = self._known.get(example.sha) or self._read(example.sha)
        if known is None:
            known = self.run(example.code, example.importable) if example.importable else self.run(example.code)
            self.executed += 1
            if not known.ours:
                self._write(example.sha, known)
        if not known.ours:
            self._known[example.sha] = known
        return known

    def _read(self, sha: str) -> ExampleRun | None:
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{sha}.json").read_text())
            return ExampleRun(bool(data["ok"]), data.get("error"), float(data.get("wall_s", 0.0)))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: run it again

    def _write(self, sha: str, outcome: ExampleRun) -> None:
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_dir / f".{sha}.tmp"
        temporary.write_text(json.dumps({"ok": outcome.ok, "error": outcome.error, "wall_s": outcome.wall_s}))
        temporary.replace(self.cache_dir / f"{sha}.json")  # atomic: a kill never leaves half a verdict


def sandbox_runner(startup_files: Sequence[Path], workroot: Path, timeout_s: float, memory_mb: int,
                   disk_mb: int, max_tasks: int, state_env: Mapping[str, str] | None = None
                   ) -> Callable[[str], ExampleRun]:
    """`run(code)` for `ExampleVerifier`: the example as a one-cell notebook in a fresh sandboxed kernel (with the
    domain's `state_env`, as its notebooks have)."""
    from ..notebook import new_notebook
    from ..sandbox import Limits, execute_notebook

    limits = Limits(cell_timeout_s=timeout_s, total_timeout_s=timeout_s, memory_mb=memory_mb, disk_mb=disk_mb,
                    max_tasks=max_tasks)

    def run(code: str, importable: Mapping[str, bytes] | None = None) -> ExampleRun:
        folder = Path(workroot) / f"{hashlib.sha256(code.encode()).hexdigest()[:16]}-{time.time_ns()}"
        started = time.monotonic()
        try:
            record = execute_notebook(new_notebook([("code", code)]), folder / "work", limits,
                                      startup_files=startup_files, evidence_dir=folder / "evidence",
                                      importable=importable, state_env=state_env)
        except Exception as error:  # the sandbox could not be set up: ours
            return ExampleRun(False, f"the sandbox failed: {type(error).__name__}: {error}",
                              time.monotonic() - started, ours=True)
        wall = time.monotonic() - started
        if record.infrastructure_error:
            return ExampleRun(False, record.infrastructure_error[-_ERROR_CHARS:], wall, ours=True)
        if record.executed:
            return ExampleRun(True, None, wall, workdir=record.workdir)
        error = record.error or ("timed out" if record.timed_out else "it did not finish")
        return ExampleRun(False, error[-_ERROR_CHARS:], wall, workdir=record.workdir)

    return run
