"""The shipped seed library: valid, and every complete example in it runs as written.

A 1.5B student adapts a complete runnable example far better than API hints (5/5 vs 0/14 runnable answers,
see the local-model notes), so examples marked '# complete example' must really be complete."""
import re
from pathlib import Path

import pytest

from evolve import bundle, skill_scripts
from evolve.engine.examples import sandbox_runner
from evolve.library import load_library
from evolve.plugin import load_plugin

ROOT = Path(__file__).resolve().parent.parent
SKILLS = ROOT / "skills"
BLOCK = re.compile(r"```python\n(# complete example\n.*?)```", re.DOTALL)


def examples():
    library, _ = load_library(SKILLS)
    return [(skill.name, index, code) for skill in library
            for index, code in enumerate(BLOCK.findall(skill.body))]


def test_seed_library_is_valid_and_within_size():
    library, problems = load_library(SKILLS)
    assert problems == []
    assert len(library) >= 3
    for skill in library:
        assert 300 <= skill.nbytes <= 4096, (skill.name, skill.nbytes)


def test_at_least_one_complete_example_exists():
    assert examples()


@pytest.mark.parametrize("name,index,code", examples(), ids=lambda v: str(v)[:30])
def test_complete_example_passes_the_verified_skill_gate(tmp_path, name, index, code):
    """Through the gate a child's examples go through (evolve.engine.examples): the sandbox, the TVB plugin's
    startup files, a fresh folder, a time limit."""
    plugin = load_plugin(ROOT / "evaluators" / "tvb")
    run = sandbox_runner(plugin.startup_files(), tmp_path, timeout_s=300, memory_mb=4096, disk_mb=2048,
                         max_tasks=256)
    outcome = run(code)
    assert outcome.ok and not outcome.ours, outcome.error
    assert (outcome.workdir / "results.json").is_file(), f"{name} example {index} writes no results.json"


def test_several_seed_skills_are_packages_with_a_reference_and_a_tested_script():
    library, _ = load_library(SKILLS)
    packaged = [s.name for s in library if s.references
                and any(bundle.is_test(m) for m in s.scripts)]
    assert len(packaged) >= 3, packaged


@pytest.mark.parametrize("test", skill_scripts.tests_of(load_library(SKILLS)[0]), ids=lambda t: f"{t.skill}/{t.module}")
def test_seed_script_tests_pass_through_the_gate_in_the_sandbox(tmp_path, test):
    """What the gate runs for a child's scripts (evolve.skill_scripts.tests_of): the skill's own package importable
    read-only in the sandbox, every test_* function called."""
    plugin = load_plugin(ROOT / "evaluators" / "tvb")
    run = sandbox_runner(plugin.startup_files(), tmp_path, timeout_s=120, memory_mb=2048, disk_mb=1024,
                         max_tasks=256)
    outcome = run(test.code, test.importable)
    assert outcome.ok and not outcome.ours, outcome.error
