"""The TVB trace hook (evaluators/tvb/trace_hook.py) run for real, and the trace reader/summary (trace.py).

The hook is executed the way the sandbox runs a startup file: its source exec'd into the script's own
namespace before any notebook code (or through a `sitecustomize` on PYTHONPATH, for the multiprocessing
scenario), in a subprocess whose cwd is a temp `work/` folder and whose $EVOLVE_EVIDENCE_DIR is a sibling
`evidence/` folder. The TVB scripts run in parallel (each pays the ~2.5 s TVB import) and simulate at most
60 ms each (a generator asked for 2000 ms is stopped after its first sample).
"""
import hashlib
import importlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path

import numpy as np
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


trace = plugin_module("trace")

PRELUDE = "import sys\nif sys.argv[1] != 'nohook':\n    exec(open(sys.argv[2]).read())\n"

# Mode "hook" and "nohook" run the same code: outputs and the final exception must be identical.
MAIN = PRELUDE + textwrap.dedent("""
    print("LEAKED", sorted(k for k in globals() if not k.startswith("__") and k != "sys"))
    print("LAZY", "tvb.simulator.simulator" not in sys.modules and "numpy" not in sys.modules)
    import numpy as np
    from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, noise,
                                   patterns, simulator)
    for method in ("run", "configure", "__call__"):
        try:
            getattr(simulator.Simulator, method).__wrapped__
            print("UNWRAP", method, "found")
        except AttributeError:
            print("UNWRAP", method, "AttributeError")
    print("NAMES", simulator.Simulator.run.__name__, simulator.Simulator.__call__.__qualname__,
          simulator.Simulator.configure.__doc__ is not None)
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
    print("SUMS", repr([float(s) for s in sums]), bool(np.isnan(yn).all()), float(np.random.rand()))
    unconfigured = simulator.Simulator(connectivity=conn, integrator=integrators.HeunDeterministic(dt=0.1),
                                       monitors=(monitors.Raw(),))
    unconfigured.run(simulation_length=1.0)            # raises TypeError, uncaught
""")

# A notebook under pressure: a region-wise Epileptor x0, coloured seeded noise, given initial conditions, a
# generator asked for 2000 ms but stopped after one sample, and a forged trace written into its own folder.
EPI = PRELUDE + textwrap.dedent("""
    import hashlib, json
    import numpy as np
    from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

    def fingerprint(y):
        y = np.ascontiguousarray(y, dtype=np.float64)
        return json.dumps({"samples": len(y), "sha256": hashlib.sha256(y.tobytes()).hexdigest(),
                           "mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()),
                           "max": float(y.max())}, separators=(",", ":"))

    conn = connectivity.Connectivity.from_file()
    x0 = np.full(76, -2.2)
    x0[9], x0[40] = -1.8, -1.6                          # index 40: beyond what a 10-value trace kept
    epi = simulator.Simulator(
        model=models.Epileptor(x0=x0), connectivity=conn, coupling=coupling.Difference(a=np.array([1.0])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-5]), ntau=0.5,
                                                                             noise_seed=7)),
        monitors=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = epi.run(simulation_length=20.0)
    print("EPI_RUN", fingerprint(y))
    for out in epi(simulation_length=2000.0):          # asks for 2000 ms, keeps one sample
        break

    np.random.seed(5)
    np.random.rand(3)                                  # the global state is not a fresh seed
    given = np.random.uniform(-1, 1, size=(1, 2, 76, 1))
    def generic(ic):
        return simulator.Simulator(
            model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.01])),
            integrator=integrators.HeunDeterministic(dt=0.1), initial_conditions=ic,
            monitors=(monitors.TemporalAverage(period=1.0), monitors.Raw()))
    state = np.random.get_state()
    a = generic(given).configure()                     # pads the given sample with global-RNG history
    np.random.set_state(state)
    b = generic(given).configure()                     # the same history as a
    (ta, ya), (tr, yr) = a.run(simulation_length=20.0)
    ys, ts = [], []
    for out in b(simulation_length=20.0):
        if out[0] is not None:
            ts.append(out[0][0])
            ys.append(out[0][1])
    print("DET_RUN", fingerprint(ya), fingerprint(yr))
    print("DET_GEN", fingerprint(np.array(ys)))
    held = epi(simulation_length=30.0)                 # a generator still held when the script exits
    next(held)
    with open("simulation_trace.jsonl", "w") as forged:  # the notebook writes its own "evidence"
        forged.write(json.dumps({"v": 2, "event": "run", "sim": "f0f0f0f0", "pid": 1, "seq": 1, "form": "run",
                                 "simulated_ms": 100000.0, "outputs": [{"samples": 100000, "period": 1.0}],
                                 "error": None}) + "\\n")
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

# The sandbox's sitecustomize runs the startup file in every Python process; the kernel runs it once more.
SITECUSTOMIZE = textwrap.dedent("""
    try:
        exec(compile(open({hook!r}).read(), {hook!r}, "exec"), {{"__name__": "evolve_startup"}})
    except Exception:
        pass
""")
WORKER = textwrap.dedent("""
    import os

    def simulate(_):
        from tvb.simulator.lab import connectivity, integrators, models, monitors, simulator
        sim = simulator.Simulator(model=models.Generic2dOscillator(),
                                  connectivity=connectivity.Connectivity.from_file(),
                                  integrator=integrators.HeunDeterministic(dt=0.1),
                                  monitors=(monitors.TemporalAverage(period=1.0),)).configure()
        (t, y), = sim.run(simulation_length=5.0)
        return os.getpid(), y.shape
""")
POOLS = textwrap.dedent("""
    import multiprocessing, os, sys
    exec(open(sys.argv[2]).read())                     # the kernel's hidden step, after sitecustomize
    import worker

    if __name__ == "__main__":
        own = worker.simulate(0)[0]                    # patches Simulator here, before the fork
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            spawned = pool.apply(worker.simulate, (0,))[0]
        with multiprocessing.get_context("fork").Pool(1) as pool:
            forked = pool.apply(worker.simulate, (0,))[0]
        print("PIDS", own, spawned, forked)
""")


def _launch(tmp: Path, name: str, script: str, mode: str, env_extra=None) -> subprocess.Popen:
    work, evidence = tmp / name / "work", tmp / name / "evidence"
    work.mkdir(parents=True)
    evidence.mkdir()
    if name == "unwritable":
        (evidence / TRACE).mkdir()                     # appending to a directory fails inside the hook
    (work / "script.py").write_text(script)
    env = dict(os.environ, PYTHONWARNINGS="ignore", EVOLVE_EVIDENCE_DIR=str(evidence), **(env_extra or {}))
    if name == "pools":
        site = tmp / name / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(hook=str(HOOK)))
        (work / "worker.py").write_text(WORKER)
        env["PYTHONPATH"] = str(site)
    return subprocess.Popen([sys.executable, "script.py", mode, str(HOOK)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trace")
    jobs = {"hook": (MAIN, "hook"), "nohook": (MAIN, "nohook"), "epi": (EPI, "hook"),
            "preloaded": (PRELOADED, "hook"), "unwritable": (SMALL, "hook"), "pools": (POOLS, "hook")}
    procs = {name: _launch(tmp, name, script, mode) for name, (script, mode) in jobs.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        evidence = tmp / name / "evidence"
        out[name] = types.SimpleNamespace(rc=proc.returncode, stdout=stdout, stderr=stderr, evidence=evidence,
                                          work=tmp / name / "work", trace=trace.read_trace(evidence))
    return out


def _line(result, tag):
    return next(line for line in result.stdout.splitlines() if line.startswith(tag + " "))


def _json(result, tag, index=0):
    """The index-th JSON word printed after `tag` (the scripts print compact JSON)."""
    return json.loads(_line(result, tag).split(" ")[1 + index])


def _events(result, event):
    return [r for r in result.trace if r["event"] == event]


# ----------------------------------------------------------------------------- the hook, for real
def test_hook_leaves_namespace_and_imports_alone(runs):
    assert _line(runs["hook"], "LEAKED") == "LEAKED []"
    assert _line(runs["hook"], "LAZY") == "LAZY True"


def test_results_random_state_and_final_exception_are_unchanged_by_the_hook(runs):
    hook, nohook = runs["hook"], runs["nohook"]
    assert _line(hook, "SUMS") == _line(nohook, "SUMS")   # includes a global np.random draw at the end
    assert " True " in _line(hook, "SUMS")                # the NaN run really produced NaN
    assert hook.rc == nohook.rc == 1
    last = hook.stderr.strip().splitlines()[-1]
    assert last == nohook.stderr.strip().splitlines()[-1]
    assert last.startswith("TypeError: unsupported operand type(s) for *")
    assert "CONFIGURE_RAISED TraitAttributeError" in hook.stdout
    assert nohook.trace == [] and not any(nohook.evidence.iterdir())


def test_restoring_the_original_methods_through_wrapped_raises_attribute_error(runs):
    hook = runs["hook"].stdout
    for method in ("run", "configure", "__call__"):
        assert f"UNWRAP {method} AttributeError" in hook
    assert "NAMES run Simulator.__call__ True" in hook   # the wrappers still look like the originals


def test_every_record_carries_version_event_sim_pid_and_sequence(runs):
    records = runs["hook"].trace
    assert records and all(r["v"] == 2 and r["pid"] > 0 and isinstance(r["seq"], int) for r in records)
    seqs = [r["seq"] for r in records]
    assert len(set(seqs)) == len(seqs)
    assert all(len(r["sim"]) == 8 for r in records if r["event"] != "hook_error")


def test_configure_records_model_params_dt_noise_monitors_and_stimulus(runs):
    first = _events(runs["hook"], "configure")[0]
    model = first["model"]
    assert model["class"] == "Generic2dOscillator" and model["module"] == "tvb.simulator.models.oscillator"
    assert model["params"]["a"] == -0.5
    b = model["params"]["b"]
    assert b["shape"] == [76] and b["values"] == [-9.0] * 76 and b["min"] == b["max"] == -9.0
    assert "truncated" not in b
    assert b["sha256"] == hashlib.sha256(np.full(76, -9.0).tobytes()).hexdigest()
    assert "a" not in model["defaults"] and model["defaults"]["d"] == 0.02
    assert model["state_variables"] == ["V", "W"] and model["variables_of_interest"] == ["V"]
    assert {k: len(v) for k, v in model["state_variable_range"].items()} == {"V": 2, "W": 2}
    conn = first["connectivity"]
    assert conn["number_of_regions"] == 76 and conn["speed"] == 3.0 and len(conn["sha256"]) == 64
    assert first["coupling"] == {"class": "Linear", "params": {"a": 0.0152, "b": 0.0}}
    assert first["integrator"] == {"class": "HeunStochastic", "dt": 0.1, "stochastic": True}
    assert first["noise"] == {"class": "Additive", "nsig": 0.001, "ntau": 0.0, "noise_seed": 42}
    assert [(m["class"], m["period"], m["istep"], m["voi_names"]) for m in first["monitors"]] == [
        ("TemporalAverage", 1.0, 10, ["V"]), ("SubSample", 2.0, 20, ["V"])]
    stim = first["stimulus"]
    assert stim["regions"] == [35, 73] and stim["labels"] == ["rV1", "lV1"] and stim["region_weights"] == [0.5, 0.5]
    assert stim["weight"]["shape"] == [76] and stim["weight"]["values"][35] == 0.5 and stim["weight"]["max"] == 0.5
    assert stim["temporal"] == {"class": "PulseTrain", "parameters": {"T": 100.0, "tau": 5.0, "amp": 1.0, "onset": 20.0}}
    assert first["simulator"] == {"class": "Simulator", "module": "tvb.simulator.simulator", "overrides": []}
    assert first["simulation_length"] == 50.0 and first["error"] is None
    initial = first["initial"]
    assert initial["source"] == "random" and initial["rng_sidecar"] == f"rng-{first['pid']}-{first['seq']}.npz"
    assert initial["history"]["shape"][1:] == [1, 76, 1]          # the history holds the coupling variable V


def test_connectivity_is_saved_once_per_distinct_content(runs):
    hook = runs["hook"]
    names = {r["connectivity"]["sidecar"] for r in hook.trace if r.get("connectivity")}
    assert len(names) == 2                              # the default connectome, then the relabelled one
    assert sorted(p.name for p in hook.evidence.glob("conn-*")) == sorted(names)
    first = next(r["connectivity"] for r in hook.trace if r.get("connectivity"))
    arrays = trace.load_sidecar(hook.evidence, first["sidecar"])
    assert arrays["weights"].shape == (76, 76) and arrays["region_labels"][35] == "rV1"
    digest = hashlib.sha256(arrays["weights"].tobytes() + arrays["tract_lengths"].tobytes()).hexdigest()
    assert digest == first["sha256"]


def test_run_records_requested_and_simulated_length_outputs_and_nan(runs):
    run, gen_full, gen_early, nan_run, after_bug, failed = _events(runs["hook"], "run")
    assert run["form"] == "run" and run["simulation_length"] == 50.0 and run["start_ms"] == 0.0
    assert run["steps"] == 500 and run["simulated_ms"] == 50.0 and run["complete"] is True
    assert 0 < run["wall_s"] < 60
    assert [(o["samples"], o["shape"], o["period"], o["first_t"], o["last_t"]) for o in run["outputs"]] == [
        (50, [1, 76, 1], 1.0, 0.5, 49.5), (25, [1, 76, 1], 2.0, 2.0, 50.0)]
    assert run["nan"] is False and run["error"] is None and run["stimulus"]["labels"] == ["rV1", "lV1"]
    assert run["rng_sidecar"] and run["random_state_given"] is False
    assert gen_full["form"] == "generator" and gen_full["complete"] is True and gen_full["start_ms"] == 50.0
    assert gen_full["simulation_length"] == 5.0 and gen_full["simulated_ms"] == 5.0 and gen_full["steps"] == 50
    assert [o["samples"] for o in gen_full["outputs"]] == [5, 2]
    assert gen_early["complete"] is False and gen_early["error"] is None
    # one sample from each monitor after 10 steps: 1 ms, although the SubSample's period is 2 ms
    assert [o["samples"] for o in gen_early["outputs"]] == [1, 1]
    assert gen_early["steps"] == 10 and gen_early["simulated_ms"] == 1.0
    assert nan_run["nan"] is True and nan_run["outputs"][0]["nan"] is True and nan_run["outputs"][0]["mean"] == "nan"
    assert nan_run["outputs"][0]["samples"] == 10 and nan_run["simulated_ms"] == 1.0
    assert after_bug["outputs"] is not None and after_bug["stimulus"] is None
    assert failed["error"]["type"] == "TypeError" and "unsupported operand" in failed["error"]["message"]
    assert failed["outputs"] is None and failed["simulated_ms"] is None


def test_configure_that_raises_is_recorded(runs):
    failed = [r for r in _events(runs["hook"], "configure") if r["error"]]
    assert [r["error"]["type"] for r in failed] == ["TraitAttributeError"]
    assert failed[0]["monitors"][0]["class"] == "EEG"


def test_hook_bug_is_recorded_and_does_not_break_the_script(runs):
    errors = _events(runs["hook"], "hook_error")
    assert errors and errors[0]["where"] == "run.stimulus" and "IndexError" in errors[0]["error"]
    assert "SUMS" in runs["hook"].stdout                # the script carried on after the hook's failure


def test_full_region_wise_epileptor_x0_is_in_the_trace(runs):
    epi = runs["epi"]
    assert epi.rc == 0, epi.stderr
    x0 = _events(epi, "configure")[0]["model"]["params"]["x0"]
    expected = np.full(76, -2.2)
    expected[9], expected[40] = -1.8, -1.6
    assert x0["shape"] == [76] and x0["values"] == expected.tolist()
    assert x0["sha256"] == hashlib.sha256(expected.tobytes()).hexdigest() and (x0["min"], x0["max"]) == (-2.2, -1.6)


def test_noise_seed_and_ntau_are_recorded(runs):
    noise = _events(runs["epi"], "configure")[0]["noise"]
    assert noise == {"class": "Additive", "nsig": 1e-5, "ntau": 0.5, "noise_seed": 7}


def test_run_outputs_fingerprint_the_data_the_notebook_got(runs):
    epi = runs["epi"]
    run = next(r for r in _events(epi, "run") if r["model"]["class"] == "Epileptor" and r["form"] == "run")
    claimed = _json(epi, "EPI_RUN")
    out = run["outputs"][0]
    assert (out["samples"], out["sha256"], out["min"], out["max"]) == (
        claimed["samples"], claimed["sha256"], claimed["min"], claimed["max"])
    assert out["mean"] == pytest.approx(claimed["mean"], rel=1e-12)
    assert out["std"] == pytest.approx(claimed["std"], rel=1e-9)


def test_generator_and_run_forms_fingerprint_identical_output_identically(runs):
    epi = runs["epi"]
    a_run, b_gen = [r for r in _events(epi, "run") if r["model"]["class"] == "Generic2dOscillator"]
    assert (a_run["form"], b_gen["form"]) == ("run", "generator")
    ta, raw = _json(epi, "DET_RUN", 0), _json(epi, "DET_RUN", 1)
    gen = _json(epi, "DET_GEN")
    assert ta["sha256"] == gen["sha256"] == a_run["outputs"][0]["sha256"] == b_gen["outputs"][0]["sha256"]
    assert b_gen["outputs"][0]["mean"] == pytest.approx(ta["mean"], rel=1e-12)
    assert b_gen["outputs"][0]["std"] == pytest.approx(ta["std"], rel=1e-9)
    assert a_run["outputs"][1]["sha256"] == raw["sha256"] and a_run["outputs"][1]["samples"] == 200
    assert a_run["simulated_ms"] == b_gen["simulated_ms"] == 20.0


def test_a_generator_broken_after_one_step_records_one_sample_not_the_requested_length(runs):
    early = [r for r in _events(runs["epi"], "run") if r["form"] == "generator" and r["simulation_length"] == 2000.0]
    assert len(early) == 1
    record = early[0]
    assert record["complete"] is False and record["outputs"][0]["samples"] == 1
    assert record["simulated_ms"] == pytest.approx(1.0) and record["steps"] == 10
    assert trace.simulated_ms(record) == pytest.approx(1.0) and trace.requested_ms(record) == 2000.0
    assert "simulated 1 ms (2000 ms requested)" in trace.describe_run(record)


def test_a_generator_still_held_at_exit_is_recorded_with_what_it_produced(runs):
    held = [r for r in _events(runs["epi"], "run") if r["simulation_length"] == 30.0]
    assert len(held) == 1 and held[0]["complete"] is False and held[0]["simulated_ms"] == pytest.approx(1.0)


def test_a_notebook_writing_its_own_trace_into_its_folder_contributes_nothing(runs):
    epi = runs["epi"]
    forged = (epi.work / TRACE).read_text().splitlines()
    assert len(forged) == 1 and trace.read_trace(epi.work)[0]["sim"] == "f0f0f0f0"   # a well-formed record
    assert not any(r.get("sim") == "f0f0f0f0" for r in epi.trace)                    # not in the evidence
    assert max(trace.simulated_ms(r) for r in trace.completed_runs(epi.trace)) == 20.0
    assert sorted(p.name for p in epi.work.iterdir()) == ["script.py", TRACE]       # the hook wrote nothing there


def test_given_initial_conditions_are_saved_and_identical_set_ups_have_identical_history(runs):
    epi = runs["epi"]
    a, b = [r["initial"] for r in _events(epi, "configure") if r["model"]["class"] == "Generic2dOscillator"]
    assert a["source"] == b["source"] == "given" and a["given"]["shape"] == [1, 2, 76, 1]
    assert a["given_sidecar"] == b["given_sidecar"] == f"given-{a['given']['sha256'][:12]}.npz"
    saved = trace.load_sidecar(epi.evidence, a["given_sidecar"])["initial_conditions"]
    assert hashlib.sha256(saved.tobytes()).hexdigest() == a["given"]["sha256"]
    assert a["history"]["sha256"] == b["history"]["sha256"] and a["rng_sidecar"] != b["rng_sidecar"]


REPLAY = textwrap.dedent("""
    import hashlib, importlib.util, sys
    import numpy as np
    from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator
    spec = importlib.util.spec_from_file_location("trace_under_test", sys.argv[1])
    trace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trace)
    evidence = sys.argv[2]
    configures = [r for r in trace.read_trace(evidence) if r["event"] == "configure"]
    epi_rec = next(r for r in configures if r["model"]["class"] == "Epileptor")
    det_rec = next(r for r in configures if r["model"]["class"] == "Generic2dOscillator")

    def sha(sim):
        return hashlib.sha256(np.ascontiguousarray(sim.history.buffer, dtype=np.float64).tobytes()).hexdigest()

    def mt(arrays, prefix):
        return ("MT19937", arrays[prefix + "keys"], int(arrays[prefix + "pos"]), int(arrays[prefix + "has_gauss"]),
                float(arrays[prefix + "cached_gaussian"]))

    conn = connectivity.Connectivity.from_file()
    x0 = np.array(epi_rec["model"]["params"]["x0"]["values"])
    def epileptor():                                     # another seed: only the saved stream state can match
        return simulator.Simulator(
            model=models.Epileptor(x0=x0), connectivity=conn, coupling=coupling.Difference(a=np.array([1.0])),
            integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-5]), ntau=0.5,
                                                                                 noise_seed=99)),
            monitors=(monitors.TemporalAverage(period=1.0),))
    rng = trace.load_sidecar(evidence, epi_rec["initial"]["rng_sidecar"])
    unset = epileptor().configure()
    sim = epileptor()
    sim.integrator.noise.random_stream.set_state(mt(rng, "noise_"))
    np.random.seed(12345)                                # the global state does not matter here
    print("EPI", sha(sim.configure()) == epi_rec["initial"]["history"]["sha256"],
          sha(unset) == epi_rec["initial"]["history"]["sha256"])

    given = trace.load_sidecar(evidence, det_rec["initial"]["given_sidecar"])["initial_conditions"]
    def generic():
        return simulator.Simulator(
            model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.01])),
            integrator=integrators.HeunDeterministic(dt=0.1), initial_conditions=given,
            monitors=(monitors.TemporalAverage(period=1.0), monitors.Raw()))
    rng = trace.load_sidecar(evidence, det_rec["initial"]["rng_sidecar"])
    results = []
    for _ in range(2):
        np.random.set_state(mt(rng, ""))
        results.append(sha(generic().configure()) == det_rec["initial"]["history"]["sha256"])
    np.random.seed(5)                                    # a fresh seed is not the state the notebook had
    results.append(sha(generic().configure()) == det_rec["initial"]["history"]["sha256"])
    print("DET", *results)
""")


def test_rng_sidecar_restores_the_exact_random_initial_history(runs, tmp_path):
    epi = runs["epi"]
    script = tmp_path / "replay.py"
    script.write_text(REPLAY)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("EVOLVE_EVIDENCE_DIR", None)
    done = subprocess.run([sys.executable, str(script), str(PLUGIN / "trace.py"), str(epi.evidence)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "EPI True False" in done.stdout           # with the saved noise state; not without
    assert "DET True True False" in done.stdout          # twice from the saved state; not from a fresh seed


def test_spawned_forked_and_own_simulations_are_each_traced_once(runs):
    pools = runs["pools"]
    assert pools.rc == 0, pools.stderr
    own, spawned, forked = (int(p) for p in _line(pools, "PIDS").split()[1:])
    assert len({own, spawned, forked}) == 3
    run_pids = sorted(r["pid"] for r in _events(pools, "run"))
    assert run_pids == sorted([own, spawned, forked])   # the hook ran twice in the parent, traced once
    assert all(r["simulated_ms"] == 5.0 for r in _events(pools, "run"))


def test_unwritable_trace_file_is_swallowed(runs):
    result = runs["unwritable"]
    assert result.rc == 0, result.stderr
    assert "SHAPE (10, 1, 76, 1)" in result.stdout


def test_hook_patches_immediately_when_tvb_is_already_imported(runs):
    result = runs["preloaded"]
    assert result.rc == 0, result.stderr
    assert [r["event"] for r in result.trace] == ["configure", "run"]
    assert result.trace[1]["outputs"][0]["samples"] == 10 and result.trace[1]["simulated_ms"] == 10.0
    assert trace.did_work(result.trace)


def test_hook_without_tvb_costs_nothing(tmp_path):
    code = ("import sys; exec(open(sys.argv[1]).read()); "
            "print('numpy' in sys.modules, 'tvb' in sys.modules, type(sys.meta_path[0]).__name__)")
    env = dict(os.environ, EVOLVE_EVIDENCE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code, str(HOOK)], cwd=tmp_path, capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False", "False", "_TraceFinder"]
    assert not any(tmp_path.iterdir())


def test_hook_without_an_evidence_dir_installs_nothing(tmp_path):
    code = ("import sys; before = list(sys.meta_path); exec(open(sys.argv[1]).read()); "
            "print(sys.meta_path == before)")
    env = dict(os.environ)
    env.pop("EVOLVE_EVIDENCE_DIR", None)
    out = subprocess.run([sys.executable, "-c", code, str(HOOK)], cwd=tmp_path, capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["True"]


# ----------------------------------------------------------------------------- trace.py on hostile files
GOOD = {"v": 2, "event": "run", "simulation_length": 10.0, "simulated_ms": 10.0, "outputs": [{"samples": 10}]}


def test_read_trace_keeps_only_version_2_dict_records(tmp_path):
    lines = [json.dumps(GOOD), "not json", "[1, 2]", json.dumps({"event": "run"}), json.dumps({**GOOD, "v": 1}),
             json.dumps({**GOOD, "v": True}), "[" * 100_000, json.dumps(GOOD)[:15]]
    (tmp_path / TRACE).write_bytes("\n".join(lines).encode() + b"\n\xff\xfe{\n" + json.dumps(GOOD)[:15].encode())
    assert trace.read_trace(tmp_path) == [GOOD]
    assert trace.read_trace(tmp_path / TRACE) == [GOOD]
    assert trace.read_trace(tmp_path / "missing") == []


def test_read_trace_skips_overlong_lines(tmp_path):
    huge = json.dumps({**GOOD, "pad": "x" * (trace.MAX_LINE_BYTES + 10)})
    (tmp_path / TRACE).write_text(huge + "\n" + json.dumps(GOOD) + "\n")
    assert trace.read_trace(tmp_path) == [GOOD]


def test_read_trace_stops_at_its_byte_cap_and_says_so(tmp_path, monkeypatch):
    line = json.dumps(GOOD) + "\n"
    (tmp_path / TRACE).write_text(line * 100)
    monkeypatch.setattr(trace, "MAX_TRACE_BYTES", len(line) * 3 + 5)
    records = trace.read_trace(tmp_path)
    assert records[:3] == [GOOD] * 3 and len(records) == 4
    assert records[3]["event"] == "hook_error" and records[3]["error"] == "trace truncated by the reader"


def test_read_trace_does_not_follow_a_link_to_a_system_file_or_a_device(tmp_path):
    (tmp_path / TRACE).symlink_to("/etc/passwd")
    assert trace.read_trace(tmp_path) == []
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / TRACE).symlink_to("/dev/zero")
    assert trace.read_trace(zero) == []                 # not followed: no endless read


def test_read_trace_does_not_block_on_a_fifo(tmp_path):
    os.mkfifo(tmp_path / TRACE)
    result = []
    reader = threading.Thread(target=lambda: result.append(trace.read_trace(tmp_path)), daemon=True)
    reader.start()
    reader.join(timeout=60)                             # a hang guard: a blocking open would never return
    assert result == [[]]


def test_load_sidecar_reads_a_plain_npz(tmp_path):
    np.savez(tmp_path / "rng-12-3.npz", keys=np.arange(624, dtype=np.uint32), pos=np.array(624))
    arrays = trace.load_sidecar(tmp_path, "rng-12-3.npz")
    assert arrays["keys"].dtype == np.uint32 and arrays["keys"][5] == 5 and int(arrays["pos"]) == 624


@pytest.mark.parametrize("name", ["../rng-1-2.npz", "rng-1-2.npy", "conn-xyz.npz", "a/conn-1.npz", "CONN-1.npz", ""])
def test_load_sidecar_refuses_names_outside_the_pattern(tmp_path, name):
    (tmp_path / "sub").mkdir()
    np.savez(tmp_path / "sub" / "x.npz", a=np.zeros(2))
    assert trace.load_sidecar(tmp_path / "sub", name) is None


def test_load_sidecar_refuses_links_pickles_compression_and_lying_headers(tmp_path):
    np.savez(tmp_path / "real.npz", a=np.zeros(3))
    (tmp_path / "conn-1.npz").symlink_to(tmp_path / "real.npz")
    assert trace.load_sidecar(tmp_path, "conn-1.npz") is None
    np.savez(tmp_path / "conn-2.npz", a=np.array([{"x": 1}], dtype=object))
    assert trace.load_sidecar(tmp_path, "conn-2.npz") is None
    np.savez_compressed(tmp_path / "conn-3.npz", a=np.zeros(10**6))
    assert trace.load_sidecar(tmp_path, "conn-3.npz") is None
    np.savez(tmp_path / "conn-4.npz", a=np.zeros(4))
    data = (tmp_path / "conn-4.npz").read_bytes().replace(b"(4,)", b"(9,)")   # promises more than it holds
    (tmp_path / "conn-4.npz").write_bytes(data)
    assert trace.load_sidecar(tmp_path, "conn-4.npz") is None
    (tmp_path / "conn-5.npz").write_bytes(b"PK\x03\x04 not really a zip")
    assert trace.load_sidecar(tmp_path, "conn-5.npz") is None


# ----------------------------------------------------------------------------- queries and summary
def test_did_work_needs_a_completed_run_with_samples():
    assert trace.did_work([GOOD])
    assert not trace.did_work([])
    assert not trace.did_work([{**GOOD, "error": {"type": "TypeError", "message": "x"}}])
    assert not trace.did_work([{**GOOD, "outputs": [{"samples": 0}]}, {"v": 2, "event": "configure"}])
    assert not trace.did_work([{**GOOD, "outputs": "garbage"}, {**GOOD, "outputs": [{"samples": True}]}])


def test_summarize_one_line_per_run(runs):
    text = trace.summarize(runs["hook"].trace)
    lines = text.splitlines()
    assert lines[0] == "6 TVB run(s):"
    assert lines[1].startswith("run 1: Generic2dOscillator(a=-0.5, b=[76: all -9]); 76 regions")
    assert "HeunStochastic dt=0.1 ms nsig=0.001" in lines[1] and "; 50 ms;" in lines[1]
    assert "monitors TemporalAverage(1 ms), SubSample(2 ms)" in lines[1] and "outputs 50x1x76x1, 25x1x76x1" in lines[1]
    assert "stimulus PulseTrain on rV1, lV1" in lines[1] and "no NaN" in lines[1]
    assert "continuing from 50 ms" in lines[2]
    assert "simulated 1 ms (5 ms requested)" in lines[3] and "generator stopped early" in lines[3]
    assert "NaN/inf in output" in lines[4]
    assert "RAISED TypeError" in lines[6]
    assert "internal error" in lines[-1]


def test_summarize_without_runs_long_sweeps_and_garbled_records():
    assert trace.summarize([]) == "No TVB simulation ran."
    configure_only = [{"event": "configure", "error": {"type": "TraitAttributeError", "message": "sensors"}}]
    assert trace.summarize(configure_only).splitlines() == [
        "No TVB simulation ran (1 Simulator.configure() call(s), no run).",
        "configure() raised TraitAttributeError: sensors"]
    sweep = [{"event": "run", "model": {"class": "Kuramoto"}, "simulation_length": float(i),
              "simulated_ms": float(i)} for i in range(40)]
    lines = trace.summarize(sweep).splitlines()
    assert len(lines) == 1 + trace.MAX_LINES and "... 29 more runs ..." in lines
    assert lines[-1] == "run 40: Kuramoto; 39 ms; monitors none"
    garbled = [{"event": "run", "model": "x", "monitors": 3, "outputs": [1, {"samples": "2"}], "stimulus": [],
                "error": "boom", "simulated_ms": "nan", "start_ms": True}]
    assert trace.summarize(garbled).splitlines()[1] == "run 1: ?; ? ms requested; monitors none; RAISED boom"
