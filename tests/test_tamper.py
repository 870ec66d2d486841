"""The tampering screen (evolve.tamper, plus the TVB plugin's Simulator rules): it names every way a notebook
reaches for the evaluator, and never fires on an honest notebook."""
from __future__ import annotations

from pathlib import Path

import pytest

from evaluators.tvb import pitfalls
from evolve import tamper
from evolve.notebook import code_text, read

ROOT = Path(__file__).resolve().parent.parent

ATTEMPTS = [
    ("simulator.Simulator.run = simulator.Simulator.run.__wrapped__", "tamper-unhook"),
    ("orig = sim.run.__closure__[0].cell_contents", "tamper-unhook"),
    ("hooks = [o for o in gc.get_objects() if hasattr(o, 'find_spec')]", "tamper-introspect"),
    ("sys.meta_path.clear()", "tamper-introspect"),
    ("path = os.environ['EVOLVE_EVIDENCE_DIR']", "tamper-evidence"),
    ("open('simulation_trace.jsonl', 'a').write(line)", "tamper-evidence"),
    ("runpy.run_path(ref)", "tamper-evolve"),
    ("import evolve.goals", "tamper-evolve"),
    ("from evaluators.tvb import trace", "tamper-evolve"),
    ("src = open(root + '/goals/jansen-rit-alpha/reference.py').read()", "tamper-answers"),
    ("exec(open('check.py').read())", "tamper-answers"),
    ("con = duckdb.connect('evolve.duckdb')", "tamper-archive"),
    ("shutil.copytree('../turn-1', 'old')", "tamper-parent"),
    ("os.listdir(os.pardir)", "tamper-parent"),
]


@pytest.mark.parametrize("code, rule", ATTEMPTS)
def test_each_attempt_on_the_evaluator_is_an_integrity_pitfall(code, rule):
    found = tamper.scan(code)
    assert rule in {p.code for p in found} and all(p.integrity for p in found), found


@pytest.mark.parametrize("code", [
    "simulator.Simulator.run = my_run",
    "setattr(simulator.Simulator, 'configure', fake)",
    "type(sim).run = lambda self, **kw: []",
    "sim._evolve_traced = True",
])
def test_rewiring_the_simulator_is_an_integrity_pitfall_of_the_tvb_plugin(code):
    found = [p for p in pitfalls.scan(code) if p.integrity]
    assert "tamper-simulator" in {p.code for p in found}, found


def _notebooks():
    paths = sorted((ROOT / "goals").glob("*/reference.py")) + sorted((ROOT / "goals").glob("*/wrong/*.py"))
    return [pytest.param(path, id=str(path.relative_to(ROOT))) for path in paths]


@pytest.mark.parametrize("path", _notebooks())
def test_no_reference_or_wrong_fixture_is_flagged(path):
    assert [p for p in pitfalls.scan(code_text(read(path))) if p.integrity] == []


def test_ordinary_words_are_not_tampering():
    honest = "\n".join([
        "tr = np.trace(cov)  # the trace of the covariance",
        "reference_hz = 10.0; check = abs(peak - reference_hz) < 1",
        "if sim.run is not None: (t, y), = sim.run()",
        "Simulator.run == Simulator.run",
        "x = y[..., 0]",
    ])
    assert [p for p in pitfalls.scan(honest) if p.integrity] == []
