"""Scripts a notebook can use (evolve.skill_scripts): the scripts of the skills routed to a trial are importable
read-only inside the sandbox (cold and warm kernels), a script's test runs in the gate and a failing one refuses the
child with its error, and a changed script changes the trial key."""
from __future__ import annotations

from pathlib import Path

import pytest

from evolve import notebook as nb_io
from evolve import skill_scripts
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.engine.examples import ExampleVerifier, sandbox_runner
from evolve.evaluation import evaluate, kernel_pool
from evolve.goals import load_goal
from evolve.library import Library
from evolve.plugin import load_plugin
from evolve.sandbox import execute_notebook
from evolve.skills import Skill

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SETTINGS = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=3072)

COUNTER = b'''"""Counting helpers."""


def count_to(n):
    return list(range(1, n + 1))
'''
COUNTER_TEST = b'''from skill_scripts.counter import count_to


def test_count_to_three():
    assert count_to(3) == [1, 2, 3]
'''
WRONG_TEST = b'''from skill_scripts.counter import count_to


def test_count_to_three():
    assert count_to(3) == [0, 1, 2], "counts from zero"
'''
NOTEBOOK = """# %%
from skill_scripts.counter import count_to
import json, pathlib, skill_scripts.counter as module
try:
    pathlib.Path(module.__file__).write_text("hijacked = True\\n")
    writable = True
except OSError:
    writable = False
json.dump({"count": count_to(3), "writable": writable}, open("results.json", "w"))
"""


def counting(test: bytes = COUNTER_TEST, source: bytes = COUNTER) -> Skill:
    return Skill("counting", "Use when counting.", "# Counting\n\nUse `skill_scripts.counter.count_to`.",
                 {"role": "student"}, {}, {"scripts/counter.py": source, "scripts/test_counter.py": test})


def test_the_package_holds_the_routed_skills_scripts_and_says_where_each_came_from():
    package = skill_scripts.importable([counting(), Skill("plain", "Use when plain.", "# P\n\nText.")])
    assert sorted(package) == ["skill_scripts/__init__.py", "skill_scripts/counter.py", "skill_scripts/test_counter.py"]
    assert b"counter: skill counting" in package["skill_scripts/__init__.py"]
    assert skill_scripts.importable([Skill("plain", "Use when plain.", "# P\n\nText.")]) == {}
    assert skill_scripts.digest({}) == "" and skill_scripts.digest(package) != skill_scripts.digest(
        skill_scripts.importable([counting(source=COUNTER + b"\nX = 1\n")]))


def test_a_sandboxed_notebook_imports_a_routed_script_and_cannot_change_it(tmp_path):
    import json

    package = skill_scripts.importable([counting()])
    record = execute_notebook(nb_io.from_reply(NOTEBOOK).notebook, tmp_path / "work", importable=package)
    assert record.executed, record.error or record.infrastructure_error
    assert json.loads((tmp_path / "work" / "results.json").read_text()) == {"count": [1, 2, 3], "writable": False}
    without = execute_notebook(nb_io.from_reply(NOTEBOOK).notebook, tmp_path / "bare")
    assert not without.executed and "No module named 'skill_scripts'" in (without.error or "")


@pytest.fixture(scope="module")
def tiny():
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    return goal, load_plugin(FIXTURES / "tiny_plugin")


def test_a_warm_kernel_gets_the_scripts_of_its_own_trial_only(tiny, tmp_path):
    import json

    goal, plugin = tiny
    pool = kernel_pool(plugin, SETTINGS, size=1)
    try:
        notebook = nb_io.from_reply(NOTEBOOK).notebook
        first = evaluate(notebook, goal, plugin, SETTINGS, ScoreWeights(), tmp_path / "a", kernels=pool,
                         importable=skill_scripts.importable([counting()]))
        second = evaluate(notebook, goal, plugin, SETTINGS, ScoreWeights(), tmp_path / "b", kernels=pool)
    finally:
        pool.close()
    assert first.executed, first.error
    assert json.loads((tmp_path / "a" / "work" / "results.json").read_text())["count"] == [1, 2, 3]
    assert not second.executed and "skill_scripts" in (second.error or "")


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    return sandbox_runner(plugin.startup_files(), tmp_path_factory.mktemp("scripts"), timeout_s=30, memory_mb=2048,
                          disk_mb=256, max_tasks=64)


def test_the_gate_runs_a_scripts_test_and_refuses_the_child_when_it_fails(sandboxed, tmp_path):
    verifier = ExampleVerifier(sandboxed, tmp_path / "cache")
    assert verifier.check(Library.of([counting()]), None) == []
    (problem,) = verifier.check(Library.of([counting(test=WRONG_TEST)]), None)
    assert problem.code == "script-fails" and problem.path.as_posix() == "<child>/counting/scripts/test_counter.py"
    assert "AssertionError" in problem.message and "counts from zero" in problem.message
    executed = verifier.executed
    assert ExampleVerifier(sandboxed, tmp_path / "cache").check(Library.of([counting()]), None) == []  # cached
    parent = Library.of([counting()])
    assert verifier.check(parent.with_skill(counting().with_body("# Counting\n\nReworded.")), parent) == []
    assert verifier.executed == executed  # the same scripts again: from the cache


USES_SCRIPT = ("```python\n# %%\nimport json\nfrom skill_scripts.counter import count_to\n"
               "total = sum(record(n) for n in count_to(3))\n# %%\njson.dump({'total': total}, open('results.json', 'w'))\n```")


def test_a_scripted_trial_imports_its_routed_skills_script_and_a_changed_script_is_a_new_trial(tmp_path, goal):
    from helpers.trial_data import context

    from evolve.trial import run_trial

    ctx, _ = context(tmp_path, [USES_SCRIPT, USES_SCRIPT], routing="all")
    result = run_trial(goal, Library.of([counting()]), seed=1, ctx=ctx)
    assert (result.score, result.stop_reason, result.injected) == (1.0, "solved", ["counting"])
    assert result.used == ["counting"]  # the notebook imported its script
    edited = run_trial(goal, Library.of([counting(source=COUNTER + b"\nSTEP = 1\n")]), seed=1, ctx=ctx)
    assert not edited.cached and edited.key != result.key and edited.score == 1.0
