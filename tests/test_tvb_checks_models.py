"""Trace check helpers added for the model-family, delay and multistability goals (evaluators/tvb/checks.py:
`swept_values`), on hand-made traces shaped like trace_hook.py's v2 records."""
import copy
import importlib
import sys
import types
from pathlib import Path

import pytest

from evolve.checks import CheckContext

PLUGIN = Path(__file__).resolve().parent.parent / "evaluators" / "tvb"


def plugin_module(name):
    """A plugin submodule, imported without running the plugin's __init__ (as the engine does, by path)."""
    if "tvb_plugin_under_test" not in sys.modules:
        pkg = types.ModuleType("tvb_plugin_under_test")
        pkg.__path__ = [str(PLUGIN)]
        sys.modules["tvb_plugin_under_test"] = pkg
    return importlib.import_module(f"tvb_plugin_under_test.{name}")


checks = plugin_module("checks")
RUN = {"v": 2, "event": "run", "sim": "ab12cd34", "pid": 7, "seq": 2, "time": 0.0, "form": "run",
       "integrator": {"class": "HeunDeterministic", "dt": 0.1, "stochastic": False},
       "monitors": [{"class": "TemporalAverage", "period": 1.0, "variables_of_interest": [], "voi_names": ["x"]}],
       "stimulus": None, "simulation_length": 2000.0, "complete": True,
       "outputs": [{"samples": 2000, "shape": [1, 76, 1], "period": 1.0, "nan": False}], "nan": False}


def run(model="Kuramoto", simulated_ms=2000.0, speed=3.0, a=1.0, nsig=None, params=None, defaults=None, error=None):
    record = copy.deepcopy(RUN)
    record["model"] = {"class": model, "params": params or {}, "defaults": defaults or {}}
    record["connectivity"] = {"number_of_regions": 76, "speed": speed}
    record["coupling"] = {"class": "Linear", "params": {"a": a, "b": 0.0}}
    record["noise"] = None if nsig is None else {"class": "Additive", "nsig": nsig, "ntau": 0.0, "noise_seed": 1}
    record["simulated_ms"] = simulated_ms
    record["error"] = error
    return record


def ctx(*records):
    return CheckContext(results=None, trace=list(records))


def test_a_speed_sweep_passes_when_every_value_ran():
    result = checks.swept_values("speeds", ctx(run(speed=1.0), run(speed=3.0), run(speed=10.0)),
                                 "connectivity", "speed", [1.0, 3.0, 10.0])
    assert result.passed, result.message


def test_a_missing_value_is_named_with_the_values_seen():
    result = checks.swept_values("speeds", ctx(run(speed=1.0), run(speed=3.0)), "connectivity", "speed",
                                 [1.0, 3.0, 10.0])
    assert not result.passed
    assert "missing 10" in result.message and "speed = 1, 3" in result.message


def test_runs_too_short_or_of_another_model_or_raised_do_not_count():
    trace = ctx(run(speed=1.0), run(speed=3.0, simulated_ms=500.0), run(speed=10.0, model="Generic2dOscillator"),
                run(speed=10.0, error={"type": "ValueError", "message": "x"}))
    result = checks.swept_values("speeds", trace, "connectivity", "speed", [1.0, 3.0, 10.0],
                                 model_class="Kuramoto", min_ms=1000.0)
    assert not result.passed
    assert "other completed run" in result.message


def test_a_model_parameter_at_its_class_default_counts_as_that_value():
    trace = ctx(run(model="ReducedWongWangExcInh", params={"G": 0.01}),
                run(model="ReducedWongWangExcInh", defaults={"G": 2.0}))
    assert checks.swept_values("g", trace, "model", "G", [0.01, 2.0]).passed
    assert not checks.swept_values("g", trace, "model", "G", [0.0, 0.01]).passed


def test_an_array_valued_noise_counts_as_its_largest_entry():
    arr = {"shape": [2], "values": [0.0, 0.02], "sha256": "0" * 64, "min": 0.0, "max": 0.02}
    trace = ctx(run(nsig=arr), run(nsig=0.05))
    assert checks.swept_values("noise", trace, "noise", "nsig", [0.02, 0.05]).passed


def test_coupling_values_are_compared_with_a_relative_tolerance():
    assert checks.swept_values("a", ctx(run(a=0.1 + 1e-12)), "coupling", "a", [0.1]).passed


def test_no_completed_run_fails_with_no_simulation_ran():
    result = checks.swept_values("a", ctx(run(error={"type": "ValueError", "message": "x"})), "coupling", "a", [0.1])
    assert not result.passed and result.message.startswith("no simulation ran")


def test_an_unknown_section_is_a_programming_error():
    with pytest.raises(ValueError):
        checks.swept_values("a", ctx(run()), "integrator", "dt", [0.1])
