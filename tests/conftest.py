"""Shared test setup: keep every tool's state out of $HOME, and give TVB tests a loaded connectivity."""
import os
import tempfile
from pathlib import Path

import pytest

# Set before any test module imports tvb, litellm, matplotlib or dspy: they read these at import time.
_STATE = tempfile.mkdtemp(prefix="evolve-test-state-")
for _var, _sub in {
    "TVB_USER_HOME": "tvb",
    "MPLCONFIGDIR": "matplotlib",
    "IPYTHONDIR": "ipython",
    "DSPY_CACHEDIR": "dspy",
}.items():
    os.environ.setdefault(_var, os.path.join(_STATE, _sub))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MPLBACKEND", "Agg")

# Tests import their helpers as `helpers.<name>` (tests/helpers/): pytest puts tests/ on sys.path ([tool.pytest]
# pythonpath); subprocesses and Ray workers get it on their PYTHONPATH (tests/fixtures/engine_child.py,
# tests/helpers/ray_cluster.py).


@pytest.fixture(scope="session")
def generated_file(tmp_path_factory):
    """(path, Generated): one generated run (3 generations × 2 children, 5 goals × 2 seeds), written once."""
    from evolve.archive import Archive
    from evolve.archive.synthetic import generate

    path = tmp_path_factory.mktemp("generated") / "evolve.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        generated = generate(archive)
    return path, generated


@pytest.fixture
def generated(generated_file, tmp_path):
    """A private, writable copy of the generated archive: (path, Generated)."""
    import shutil

    path, record = generated_file
    copy = tmp_path / "evolve.duckdb"
    shutil.copyfile(path, copy)
    return copy, record


@pytest.fixture
def goal():
    """The tiny plugin's goal count-to-three (tests/fixtures/tiny_goals): what the trial tests run."""
    from evolve.goals import load_goal

    found, problems = load_goal(Path(__file__).resolve().parent / "fixtures" / "tiny_goals" / "count-to-three")
    assert not problems
    return found


@pytest.fixture(scope="session")
def scripted_run(tmp_path_factory):
    """A real archive from the test suite: `evolve run` in the scripted world (tests/helpers/engine_fixtures.py: rule-based
    student and mutator, the tiny plugin, real sandboxed notebooks), 2 generations of 2 children (one kept, the
    other proposals declined), test scored every generation, the HTML report written every generation.
    A namespace: folder, archive, config, stderr (what the run said)."""
    import contextlib
    import io
    from types import SimpleNamespace

    from helpers import engine_fixtures

    from evolve.cli import main

    folder = tmp_path_factory.mktemp("scripted-run")
    engine_fixtures.install()
    config = engine_fixtures.write_config(folder, children=2, test_every=1, report_every=1,
                                          operators=["reflective-rewrite", "add-skill", "compress"])
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
        assert main(["--config", str(config), "run"]) == 0
    return SimpleNamespace(folder=folder, archive=folder / "evolve.duckdb", config=config, stderr=said.getvalue())


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory):
    """(path, Generated): evolve/archive/synthetic.py's run (3 generations × 2 children, 5 goals × 2 seeds), written
    once; copy it before writing to it."""
    from evolve.archive import Archive
    from evolve.archive.synthetic import generate

    path = tmp_path_factory.mktemp("synthetic-run") / "evolve.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        generated = generate(archive)
    return path, generated
