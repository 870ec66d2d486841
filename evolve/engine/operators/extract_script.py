"""extract-script: a function that passing notebooks keep writing becomes a skill's script, with a test (no model call).

Why: a 1.5B student rewrites (and gets wrong) the same analysis code in every trial; a helper that passing notebooks
defined alike, shipped in `scripts/` and importable as `skill_scripts.<name>` (evolve.skill_scripts), is code it
can call instead of rewrite.

Contract (arity 1): among the solved train trials of parents[0] (`OperatorInput.successes`), a top-level function
qualifies when at least `MIN_RECURRENCE` of them define it with the same source (after `ast.unparse`), it is
self-contained (every name it reads is a builtin, its own, or bound by one of the notebook's imports, which the
script repeats), it is not already a script of the library, and its name is an importable module name that is not
a test's. The most recurring one wins (ties: the longest, then by name). The script `scripts/<function>.py` holds
the imports it needs and the function; its test `scripts/test_<function>.py` calls it as a passing notebook did when
that call's arguments are all literals (it passes when the call raises nothing), and otherwise checks it is
importable and callable.
It goes to the student skill injected into the most of those trials (ties by name), whose body gains a short section
saying how to import it. Declines when no function qualifies, or when the child breaks the limits
(`common.decline_bad_child`). The engine's gate then runs the test in the sandbox before the child gets a trial.
"""
from __future__ import annotations

import ast
import builtins
from collections import Counter
from dataclasses import dataclass

from ...models import ModelClient
from ...skill_scripts import PACKAGE
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import decline_bad_child
from .promote_example import example_code

MIN_RECURRENCE = 2
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Helper:
    name: str
    source: str  # the function, unparsed
    imports: tuple[str, ...]  # the import statements it needs, unparsed
    call: str | None  # a literal-argument call a passing notebook made, unparsed; None: none found


def helpers_in(code: str) -> list[Helper]:
    """The self-contained top-level functions of `code` (see the module contract)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound: dict[str, str] = {}  # name an import binds -> that import statement
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound[(alias.asname or alias.name).split(".")[0]] = ast.unparse(node)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.name.isidentifier() or node.name.startswith(("_", "test")):
            continue
        free = _free_names(node)
        if any(name not in bound and name not in _BUILTINS for name in free):
            continue  # reads a notebook global: not a helper on its own
        imports = tuple(dict.fromkeys(bound[name] for name in sorted(free) if name in bound))
        found.append(Helper(node.name, ast.unparse(node), imports, _literal_call(tree, node.name)))
    return found


def _free_names(function: ast.FunctionDef) -> set[str]:
    assigned = {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
    assigned |= {a.arg for a in (function.args.vararg, function.args.kwarg) if a is not None}
    loads = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else assigned).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.Lambda) and node is not function:
            if isinstance(node, ast.FunctionDef):
                assigned.add(node.name)
            arguments = node.args
            assigned |= {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        elif isinstance(node, ast.comprehension | ast.ExceptHandler | ast.alias):
            name = getattr(node, "name", None) or getattr(node, "asname", None)
            if isinstance(name, str):
                assigned.add(name)
    return loads - assigned - {function.name}


def _literal_call(tree: ast.Module, name: str) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            try:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    ast.literal_eval(argument)
            except (ValueError, TypeError, SyntaxError):
                continue
            if not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords):
                return ast.unparse(node)
    return None


def script_text(helper: Helper) -> str:
    return "\n".join([f'"""{helper.name}: a helper passing notebooks defined alike (extracted by evolve)."""',
                      *helper.imports, "", "", helper.source, ""])


def test_text(helper: Helper) -> str:
    head = f"from {PACKAGE}.{helper.name} import {helper.name}\n\n\n"
    if helper.call is not None:  # the test passes when the call raises nothing, as in the notebook
        return head + f"def test_{helper.name}_runs_as_a_passing_notebook_called_it():\n    {helper.call}\n"
    return head + f"def test_{helper.name}_is_callable():\n    assert callable({helper.name})\n"


class ExtractScript:
    name = "extract-script"
    arity = 1

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        parent = given.parents[0]
        if not given.successes:
            raise OperatorDeclined("no solved train trial to take a helper from")
        shipped = {module[:-3] for skill in parent for module in skill.scripts}
        seen: Counter[tuple[str, str]] = Counter()
        helpers: dict[tuple[str, str], Helper] = {}
        injected: dict[tuple[str, str], Counter[str]] = {}
        for success in given.successes:
            for helper in {(h.name, h.source): h for h in helpers_in(example_code(success.code))}.values():
                if helper.name in shipped:
                    continue
                key = (helper.name, helper.source)
                seen[key] += 1
                if key not in helpers or (helpers[key].call is None and helper.call is not None):
                    helpers[key] = helper
                injected.setdefault(key, Counter()).update(success.injected)
        recurring = [key for key, count in seen.items() if count >= MIN_RECURRENCE]
        if not recurring:
            raise OperatorDeclined(f"no self-contained function recurs in {MIN_RECURRENCE}+ passing train notebooks")
        key = max(recurring, key=lambda k: (seen[k], len(k[1]), k[0]))
        helper = helpers[key]
        students = [s for s in parent if s.role == "student"]
        if not students:
            raise OperatorDeclined("the library has no student skill to ship the script")
        target = max(sorted(students, key=lambda s: s.name), key=lambda s: injected[key][s.name])  # ties: first name
        module = f"scripts/{helper.name}.py"
        body = (f"{target.body.rstrip()}\n\n## Helper `{helper.name}` (tested)\n\n"
                f"```python\nfrom {PACKAGE}.{helper.name} import {helper.name}\n```")
        skill = Skill(target.name, target.description, body, target.metadata, target.extra,
                      {**target.files, module: script_text(helper).encode(),
                       f"scripts/test_{helper.name}.py": test_text(helper).encode()})
        child = parent.with_skill(skill)
        decline_bad_child(parent, child, given.limits, [s.request for s in given.successes])
        return Proposal(child, f"extracted {helper.name}() into {target.name}/{module} with a test: {seen[key]} passing "
                               "train notebooks defined it alike; the student can import it instead of rewriting it.")
