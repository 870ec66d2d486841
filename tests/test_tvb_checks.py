"""Trace check helpers (evaluators/tvb/checks.py) on hand-made traces shaped like trace_hook.py's records."""
import copy
import importlib
import sys
import types
from pathlib import Path

import pytest

from evolve.checks import CheckContext, CheckResult

PLUGIN = Path(__file__).resolve().parent.parent / "evaluators" / "tvb"


def plugin_module(name):
    """A plugin submodule, imported without running the plugin's __init__ (as the engine does, by path)."""
    if "tvb_plugin_under_test" not in sys.modules:
        pkg = types.ModuleType("tvb_plugin_under_test")
        pkg.__path__ = [str(PLUGIN)]
        sys.modules["tvb_plugin_under_test"] = pkg
    return importlib.import_module(f"tvb_plugin_under_test.{name}")


checks = plugin_module("checks")

RUN = {
    "event": "run", "sim": "ab12cd34", "form": "run",
    "model": {"class": "JansenRit", "params": {"A": 3.5, "mu": {"shape": [76, 1], "values": [0.1] * 10,
                                                               "truncated": True, "min": 0.1, "max": 0.3}},
              "defaults": {"B": 22.0, "a": 0.1}, "state_variables": ["y0", "y1", "y2", "y3", "y4", "y5"],
              "variables_of_interest": ["y0", "y1", "y2", "y3"], "number_of_modes": 1},
    "connectivity": {"number_of_regions": 76, "speed": 3.0},
    "coupling": {"class": "SigmoidalJansenRit", "params": {"a": 10.0}},
    "integrator": {"class": "HeunDeterministic", "dt": 0.1, "stochastic": False}, "noise": None,
    "monitors": [{"class": "TemporalAverage", "period": 1.0, "variables_of_interest": [], "voi_names": ["y0"]},
                 {"class": "Bold", "period": 2000.0, "variables_of_interest": [], "voi_names": ["y0"]}],
    "stimulus": {"class": "StimuliRegion", "temporal": {"class": "PulseTrain", "parameters": {"onset": 500.0}},
                 "regions": [35, 36], "region_weights": [1.0, 0.5], "labels": ["rV1", "rV2"]},
    "simulation_length": 2000.0, "start_ms": 0.0, "wall_s": 4.2,
    "outputs": [{"shape": [2000, 4, 76, 1], "nan": False}, {"shape": [1, 4, 76, 1], "nan": False}],
    "nan": False, "error": None,
}


def run(**changes):
    record = copy.deepcopy(RUN)
    for key, value in changes.items():
        record[key] = value
    return record


def ctx(*records):
    return CheckContext(results=None, trace=list(records))


FAILED = run(error={"type": "TypeError", "message": "unsupported operand type(s) for *: 'float' and 'NoneType'"},
             outputs=None, nan=None)
CONFIGURE = {"event": "configure", "model": RUN["model"], "error": None}
ALL = [
    lambda c: checks.used_model("x", c, "JansenRit"),
    lambda c: checks.simulated_at_least("x", c, 1000.0),
    lambda c: checks.monitor_present("x", c, "TemporalAverage"),
    lambda c: checks.stimulated_regions("x", c, ["rV1"]),
    lambda c: checks.no_nan("x", c),
    lambda c: checks.integrator_dt("x", c, max_dt=0.1),
    lambda c: checks.parameter_value("x", c, "JansenRit", "A", 3.0, 4.0),
]


@pytest.mark.parametrize("check", ALL)
def test_every_check_passes_on_a_good_trace_and_fails_on_an_empty_one(check):
    good = check(ctx(CONFIGURE, RUN))
    assert isinstance(good, CheckResult) and good.passed and good.name == "x", good
    empty = check(ctx())
    assert not empty.passed and empty.message.startswith("no simulation ran")


@pytest.mark.parametrize("check", ALL)
def test_checks_explain_when_nothing_ran_to_completion(check):
    only_configured = check(ctx(CONFIGURE))
    assert not only_configured.passed and "never called" in only_configured.message
    crashed = check(ctx(CONFIGURE, FAILED))
    assert not crashed.passed and "raised TypeError" in crashed.message


def test_used_model():
    result = checks.used_model("m", ctx(run(model={"class": "Generic2dOscillator"})), "JansenRit")
    assert not result.passed
    assert result.message == "expected a simulation with models.JansenRit; the trace shows runs of Generic2dOscillator"
    assert checks.used_model("m", ctx(run(model={"class": "Epileptor"}), RUN), "JansenRit").passed


def test_simulated_at_least():
    assert checks.simulated_at_least("l", ctx(RUN), 2000.0).passed
    assert checks.simulated_at_least("l", ctx(run(simulation_length=1999.999)), 2000.0).passed  # hook rounding
    short = checks.simulated_at_least("l", ctx(run(simulation_length=500.0), run(simulation_length=1000.0)), 2000.0)
    assert not short.passed
    assert "at least 2000 ms" in short.message and "longest run was 1000 ms" in short.message
    # a longer run that raised does not count
    assert not checks.simulated_at_least("l", ctx(run(simulation_length=500.0), FAILED), 1000.0).passed


def test_monitor_present():
    assert checks.monitor_present("b", ctx(RUN), "Bold").passed
    assert checks.monitor_present("b", ctx(RUN), "Bold", period=2000.0).passed
    wrong_period = checks.monitor_present("b", ctx(RUN), "TemporalAverage", period=5.0)
    assert not wrong_period.passed
    assert "monitors.TemporalAverage(period=5)" in wrong_period.message
    assert "TemporalAverage(period=1)" in wrong_period.message
    missing = checks.monitor_present("e", ctx(RUN), "EEG")
    assert not missing.passed and "Bold(period=2000)" in missing.message


def test_stimulated_regions():
    assert checks.stimulated_regions("s", ctx(RUN), "rV1").passed
    assert checks.stimulated_regions("s", ctx(RUN), ["rV1", "rV2"]).passed
    left = checks.stimulated_regions("s", ctx(RUN), ["lV1"])
    assert not left.passed and "lV1" in left.message and "rV1, rV2" in left.message
    none = checks.stimulated_regions("s", ctx(run(stimulus=None)), "rV1")
    assert not none.passed and "no run had a stimulus" in none.message


def test_no_nan():
    diverged = checks.no_nan("n", ctx(RUN, run(nan=True, integrator={"class": "HeunDeterministic", "dt": 0.5})))
    assert not diverged.passed
    assert "1 of 2 run(s) produced NaN/inf" in diverged.message and "dt=0.5" in diverged.message
    assert "smaller dt" in diverged.message


def test_integrator_dt():
    assert checks.integrator_dt("d", ctx(RUN), max_dt=0.1, min_dt=0.01).passed
    coarse = checks.integrator_dt("d", ctx(RUN, run(integrator={"class": "HeunDeterministic", "dt": 0.5})), max_dt=0.1)
    assert not coarse.passed and "≤ 0.1 ms" in coarse.message and "dt=0.5" in coarse.message
    fine = checks.integrator_dt("d", ctx(RUN), min_dt=0.5)
    assert not fine.passed and "≥ 0.5 ms" in fine.message


def test_parameter_value():
    assert checks.parameter_value("p", ctx(RUN), "JansenRit", "B", 20.0, 25.0).passed   # class default
    assert checks.parameter_value("p", ctx(RUN), "JansenRit", "mu", 0.05, 0.35).passed  # region-wise array
    partly = checks.parameter_value("p", ctx(RUN), "JansenRit", "mu", 0.05, 0.2)
    assert not partly.passed and "mu=[76x1: 0.1..0.3]" in partly.message
    out = checks.parameter_value("p", ctx(RUN), "JansenRit", "A", 4.0, 5.0)
    assert not out.passed and out.message.startswith("expected JansenRit.A in [4, 5]; the runs used A=3.5")
    default = checks.parameter_value("p", ctx(RUN), "JansenRit", "a", 0.2, 0.3)
    assert not default.passed and "a=0.1 (class default)" in default.message
    unknown = checks.parameter_value("p", ctx(RUN), "JansenRit", "C1", 0.0, 200.0)
    assert not unknown.passed and "has no parameter 'C1'" in unknown.message
    other = checks.parameter_value("p", ctx(RUN), "Epileptor", "x0", -2.0, -1.5)
    assert not other.passed and "runs of JansenRit" in other.message
    sweep = ctx(run(), run(model={**RUN["model"], "params": {"A": 4.5}}))
    assert checks.parameter_value("p", sweep, "JansenRit", "A", 4.0, 5.0).passed
