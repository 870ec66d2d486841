"""Verified skills (evolve.engine.examples): a child's complete examples run in the real sandbox before it gets a
trial; one that does not run is refused with its error and goes back to its operator for one repair; outcomes are
cached by the example's hash, on disk too; a sandbox failure is never blamed on the example."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import engine_fixtures
from evolve.archive import open_for_reading
from evolve.cli import main
from evolve.engine.examples import ExampleRun, ExampleVerifier, examples_of, sandbox_runner
from evolve.library import Library
from evolve.plugin import load_plugin
from evolve.skills import Skill

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def skill(name: str, *examples: str, prose: str = "Some advice.") -> Skill:
    body = prose + "".join(f"\n\n```python\n# complete example\n{code}\n```\n" for code in examples)
    body += "\n\n```python\nx = 1  # a snippet, not a complete example\n```\n"
    return Skill(name, f"Use when {name} is needed.", body, {"role": "student"})


class Counting:
    def __init__(self, broken: str = "BROKEN", ours: str = "SANDBOX"):
        self.codes: list[str] = []
        self.broken, self.ours = broken, ours

    def __call__(self, code: str) -> ExampleRun:
        self.codes.append(code)
        if self.ours in code:
            return ExampleRun(False, "the sandbox failed: OSError", ours=True)
        if self.broken in code:
            return ExampleRun(False, "NameError: name 'BROKEN' is not defined")
        return ExampleRun(True)


def test_only_complete_examples_of_new_or_changed_skills_run():
    parent = Library.of([skill("a", "print(1)"), skill("b", "print(2)")])
    child = Library.of([skill("a", "print(1)"), skill("b", "print(3)", "print(4)"), skill("c", "print(5)")])
    assert [(e.skill, e.index) for e in examples_of(child)] == [("a", 0), ("b", 0), ("b", 1), ("c", 0)]
    run = Counting()
    assert ExampleVerifier(run).check(child, parent) == []
    assert run.codes == ["# complete example\nprint(3)\n", "# complete example\nprint(4)\n",
                         "# complete example\nprint(5)\n"]


def test_a_failing_example_is_a_problem_with_its_error_and_its_skill(tmp_path):
    child = Library.of([skill("a", "print(1)", "BROKEN")])
    (problem,) = ExampleVerifier(Counting()).check(child, None)
    assert problem.code == "example-fails" and "complete example 2 of 'a' does not run: NameError" in problem.message
    assert problem.path.parent.name == "a"


def test_outcomes_are_cached_by_hash_across_verifiers_and_kills(tmp_path):
    child = Library.of([skill("a", "print(1)", "BROKEN")])
    first = Counting()
    ExampleVerifier(first, tmp_path).check(child, None)
    again = Counting()
    problems = ExampleVerifier(again, tmp_path).check(Library.of([skill("z", "print(1)", "BROKEN")]), None)
    assert len(first.codes) == 2 and again.codes == [] and [p.code for p in problems] == ["example-fails"]
    (tmp_path / next(p.name for p in tmp_path.iterdir())).write_text("{damaged")  # a half-written cache file
    assert len(ExampleVerifier(Counting(), tmp_path).check(child, None)) == 1


def test_a_sandbox_failure_refuses_the_child_for_now_but_is_never_cached_as_the_examples_fault(tmp_path):
    run = Counting()
    verifier = ExampleVerifier(run, tmp_path)
    child = Library.of([skill("a", "SANDBOX = 1")])
    (problem,) = verifier.check(child, None)
    assert problem.code == "example-unverified" and not list(tmp_path.iterdir())
    verifier.check(child, None)
    assert len(run.codes) == 2  # tried again, not remembered


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory):
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    return sandbox_runner(plugin.startup_files(), tmp_path_factory.mktemp("examples"), timeout_s=30, memory_mb=2048,
                          disk_mb=256, max_tasks=64)


def test_in_the_sandbox_a_wrong_import_is_refused_with_its_error_and_a_right_one_runs(sandboxed):
    child = Library.of([skill("a", "import json\nopen('results.json', 'w').write(json.dumps({'ok': 1}))"),
                        skill("b", "import tvb.basic.connectivity")])
    (problem,) = ExampleVerifier(sandboxed).check(child, None)
    assert problem.code == "example-fails" and "'b'" in problem.message
    assert "ModuleNotFoundError" in problem.message and "tvb" in problem.message


def test_in_the_sandbox_an_example_that_hangs_is_stopped_and_refused(tmp_path):
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    run = sandbox_runner(plugin.startup_files(), tmp_path, timeout_s=3, memory_mb=2048, disk_mb=256, max_tasks=64)
    outcome = run("# complete example\nimport time\ntime.sleep(120)\n")
    assert not outcome.ok and not outcome.ours and outcome.wall_s < 60


def test_a_run_refuses_a_child_whose_example_fails_and_its_operator_repairs_it_once(tmp_path):
    model = engine_fixtures.install(example_imports=["tvb.basic.connectivity", "json"])
    config = engine_fixtures.write_config(tmp_path, verify_examples=True, generations=1)
    assert main(["--config", str(config), "run"]) == 0
    reader = open_for_reading(tmp_path / "evolve.duckdb")
    try:
        edges = reader.rows("SELECT accepted, note FROM origins WHERE operator <> 'seed' ORDER BY generation, note")
    finally:
        reader.close()
    refused = [e for e in edges if "does not run" in e["note"]]
    repaired = [e for e in edges if e["note"].startswith("repair of")]
    assert len(refused) == 1 and refused[0]["accepted"] is False and "ModuleNotFoundError" in refused[0]["note"]
    assert len(repaired) == 1 and repaired[0]["accepted"] is True  # the repair ran, and then won its minibatch
    assert len(model.mutator_prompts) == 2 and "does not run: ModuleNotFoundError" in model.mutator_prompts[1]
