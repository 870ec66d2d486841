"""The TVB trace hook (evaluators/tvb/trace_hook.py) run for real, and the trace reader/summary.

The hook is executed the way a kernel startup file is: its source exec'd into the script's own namespace
before any notebook code, in a subprocess whose cwd is a temp folder. The four TVB scripts run in parallel
(each pays the ~2.5 s TVB import) and simulate at most 60 ms each.
"""
import importlib
import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parent.parent / "evaluators" / "tvb"
HOOK = PLUGIN / "trace_hook.py"
TRACE = "simulation_trace.jsonl"


def plugin_module(name):
    """A plugin submodule, imported without running the plugin's __init__ (as the engine does, by path)."""
    if "tvb_plugin_under_test" not in sys.modules:
        pkg = types.ModuleType("tvb_plugin_under_test")
        pkg.__path__ = [str(PLUGIN)]
        sys.modules["tvb_plugin_under_test"] = pkg
    return importlib.import_module(f"tvb_plugin_under_test.{name}")


PRELUDE = "import sys\nif sys.argv[1] != 'nohook':\n    exec(open(sys.argv[2]).read())\n"

# Mode "hook" and "nohook" run the same code: outputs and the final exception must be identical.
MAIN = PRELUDE + textwrap.dedent("""
    print("LEAKED", sorted(k for k in globals() if not k.startswith("__") and k != "sys"))
    print("LAZY", "tvb.simulator.simulator" not in sys.modules and "numpy" not in sys.modules)
    import numpy as np
    from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, noise,
                                   patterns, simulator)
    np.random.seed(0)
    conn = connectivity.Connectivity.from_file()
    conn.configure()
    w = np.zeros(conn.number_of_regions)
    w[[35, 73]] = 0.5                                   # rV1, lV1
    eq = equations.PulseTrain()
    eq.parameters.update(onset=20.0, T=100.0, tau=5.0)
    stim = patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=w)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(a=np.array([-0.5]), b=np.full(76, -9.0)),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]))),
        monitors=(monitors.TemporalAverage(period=1.0), monitors.SubSample(period=2.0)),
        stimulus=stim,
        simulation_length=50.0,
    ).configure()
    (t1, y1), (t2, y2) = sim.run()
    sums = [y1.sum(), y2.sum()]
    for out in sim(simulation_length=5.0):            # generator form, continuing at 50 ms
        sums += [x[1].sum() for x in out if x is not None]
    gen = sim(simulation_length=5.0)                   # a generator abandoned after one step
    sums.append(next(gen)[0][1].sum())
    gen.close()
    nan_sim = simulator.Simulator(
        model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunDeterministic(dt=0.1), monitors=(monitors.Raw(),),
        initial_conditions=np.full((1, 2, 76, 1), np.nan)).configure()
    (_, yn), = nan_sim.run(simulation_length=1.0)
    try:
        simulator.Simulator(connectivity=conn, integrator=integrators.HeunDeterministic(dt=0.1),
                            monitors=(monitors.EEG(period=1.0),)).configure()
    except Exception as error:
        print("CONFIGURE_RAISED", type(error).__name__)
    conn.region_labels = np.array(["only-one"])        # breaks only what the hook reads (stimulus labels)
    (_, y3), = sim.run(simulation_length=1.0)[:1]
    sums.append(y3.sum())
    print("SUMS", repr([float(s) for s in sums]), bool(np.isnan(yn).all()))
    unconfigured = simulator.Simulator(connectivity=conn, integrator=integrators.HeunDeterministic(dt=0.1),
                                       monitors=(monitors.Raw(),))
    unconfigured.run(simulation_length=1.0)            # raises TypeError, uncaught
""")

SMALL = PRELUDE + textwrap.dedent("""
    import numpy as np
    from tvb.simulator.lab import connectivity, integrators, models, monitors, simulator
    conn = connectivity.Connectivity.from_file()
    sim = simulator.Simulator(model=models.Generic2dOscillator(), connectivity=conn,
                              integrator=integrators.HeunDeterministic(dt=0.1),
                              monitors=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=10.0)
    print("SHAPE", y.shape)
""")
PRELOADED = SMALL.replace("import sys\n", "import sys\nimport tvb.simulator.lab\n", 1)


def _launch(tmp: Path, name: str, script: str, mode: str) -> subprocess.Popen:
    work = tmp / name
    work.mkdir()
    if name == "unwritable":
        (work / TRACE).mkdir()                         # appending to a directory fails inside the hook
    (work / "script.py").write_text(script)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("EVOLVE_TRACE_FILE", None)
    return subprocess.Popen([sys.executable, "script.py", mode, str(HOOK)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trace")
    jobs = {"hook": (MAIN, "hook"), "nohook": (MAIN, "nohook"), "preloaded": (PRELOADED, "hook"),
            "unwritable": (SMALL, "hook")}
    procs = {name: _launch(tmp, name, script, mode) for name, (script, mode) in jobs.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        trace_file = tmp / name / TRACE
        trace = [json.loads(line) for line in trace_file.read_text().splitlines()] if trace_file.is_file() else []
        out[name] = types.SimpleNamespace(rc=proc.returncode, stdout=stdout, stderr=stderr, trace=trace)
    return out


def _line(result, tag):
    return next(line for line in result.stdout.splitlines() if line.startswith(tag + " "))


def _events(result, event):
    return [r for r in result.trace if r["event"] == event]


def test_hook_leaves_namespace_and_imports_alone(runs):
    assert _line(runs["hook"], "LEAKED") == "LEAKED []"
    assert _line(runs["hook"], "LAZY") == "LAZY True"


def test_results_and_final_exception_are_unchanged_by_the_hook(runs):
    hook, nohook = runs["hook"], runs["nohook"]
    assert _line(hook, "SUMS") == _line(nohook, "SUMS")
    assert _line(hook, "SUMS").endswith("True")        # the NaN run really produced NaN
    assert hook.rc == nohook.rc == 1
    last = hook.stderr.strip().splitlines()[-1]
    assert last == nohook.stderr.strip().splitlines()[-1]
    assert last.startswith("TypeError: unsupported operand type(s) for *")
    assert "CONFIGURE_RAISED TraitAttributeError" in hook.stdout


def test_configure_records_model_params_dt_noise_monitors_and_stimulus(runs):
    first = _events(runs["hook"], "configure")[0]
    model = first["model"]
    assert model["class"] == "Generic2dOscillator"
    assert model["params"]["a"] == -0.5
    b = model["params"]["b"]
    assert b["shape"][0] == 76 and b["min"] == b["max"] == -9.0 and b["truncated"] and len(b["values"]) == 10
    assert "a" not in model["defaults"] and model["defaults"]["d"] == 0.02
    assert model["state_variables"] == ["V", "W"] and model["variables_of_interest"] == ["V"]
    assert first["connectivity"] == {"number_of_regions": 76, "speed": 3.0}
    assert first["coupling"] == {"class": "Linear", "params": {"a": 0.0152, "b": 0.0}}
    assert first["integrator"] == {"class": "HeunStochastic", "dt": 0.1, "stochastic": True}
    assert first["noise"]["class"] == "Additive" and first["noise"]["nsig"] == 0.001
    assert [(m["class"], m["period"], m["voi_names"]) for m in first["monitors"]] == [
        ("TemporalAverage", 1.0, ["V"]), ("SubSample", 2.0, ["V"])]
    stim = first["stimulus"]
    assert stim["regions"] == [35, 73] and stim["labels"] == ["rV1", "lV1"] and stim["region_weights"] == [0.5, 0.5]
    assert stim["temporal"] == {"class": "PulseTrain", "parameters": {"T": 100.0, "tau": 5.0, "amp": 1.0, "onset": 20.0}}
    assert first["simulation_length"] == 50.0 and first["error"] is None


def test_run_records_length_wall_time_shapes_and_nan(runs):
    run, gen_full, gen_early, nan_run, after_bug, failed = _events(runs["hook"], "run")
    assert run["form"] == "run" and run["simulation_length"] == 50.0 and run["start_ms"] == 0.0
    assert 0 < run["wall_s"] < 60
    assert run["outputs"] == [{"shape": [50, 1, 76, 1], "nan": False}, {"shape": [25, 1, 76, 1], "nan": False}]
    assert run["nan"] is False and run["error"] is None and run["stimulus"]["labels"] == ["rV1", "lV1"]
    assert gen_full["form"] == "generator" and gen_full["complete"] is True and gen_full["start_ms"] == 50.0
    assert gen_full["simulation_length"] == 5.0
    assert [o["shape"] for o in gen_full["outputs"]] == [[5, 1, 76, 1], [2, 1, 76, 1]]
    assert gen_early["complete"] is False and gen_early["error"] is None
    assert nan_run["nan"] is True and nan_run["outputs"] == [{"shape": [10, 1, 76, 1], "nan": True}]
    assert after_bug["outputs"] is not None and after_bug["stimulus"] is None
    assert failed["error"]["type"] == "TypeError" and "unsupported operand" in failed["error"]["message"]
    assert failed["outputs"] is None


def test_configure_that_raises_is_recorded(runs):
    failed = [r for r in _events(runs["hook"], "configure") if r["error"]]
    assert [r["error"]["type"] for r in failed] == ["TraitAttributeError"]
    assert failed[0]["monitors"][0]["class"] == "EEG"


def test_hook_bug_is_recorded_and_does_not_break_the_script(runs):
    errors = _events(runs["hook"], "hook_error")
    assert errors and errors[0]["where"] == "run.stimulus" and "IndexError" in errors[0]["error"]
    assert "SUMS" in runs["hook"].stdout                # the script carried on after the hook's failure


def test_unwritable_trace_file_is_swallowed(runs):
    result = runs["unwritable"]
    assert result.rc == 0, result.stderr
    assert "SHAPE (10, 1, 76, 1)" in result.stdout


def test_hook_patches_immediately_when_tvb_is_already_imported(runs):
    result = runs["preloaded"]
    assert result.rc == 0, result.stderr
    assert [r["event"] for r in result.trace] == ["configure", "run"]
    assert result.trace[1]["outputs"] == [{"shape": [10, 1, 76, 1], "nan": False}]


def test_hook_without_tvb_costs_nothing(tmp_path):
    code = ("import sys, time; t0 = time.perf_counter(); exec(open(sys.argv[1]).read()); "
            "print(time.perf_counter() - t0, 'numpy' in sys.modules, 'tvb' in sys.modules, "
            "type(sys.meta_path[0]).__name__)")
    out = subprocess.run([sys.executable, "-c", code, str(HOOK)], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout.split()
    assert float(out[0]) < 0.5 and out[1:] == ["False", "False", "_TraceFinder"]
    assert not (tmp_path / TRACE).exists()


# ----------------------------------------------------------------------------- trace.py
def test_read_trace_tolerates_truncated_and_garbled_lines(tmp_path):
    trace = plugin_module("trace")
    good = {"event": "run", "simulation_length": 10.0}
    (tmp_path / TRACE).write_text(json.dumps(good) + "\nnot json\n[1, 2]\n" + json.dumps(good)[:15])
    assert trace.read_trace(tmp_path) == [good]
    assert trace.read_trace(tmp_path / TRACE) == [good]
    assert trace.read_trace(tmp_path / "missing") == []


def test_summarize_one_line_per_run(runs):
    trace = plugin_module("trace")
    text = trace.summarize(runs["hook"].trace)
    lines = text.splitlines()
    assert lines[0] == "6 TVB run(s):"
    assert lines[1].startswith("run 1: Generic2dOscillator(a=-0.5, b=[76: all -9]); 76 regions")
    assert "HeunStochastic dt=0.1 ms nsig=0.001" in lines[1] and "50 ms" in lines[1]
    assert "monitors TemporalAverage(1 ms), SubSample(2 ms)" in lines[1]
    assert "stimulus PulseTrain on rV1, lV1" in lines[1] and "no NaN" in lines[1]
    assert "continuing from 50 ms" in lines[2] and "generator stopped early" in lines[3]
    assert "NaN/inf in output" in lines[4]
    assert "RAISED TypeError" in lines[6]
    assert "internal error" in lines[-1]


def test_summarize_without_runs_and_long_sweeps():
    trace = plugin_module("trace")
    assert trace.summarize([]) == "No TVB simulation ran."
    configure_only = [{"event": "configure", "error": {"type": "TraitAttributeError", "message": "sensors"}}]
    assert trace.summarize(configure_only).splitlines() == [
        "No TVB simulation ran (1 Simulator.configure() call(s), no run).",
        "configure() raised TraitAttributeError: sensors"]
    sweep = [{"event": "run", "model": {"class": "Kuramoto"}, "simulation_length": float(i)} for i in range(40)]
    lines = trace.summarize(sweep).splitlines()
    assert len(lines) == 1 + trace.MAX_LINES and "... 29 more runs ..." in lines
    assert lines[-1] == "run 40: Kuramoto; 39 ms; monitors none"

