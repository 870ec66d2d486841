"""Trace check helpers (evaluators/tvb/checks.py), and goal checks that read run lengths, on hand-made traces
shaped like trace_hook.py's v2 records."""
import copy
import importlib
import importlib.util
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

MU = [0.1] * 75 + [0.3]
RUN = {
    "v": 2, "event": "run", "sim": "ab12cd34", "pid": 7, "seq": 2, "time": 0.0, "form": "run",
    "model": {"class": "JansenRit", "params": {"A": 3.5, "mu": {"shape": [76, 1], "values": MU, "sha256": "0" * 64,
                                                               "min": 0.1, "max": 0.3}},
              "defaults": {"B": 22.0, "a": 0.1}, "state_variables": ["y0", "y1", "y2", "y3", "y4", "y5"],
              "variables_of_interest": ["y0", "y1", "y2", "y3"], "number_of_modes": 1},
    "connectivity": {"number_of_regions": 76, "speed": 3.0},
    "coupling": {"class": "SigmoidalJansenRit", "params": {"a": 10.0}},
    "integrator": {"class": "HeunDeterministic", "dt": 0.1, "stochastic": False}, "noise": None,
    "monitors": [{"class": "TemporalAverage", "period": 1.0, "variables_of_interest": [], "voi_names": ["y0"]},
                 {"class": "Bold", "period": 2000.0, "variables_of_interest": [], "voi_names": ["y0"]}],
    "stimulus": {"class": "StimuliRegion", "temporal": {"class": "PulseTrain", "parameters": {"onset": 500.0}},
                 "regions": [35, 36], "region_weights": [1.0, 0.5], "labels": ["rV1", "rV2"]},
    "simulation_length": 2000.0, "n_steps": 20000, "start_ms": 0.0, "steps": 20000, "wall_s": 4.2, "complete": True,
    "outputs": [{"samples": 2000, "shape": [4, 76, 1], "period": 1.0, "nan": False},
                {"samples": 1, "shape": [4, 76, 1], "period": 2000.0, "nan": False}],
    "nan": False, "simulated_ms": 2000.0, "error": None,
}


def run(**changes):
    record = copy.deepcopy(RUN)
    for key, value in changes.items():
        record[key] = value
    return record


def ctx(*records):
    return CheckContext(results=None, trace=list(records))


FAILED = run(error={"type": "TypeError", "message": "unsupported operand type(s) for *: 'float' and 'NoneType'"},
             outputs=None, nan=None, simulated_ms=None, complete=False)
CONFIGURE = {"v": 2, "event": "configure", "model": RUN["model"], "error": None}
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


def length(ms, requested=None, **changes):
    """A run that asked for `requested` (default: ms) and produced `ms` of output."""
    return run(simulation_length=ms if requested is None else requested, simulated_ms=ms, **changes)


def test_simulated_at_least_counts_what_runs_produced():
    assert checks.simulated_at_least("l", ctx(RUN), 2000.0).passed
    assert checks.simulated_at_least("l", ctx(length(2000.0 - 1e-9)), 2000.0).passed   # samples x period arithmetic
    short = checks.simulated_at_least("l", ctx(length(500.0), length(1000.0)), 2000.0)
    assert not short.passed
    assert short.message == ("expected one run of at least 2000 ms; the longest run simulated 1000 ms "
                             "(set it with sim.run(simulation_length=2000))")
    # a longer run that raised does not count
    assert not checks.simulated_at_least("l", ctx(length(500.0), FAILED), 1000.0).passed


def test_a_generator_stopped_after_one_step_does_not_simulate_the_requested_length():
    broken = length(1.0, requested=2000.0, form="generator", complete=False, steps=10,
                    outputs=[{"samples": 1, "shape": [4, 76, 1], "period": 1.0, "nan": False}])
    result = checks.simulated_at_least("l", ctx(broken), 2000.0)
    assert not result.passed
    assert result.message == ("expected one run of at least 2000 ms; a run asked for 2000 ms but simulated only "
                              "1 ms (the generator was stopped early); only the samples a run produces count")
    no_samples = checks.simulated_at_least("l", ctx(run(simulated_ms=None)), 2000.0)
    assert not no_samples.passed and "simulated only 0 ms (its monitors produced fewer samples)" in no_samples.message


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


def test_stimulated_regions_says_what_an_unlabelled_stimulus_had():
    zero = {"class": "StimuliRegion", "weight": {"shape": [76]}, "regions": [], "region_weights": [], "labels": []}
    message = checks.stimulated_regions("s", ctx(run(stimulus=zero)), "rV1").message
    assert "its region weights are all zero" in message and "no region weights recorded" not in message
    unlabelled = {"class": "StimuliRegion", "weight": {"shape": [76]}, "regions": [3, 7]}
    assert "regions 3, 7; their labels were not recorded" in \
        checks.stimulated_regions("s", ctx(run(stimulus=unlabelled)), "rV1").message
    spatial = {"class": "StimuliSurface", "spatial": {"class": "Gaussian"}}
    assert "no region weights recorded" in checks.stimulated_regions("s", ctx(run(stimulus=spatial)), "rV1").message


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
    nan_param = run(model={**RUN["model"], "params": {"A": {"shape": [76], "values": ["nan"] * 76, "min": "nan",
                                                              "max": "nan"}}})
    assert not checks.parameter_value("p", ctx(nan_param), "JansenRit", "A", 0.0, 10.0).passed
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


# ----------------------------------------------------------------------------- goal checks that read run lengths
ROOT = Path(__file__).resolve().parent.parent


def goal_check(slug):
    """A goal's check.py, loaded by path as evolve.goal_checks does."""
    spec = importlib.util.spec_from_file_location(f"goal_check_under_test_{slug.replace('-', '_')}",
                                                  ROOT / "goals" / slug / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _g2d(ms, requested, a=0.1, seed=42, **changes):
    return length(ms, requested=requested, model={"class": "Generic2dOscillator", "params": {}, "defaults": {}},
                  integrator={"class": "HeunStochastic", "dt": 0.1, "stochastic": True},
                  noise={"class": "Additive", "nsig": 1e-3, "ntau": 0.0, "noise_seed": seed},
                  coupling={"class": "Linear", "params": {"a": a}},
                  connectivity={"number_of_regions": 76, "speed": 4.0}, **changes)


@pytest.mark.parametrize("slug, function, ms, count", [
    ("tumour-virtual-resection", "_runs", 3000.0, 2),
    ("stroke-lesion", "_trace", 4000.0, 2),
    ("lesion-effect", "two_networks_simulated", 2000.0, 2),
    ("noise-reliability", "runs_long_enough", 10000.0, 3),
])
def test_goal_checks_count_simulated_not_requested_time(slug, function, ms, count):
    check = getattr(goal_check(slug), function)
    honest = [_g2d(ms, ms, seed=i) for i in range(count)]
    assert check(ctx(*honest)).passed
    stopped = [_g2d(1.0, ms, seed=i, form="generator", complete=False) for i in range(count)]
    assert not check(ctx(*stopped)).passed


def pulse(labels, period, length=2000.0):
    return run(simulated_ms=length, stimulus={
        "class": "StimuliRegion", "temporal": {"class": "PulseTrain", "parameters": {"T": period, "onset": 500.0}},
        "regions": [35], "region_weights": [1.0], "labels": labels})


def test_pulse_train_on_one_region_with_a_period_or_a_single_pulse():
    assert checks.pulse_train_on("p", ctx(pulse(["lM1"], 5000.0)), "lM1", single_pulse=True).passed
    repeated = checks.pulse_train_on("p", ctx(pulse(["lM1"], 100.0)), "lM1", single_pulse=True)
    assert not repeated.passed and "PulseTrain T=100.0 on ['lM1'] over 2000.0 ms" in repeated.message
    assert checks.pulse_train_on("p", ctx(pulse(["lPFCDL"], 100.0)), "lPFCDL", period_ms=100.0).passed
    assert not checks.pulse_train_on("p", ctx(pulse(["lPFCDL"], 1000.0)), "lPFCDL", period_ms=100.0).passed
    two = checks.pulse_train_on("p", ctx(pulse(["lPFCDL", "rPFCDL"], 100.0)), "lPFCDL", period_ms=100.0)
    assert not two.passed and "non-zero only at lPFCDL" in two.message
    elsewhere = checks.pulse_train_on("p", ctx(pulse(["rV1"], 100.0)), "lM1")
    assert not elsewhere.passed and "rV1" in elsewhere.message  # the region check speaks first
