"""extract-script (evolve.engine.operators.extract_script): a self-contained function that passing train notebooks
define alike becomes a skill's script with a test, which the gate then runs in the sandbox."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from evolve.engine.examples import ExampleVerifier, sandbox_runner
from evolve.engine.gate import check_child
from evolve.engine.operators.base import Failure, OperatorDeclined, OperatorInput
from evolve.engine.operators.extract_script import ExtractScript, helpers_in
from evolve.library import Library
from evolve.plugin import load_plugin
from helpers.operator_data import BASICS, LIMITS, NOISE, RUN

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HELPER = '''import numpy as np


def zscore(values, floor=1e-12):
    """Standardise a series."""
    array = np.asarray(values, dtype=float)
    return (array - array.mean()) / max(array.std(), floor)
'''


def notebook(extra: str) -> str:
    return f"```python\n# %%\n{HELPER}\n# %%\nscaled = zscore([1.0, 2.0, 4.0])\n{extra}\n```"


def passing(goal: str, reply: str, injected=("run-output", "basics")) -> Failure:
    return Failure(goal, f"Task {goal}.", 1.0, "all checks passed", injected, reply)


def given(successes) -> OperatorInput:
    return OperatorInput(parents=(Library.of([RUN, NOISE, BASICS]),), failures=(), limits=LIMITS,
                         rng=random.Random(0), successes=tuple(successes))


def test_a_self_contained_function_is_found_with_its_imports_and_a_literal_call():
    (helper,) = helpers_in(HELPER + "\nuses_global = lambda: sim\n\ndef needs_sim():\n    return sim.run()\n"
                           "\nzscore([3.0, 1.0])\n")
    assert helper.name == "zscore" and helper.imports == ("import numpy as np",)
    assert helper.call == "zscore([3.0, 1.0])"


def test_a_recurring_helper_becomes_a_tested_script_in_the_skill_most_shown_with_it():
    successes = [passing("a", notebook("x = 1")), passing("b", notebook("y = 2")),
                 passing("c", notebook("z = 3"), injected=("noise", "basics"))]
    proposal = ExtractScript().propose(given(successes), None)  # type: ignore[arg-type]
    skill = proposal.child["basics"]  # injected into all three (ties by name: basics before run-output)
    assert sorted(skill.files) == ["scripts/test_zscore.py", "scripts/zscore.py"]
    assert "import numpy as np" in skill.files["scripts/zscore.py"].decode()
    assert "zscore([1.0, 2.0, 4.0])" in skill.files["scripts/test_zscore.py"].decode()
    assert "from skill_scripts.zscore import zscore" in skill.body and "3 passing" in proposal.note
    assert check_child(proposal.child, given(successes).parents[0], {}, LIMITS) == []


def test_the_gate_runs_the_extracted_scripts_test_in_the_sandbox(tmp_path):
    successes = [passing("a", notebook("x = 1")), passing("b", notebook("y = 2"))]
    child = ExtractScript().propose(given(successes), None).child  # type: ignore[arg-type]
    plugin = load_plugin(FIXTURES / "tiny_plugin")
    run = sandbox_runner(plugin.startup_files(), tmp_path, timeout_s=60, memory_mb=2048, disk_mb=256, max_tasks=64)
    assert ExampleVerifier(run).check(child, given(successes).parents[0]) == []


def test_it_declines_a_helper_seen_once_or_none_at_all():
    with pytest.raises(OperatorDeclined, match="recurs"):
        ExtractScript().propose(given([passing("a", notebook("x = 1"))]), None)  # type: ignore[arg-type]
    with pytest.raises(OperatorDeclined, match="no solved"):
        ExtractScript().propose(given([]), None)  # type: ignore[arg-type]


def test_the_toolbox_builds_it_by_name():
    from evolve.engine.toolbox import build

    assert build("extract-script").name == "extract-script"
