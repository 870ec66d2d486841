"""The shipped seed library: valid, and every complete example in it runs as written.

A 1.5B student adapts a complete runnable example far better than API hints (5/5 vs 0/14 runnable answers,
see the local-model notes), so examples marked '# complete example' must really be complete."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evolve.library import load_library

SKILLS = Path(__file__).resolve().parent.parent / "skills"
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
def test_complete_example_runs(tmp_path, name, index, code):
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "results.json").is_file(), f"{name} example {index} writes no results.json"
