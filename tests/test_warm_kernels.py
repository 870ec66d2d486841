"""Warm kernels (`[evaluation] warm_kernels`): notebooks executed on pre-started kernels score exactly as on cold
ones, each in a fresh process that saw no earlier notebook, under its own goal's timeouts, with no kernel start
or import time charged to the trial. Real sandboxed kernels, the tiny plugin."""
from __future__ import annotations

import time
from pathlib import Path
from dataclasses import replace

import pytest

from evolve import notebook as nb_io
from evolve.config import EvaluationSettings, ScoreWeights
from evolve.evaluation import evaluate, kernel_pool
from evolve.goals import load_goal
from evolve.plugin import load_plugin
from evolve.sandbox import Limits

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SETTINGS = EvaluationSettings(cell_timeout_s=60, notebook_timeout_s=120, memory_mb=3072)


@pytest.fixture(scope="module")
def tiny():
    goal, problems = load_goal(FIXTURES / "tiny_goals" / "count-to-three")
    assert not problems
    return goal, load_plugin(FIXTURES / "tiny_plugin")


@pytest.fixture
def pool(tiny):
    kernels = kernel_pool(tiny[1], SETTINGS, size=1)
    yield kernels
    kernels.close()


def run(code, tiny, folder, kernels=None, settings=SETTINGS):
    return evaluate(nb_io.from_reply(code).notebook, tiny[0], tiny[1], settings, ScoreWeights(), folder,
                    kernels=kernels)


def test_a_notebook_on_a_warm_kernel_scores_as_on_a_cold_one_without_start_or_import_time(tiny, pool, tmp_path):
    reference = tiny[0].reference_path.read_text()
    assert pool.wait_ready(timeout=60)
    warm = run(reference, tiny, tmp_path / "warm", pool)
    cold = run(reference, tiny, tmp_path / "cold")
    assert (warm.status, warm.score, len(warm.trace)) == (cold.status, cold.score, len(cold.trace)) == \
        ("scored", 1.0, 3)
    assert warm.isolation == cold.isolation
    assert warm.phases().kernel_start_s == 0.0 and warm.phases().imports_s == 0.0
    assert cold.phases().kernel_start_s > 0.0
    assert (tmp_path / "warm" / "notebook.ipynb").is_file() and (tmp_path / "warm" / "work" / "results.json").is_file()


def test_each_warm_kernel_runs_one_notebook_and_sees_nothing_of_the_last(tiny, pool, tmp_path):
    first = run("# %%\nimport os\nSECRET = 42\nopen('/tmp/left-behind', 'w').write('x')\n"
                "os.environ['LEFT'] = '1'\nprint(os.getpid())\n", tiny, tmp_path / "a", pool)
    assert first.executed
    second = run("# %%\nimport os\nassert 'SECRET' not in globals()\nassert not os.path.exists('/tmp/left-behind')\n"
                 "assert 'LEFT' not in os.environ\n", tiny, tmp_path / "b", pool)
    assert second.executed, second.error


def test_a_notebook_on_a_warm_kernel_gets_its_own_goals_timeout(tiny, pool, tmp_path):
    # the pool was made with a 120 s notebook limit; this goal (budget 5 s × factor 1) allows 5 s
    short = replace(SETTINGS, budget_factor=1.0)
    started = time.monotonic()
    evaluation = run("# %%\nimport time\ntime.sleep(60)\n", tiny, tmp_path / "slow", pool, settings=short)
    assert not evaluation.executed and "time" in (evaluation.error or "").lower()
    assert time.monotonic() - started < 45


def test_a_pool_refuses_limits_its_kernels_were_not_started_with(pool, tmp_path):
    with pytest.raises(ValueError, match="memory_mb 1024"):
        pool.execute(nb_io.from_reply("# %%\n1\n").notebook, limits=Limits(memory_mb=1024))
