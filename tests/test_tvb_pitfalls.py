"""Static TVB pitfall scanner (evaluators/tvb/pitfalls.py).

Detection is tested on snippets. The TVB behaviour behind each pitfall is pinned by tests/test_tvb_facts.py
(run unpacking, NArray numbers, SEEG/BOLD and wrong model names, Epileptor tau0, JansenRit C1,
Connectivity(load_default), state_variable_range, run before configure, stimulus tuple, conn.speed float,
HeunStochastic default noise, tvb.simulator patterns/equations, 1-D time). What that file does not pin
but the scanner relies on (its class tables, C2..C4, Epileptor2D, the other stochastic integrators, the
list/attribute/keyword variants) is pinned at the bottom of this file against the real library.
"""
import importlib
import inspect
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "evaluators" / "tvb"


def plugin_module(name):
    """A plugin submodule, imported without running the plugin's __init__ (as the engine does, by path)."""
    if "tvb_plugin_under_test" not in sys.modules:
        pkg = types.ModuleType("tvb_plugin_under_test")
        pkg.__path__ = [str(PLUGIN)]
        sys.modules["tvb_plugin_under_test"] = pkg
    return importlib.import_module(f"tvb_plugin_under_test.{name}")


pitfalls = plugin_module("pitfalls")
HEAD = "import numpy as np\nfrom tvb.simulator.lab import *\n"   # bad lines below start at line 3

BAD = [
    ("run-unpack", "sim = simulator.Simulator().configure()\nt, y = sim.run(simulation_length=100.0)", 4),
    ("run-unpack", "sim = simulator.Simulator().configure()\ntime, data = sim.run()", 4),
    ("narray-number", "cpl = coupling.Linear(a=0.0154)", 3),
    ("narray-number", "m = models.Generic2dOscillator(\n    tau=np.array([1.0]),\n    a=-0.5)", 5),
    ("narray-number", "n = noise.Additive(nsig=0.01)", 3),
    ("narray-number", "m = JansenRit(A=3)", 3),
    ("narray-number", "m = models.Epileptor(x0=1/2.0 - 2.3)", 3),
    ("wrong-class-name", "mon = monitors.SEEG(period=1.0)", 3),
    ("wrong-class-name", "mon = monitors.BOLD(period=2000.0)", 3),
    ("wrong-class-name", "from tvb.simulator.monitors import SEEG", 3),
    ("wrong-class-name", "m = models.Generic2DOscillator()", 3),
    ("unknown-kwarg", "m = models.Epileptor(tau0=np.array([2857.0]))", 3),
    ("unknown-kwarg", "m = models.JansenRit(C4=np.array([33.75]))", 3),
    ("unknown-kwarg", "conn = connectivity.Connectivity(load_default=True)", 3),
    ("import-location", "from tvb.simulator import patterns", 3),
    ("import-location", "from tvb.simulator import equations, models", 3),
    ("import-location", "import tvb.simulator.patterns as patterns", 3),
    ("stimulus-tuple", "sim = simulator.Simulator(stimulus=(s1, s2))", 3),
    ("stimulus-tuple", "sim.stimulus = [s1, s2]", 3),
    ("speed-number", "conn.speed = 4.0", 3),
    ("speed-number", "conn = connectivity.Connectivity(speed=4)", 3),
    ("stochastic-default-noise", "integ = integrators.HeunStochastic(dt=0.1)", 3),
    ("state-variable-range", "model.state_variable_range = {'V': np.array([-1.0, 1.0])}", 3),
    ("state-variable-range", "model = models.Generic2dOscillator(state_variable_range={})", 3),
    ("run-without-configure", "sim = simulator.Simulator(model=models.JansenRit())\n(t, y), = sim.run()\nsim.run()", 4),
    ("time-2d-index", "sim = simulator.Simulator().configure()\n(t, y), = sim.run()\nprint(t[:, 0])", 5),
    ("time-2d-index", "sim = simulator.Simulator().configure()\ntime, data = sim.run()[0]\nx = time[0, :]", 5),
]


@pytest.mark.parametrize("code, snippet, line", BAD, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BAD)])
def test_pitfall_detected(code, snippet, line):
    found = pitfalls.scan(HEAD + snippet)
    hits = [p for p in found if p.code == code]
    assert hits, found
    assert hits[0].line == line
    assert len(hits[0].message) > 40      # says what to do, not just what is wrong


def test_messages_say_what_to_do_instead():
    by_code = {p.code: p.message for _, snippet, _ in BAD for p in pitfalls.scan(HEAD + snippet)}
    assert set(by_code) == {c for c, _, _ in BAD}
    assert "(t, y), = sim.run(...)" in by_code["run-unpack"]
    assert "np.array([0.0154])" in pitfalls.scan("coupling.Linear(a=0.0154)")[0].message
    assert "monitors.iEEG" in pitfalls.scan("monitors.SEEG()")[0].message
    assert "r=np.array([1.0 / tau0])" in pitfalls.scan("models.Epileptor(tau0=x)")[0].message
    assert "a_4=np.array([C4 / 135.0])" in pitfalls.scan("models.JansenRit(C4=x)")[0].message
    assert "Connectivity.from_file()" in pitfalls.scan("Connectivity(load_default=True)")[0].message
    assert "tvb.datatypes" in by_code["import-location"]
    assert "initial_conditions=" in by_code["state-variable-range"]
    assert ".configure()" in by_code["run-without-configure"]


def test_reference_notebook_is_clean():
    assert pitfalls.scan((ROOT / "goals" / "jansen-rit-alpha" / "reference.py").read_text()) == []


CLEAN = """
import numpy as np
import subprocess
from tvb.simulator.lab import *
conn = connectivity.Connectivity.from_file()
conn.speed = np.array([4.0])
conn.configure()
n = noise.Additive(nsig=np.array([0.01]), noise_seed=42, ntau=0.0)
integ = integrators.HeunStochastic(dt=0.1, noise=n)
other = integrators.HeunStochastic(dt=0.05)
other.noise = noise.Additive(nsig=np.array([0.001]))
mon = (monitors.TemporalAverage(period=1.0), monitors.Bold(period=2000.0), monitors.iEEG)
sim = simulator.Simulator(model=models.JansenRit(a_1=np.array([1.0])), connectivity=conn, integrator=integ,
                          monitors=mon, stimulus=stim, simulation_length=1000.0)
sim.configure()
(t, y), = sim.run()
tavg, bold = sim.run()
(t1, y1), (t2, y2) = sim.run()
for t3, y3 in sim.run():
    print(t3[0], y3[:, 0, 0, 0])
print(y[:, 0, :, 0], t[-1])
t = np.zeros((3, 3)); print(t[:, 0])
s2 = simulator.Simulator(model=models.Generic2dOscillator())
configure_everything(s2)
s2.run()
subprocess.run(["ls"])
out = dict(a=0.5)
layer = nn.Linear(in_features=3, out_features=4)
model.state_variable_range['V'] = np.array([-1.0, 1.0])
"""


def test_correct_code_raises_no_false_alarms():
    assert pitfalls.scan(CLEAN) == []


def test_magics_are_ignored_and_line_numbers_kept():
    found = pitfalls.scan("%matplotlib inline\n!pip list\nconn.speed = 3.0\n")
    assert [(p.code, p.line) for p in found] == [("speed-number", 3)]


def test_unparsable_code_falls_back_to_regexes():
    code = ("def broken(:\n"
            "t, y = sim.run(simulation_length=100.0)\n"
            "mon = monitors.SEEG(period=1.0)\n"
            "cpl = coupling.Linear(a=0.0154)\n"
            "n = noise.Additive(noise_seed=42)\n"
            "m = models.Epileptor(tau0=2857.0)\n"
            "from tvb.simulator import patterns\n"
            "conn.speed = 4.0\n")
    assert [(p.code, p.line) for p in pitfalls.scan(code)] == [
        ("run-unpack", 2), ("wrong-class-name", 3), ("narray-number", 4), ("unknown-kwarg", 6),
        ("import-location", 7), ("speed-number", 8)]


@pytest.mark.parametrize("code", ["", "\x00", "(((", "x = 1\n" * 5, "def f():\n    return\n" * 3, "'''"])
def test_scan_never_raises(code):
    assert isinstance(pitfalls.scan(code), list)


def test_one_pitfall_per_code_and_line():
    found = pitfalls.scan("m = models.Generic2dOscillator(a=-0.5); cpl = coupling.Linear(a=0.01)")
    assert [(p.code, p.line) for p in found] == [("narray-number", 1)]


# ----------------------------------------------------------------------------- facts behind the tables
from tvb.basic.neotraits.api import NArray  # noqa: E402
from tvb.basic.neotraits.ex import TraitTypeError  # noqa: E402
from tvb.simulator.lab import connectivity, coupling, integrators, models, noise, patterns, simulator  # noqa: E402


def _classes(module, base):
    return {n for n in dir(module) if inspect.isclass(getattr(module, n)) and issubclass(getattr(module, n), base)
            and getattr(module, n) is not base}


def _numeric_traits(cls):
    skip = {"gid", "state_variable_range", "state_variable_boundaries", "variables_of_interest"}
    return {n: getattr(cls, n) for n in cls.declarative_attrs if n not in skip
            and (isinstance(getattr(cls, n), NArray) or getattr(getattr(cls, n), "field_type", None) in (int, float))}


def test_scanner_class_tables_match_the_library():
    """Fact: every numeric trait of every model, coupling and noise class is an NArray, except noise ntau
    (Float) and noise_seed (Int); the stochastic integrators are exactly the scanner's list."""
    assert _classes(models, models.Model) == pitfalls.MODELS
    assert _classes(coupling, coupling.Coupling) - {"SparseCoupling"} == pitfalls.COUPLINGS
    assert _classes(noise, noise.Noise) == pitfalls.NOISES
    for name in pitfalls.NARRAY_CLASSES:
        cls = getattr(models, name, None) or getattr(coupling, name, None) or getattr(noise, name)
        not_narray = {n for n, t in _numeric_traits(cls).items() if not isinstance(t, NArray)}
        assert not_narray <= pitfalls.NOT_NARRAY, (name, not_narray)
    assert {n for n in _classes(integrators, integrators.IntegratorStochastic)} == pitfalls.STOCHASTIC


@pytest.mark.parametrize("cls, kw", sorted(pitfalls.WRONG_KWARGS))
def test_wrong_keywords_raise(cls, kw):
    """Fact: JansenRit C1..C4, Epileptor/Epileptor2D tau0 and Connectivity load_default are not traits."""
    owner = connectivity if cls == "Connectivity" else models
    with pytest.raises(TraitTypeError, match="Valid kwargs"):
        getattr(owner, cls)(**{kw: np.array([1.0])})


@pytest.mark.parametrize("module, name", sorted(pitfalls.WRONG_NAMES))
def test_wrong_names_do_not_exist(module, name):
    assert not hasattr({"models": models, "monitors": sys.modules["tvb.simulator.monitors"]}[module], name)


@pytest.mark.parametrize("name", sorted(pitfalls.STOCHASTIC))
def test_stochastic_integrators_default_to_unit_noise(name):
    """Fact: every stochastic integrator without noise= gets Additive noise with nsig [1.0]."""
    np.testing.assert_array_equal(getattr(integrators, name)(dt=0.1).noise.nsig, [1.0])


def test_variant_forms_fail_too():
    """Fact: `import tvb.simulator.patterns`, a list of stimuli, assigning a tuple to sim.stimulus and
    `Connectivity(speed=4.0)` all fail like their pinned counterparts."""
    with pytest.raises(ImportError):
        exec("import tvb.simulator.patterns", {})
    with pytest.raises(ImportError):
        exec("from tvb.simulator.equations import PulseTrain", {})
    stim = patterns.StimuliRegion()
    with pytest.raises(TraitTypeError):
        simulator.Simulator(stimulus=[stim, stim])
    sim = simulator.Simulator()
    with pytest.raises(TraitTypeError):
        sim.stimulus = (stim, stim)
    with pytest.raises(TraitTypeError):
        connectivity.Connectivity(speed=4.0)
