"""The shipped seed library: valid, and every complete example in it runs as written.

A 1.5B student adapts a complete runnable example far better than API hints (5/5 vs 0/14 runnable answers,
see the local-model notes), so examples marked '# complete example' must really be complete."""
import re
from pathlib import Path

import pytest

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
