"""The scripts of a trial's skills, as the package its notebook imports: `from skill_scripts.onset import f`.

A skill may ship verified helpers in `scripts/<module>.py` (evolve.bundle) instead of prose the student rewrites
in every trial. The scripts of the skills routed to a trial are given to its sandboxed kernel read-only, last on
sys.path (evolve.sandbox: `SandboxKernel.provide`), so an installed package always wins over a script.

Contract:
- `importable(skills)`: relative path → content of the package `skill_scripts` holding every script of the given
  skills (first skill by name wins a module name; the gate refuses libraries where two skills clash), plus an
  `__init__.py` naming where each module came from. Empty when no skill ships a script: nothing is provided.
- `digest(importable)`: a hash of that package for a trial key ('' when empty, so keys of trials without scripts
  do not change).
- `tests_of(library, names)`: one `ScriptTest` per test module (`scripts/test_<module>.py`) of the named skills,
  whose `code` (a one-cell notebook) imports the test module and calls each `test_*` function, and whose
  `importable` is that skill's package alone (a test must pass with its own skill, whatever else is routed).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from . import bundle
from .library import Library
from .skills import Skill

PACKAGE = "skill_scripts"


def importable(skills: Iterable[Skill]) -> dict[str, bytes]:
    modules: dict[str, tuple[str, bytes]] = {}
    for skill in sorted(skills, key=lambda s: s.name):
        for module, source in skill.scripts.items():
            modules.setdefault(module, (skill.name, source))
    if not modules:
        return {}
    origin = "".join(f"#   {module[:-3]}: skill {name}\n" for module, (name, _) in sorted(modules.items()))
    files = {f"{PACKAGE}/__init__.py": f'"""Helpers shipped by the skills of this task."""\n{origin}'.encode()}
    files.update({f"{PACKAGE}/{module}": source for module, (_, source) in modules.items()})
    return files


def digest(package: Mapping[str, bytes]) -> str:
    if not package:
        return ""
    lines = [f"{path} {hashlib.sha256(package[path]).hexdigest()}" for path in sorted(package)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ScriptTest:
    skill: str
    module: str  # test_<name>.py
    code: str
    importable: Mapping[str, bytes] = field(default_factory=dict)


def tests_of(library: Library, names: Sequence[str] | None = None) -> list[ScriptTest]:
    wanted = sorted(library.skills) if names is None else sorted(names)
    found = []
    for name in wanted:
        skill = library.skills.get(name)
        if skill is None:
            continue
        package = importable([skill])
        for module in sorted(m for m in skill.scripts if bundle.is_test(m)):
            found.append(ScriptTest(name, module, _runner_code(module[:-3]), package))
    return found


def _runner_code(test_module: str) -> str:
    # Runs as the notebook's only cell: the first failing test raises with its own traceback.
    return (f"import importlib\n"
            f"_module = importlib.import_module('{PACKAGE}.{test_module}')\n"
            f"_tests = [getattr(_module, n) for n in sorted(dir(_module)) if n.startswith('test_')]\n"
            f"assert _tests, 'scripts/{test_module}.py defines no test_* function'\n"
            f"for _test in _tests:\n"
            f"    if callable(_test):\n"
            f"        _test()\n"
            f"print(f'{{len(_tests)}} test(s) passed')\n")
