"""The trusted replay (evaluators/tvb/replay/, goals/*/replay.py) on genuine traces, honest and tampered.

Genuine traces come from small "notebooks" run in a subprocess with the trace hook exec'd first and
$EVOLVE_EVIDENCE_DIR set, as the sandbox runs them; they simulate at most 700 ms at dt 0.1 (76 regions).
Tampered traces are copies of those evidence folders with one trace line edited. Verdicts on tampered traces
use `replay_evidence` in-process (the decision logic); the plugin's subprocess path is exercised on the honest
trace, the timeout and the goal without a replay. Full references of the three goals: `-m slow`.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from evaluators.tvb import replay as rp
from evolve.plugin import load_plugin

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = ROOT / "evaluators" / "tvb"
HOOK = PLUGIN_DIR / "trace_hook.py"
GOALS = ROOT / "goals"
TRACE = "simulation_trace.jsonl"

PRELUDE = "import sys\nexec(open(sys.argv[1]).read())   # the sandbox's startup file\n"

# Jansen-Rit as in jansen-rit-alpha (700 ms instead of 2000), after a stochastic simulator that is run,
# stepped as a generator broken early, then continued: every run form the replay must reproduce.
JR = PRELUDE + textwrap.dedent("""
    import json
    import numpy as np
    from scipy import signal
    from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

    np.random.seed(42)
    conn = connectivity.Connectivity.from_file()
    conn.configure()
    noisy = simulator.Simulator(
        model=models.JansenRit(), connectivity=conn, coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-3]), noise_seed=7)),
        monitors=(monitors.SubSample(period=1.0),), simulation_length=30.0).configure()
    noisy.run()
    for out in noisy(simulation_length=30.0):
        if out[0] is not None and out[0][0] >= 40.0:
            break
    noisy.run(simulation_length=10.0)

    sim = simulator.Simulator(
        model=models.JansenRit(), connectivity=conn, coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
        integrator=integrators.HeunDeterministic(dt=0.1), monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=700.0).configure()
    (t, y), = sim.run()
    lfp = y[500:, 1, :, 0] - y[500:, 2, :, 0]
    f, p = signal.welch(lfp, fs=1000.0, nperseg=min(len(lfp), 1024), axis=0)
    results = {"peak_frequency_hz": float(f[np.argmax(p.mean(axis=1))]), "simulated_ms": float(sim.simulation_length)}
    json.dump(results, open("results.json", "w"))
""")

# stimulus-evoked-response's reference, 600 ms instead of 1000 (the pulse starts at 500 ms).
STIM = PRELUDE + textwrap.dedent("""
    import json
    import numpy as np
    from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

    conn = connectivity.Connectivity.from_file()
    conn.configure()
    labels = list(conn.region_labels)
    i_v1, i_v2 = labels.index("rV1"), labels.index("rV2")
    onset = 500.0
    pulse = equations.PulseTrain()
    pulse.parameters.update(onset=onset, T=10000.0, tau=20.0, amp=1.0)
    weight = np.zeros(conn.number_of_regions)
    weight[i_v1] = 1.0
    stim = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)
    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.0154])),
        integrator=integrators.HeunDeterministic(dt=0.1), monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=stim, simulation_length=600.0).configure()
    (t, y), = sim.run()
    v = y[:, 0, :, 0]
    baseline = v[(t >= onset - 100.0) & (t < onset)].mean(axis=0)
    after = t > onset
    deviation = np.abs(v[after] - baseline)
    def peak_and_latency(i):
        k = int(np.argmax(deviation[:, i]))
        return float(deviation[k, i]), float(t[after][k] - onset)
    (p1, l1), (p2, l2) = peak_and_latency(i_v1), peak_and_latency(i_v2)
    json.dump({"peak_rv1": p1, "peak_rv2": p2, "latency_rv1_ms": l1, "latency_rv2_ms": l2}, open("results.json", "w"))
""")

# epileptor-focus's set-up (region-wise x0), 20 ms: the trace carries a 76-value x0 array.
EPI = PRELUDE + textwrap.dedent("""
    import numpy as np
    from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

    conn = connectivity.Connectivity.from_file()
    conn.configure()
    labels = [str(label) for label in conn.region_labels]
    x0 = np.full(conn.number_of_regions, -2.2)
    x0[[labels.index("rHC"), labels.index("rPHC")]] = -1.6
    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.Epileptor(x0=x0, Ks=np.array([-0.2])), connectivity=conn,
        coupling=coupling.Difference(a=np.array([1.0])), integrator=integrators.HeunDeterministic(dt=0.05),
        monitors=(monitors.TemporalAverage(period=1.0),), simulation_length=20.0).configure()
    sim.run()
""")

# sensor-modalities' set-up (700 ms instead of 2000): EEG with its default observation noise (random, seeded),
# MEG and iEEG (analytic point-dipole gain) with obsnoise=None; the goal's analysis on each.
SENSORS = PRELUDE + textwrap.dedent("""
    import json
    import numpy as np
    from scipy import signal
    from tvb.simulator.lab import (connectivity, coupling, integrators, models, monitors, region_mapping, sensors,
                                   simulator)

    conn = connectivity.Connectivity.from_file()
    conn.configure()
    rmap = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
    seeg = monitors.iEEG(sensors=sensors.SensorsInternal.from_file("seeg_588.txt"), region_mapping=rmap,
                         period=1.0, obsnoise=None)
    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.JansenRit(), connectivity=conn, coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0), monitors.EEG.from_file(period=1.0),
                  monitors.MEG.from_file(period=1.0, obsnoise=None), seeg),
        simulation_length=700.0).configure()
    _, (te, ye), (tm, ym), (ts, ys) = sim.run()
    def spectrum(t, y):
        x = y[t > 500.0, 1, :, 0] - y[t > 500.0, 2, :, 0]
        return signal.welch(x, fs=1000.0, nperseg=1024, axis=0)
    results = {}
    for tag, t, y in (("eeg", te, ye), ("meg", tm, ym), ("seeg", ts, ys)):
        f, p = spectrum(t, y)
        results[f"n_{tag}_channels"] = int(y.shape[2])
        results[f"{tag}_peak_hz"] = float(f[np.argmax(p.mean(axis=1))])
    alpha = (f >= 8.0) & (f <= 12.0)
    results["strongest_seeg_contact"] = str(seeg.sensors.labels[int(np.argmax(p[alpha].sum(axis=0)))])
    json.dump(results, open("results.json", "w"))
""")

# depth-electrode-localisation's set-up (pulses at 200 ms, 350 ms runs): a 588-contact iEEG monitor with the
# observation noise OBSNOISE; MEMORISED replaces the results by the reference's numbers (what a notebook that does
# not use its own simulation would write).
DEPTH = PRELUDE + textwrap.dedent("""
    import json
    import numpy as np
    from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, patterns,
                                   region_mapping, sensors, simulator)

    conn = connectivity.Connectivity.from_file()
    conn.configure()
    labels = list(conn.region_labels)
    rmap = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
    results = {}
    for target, tag in (("rHC", "rhc"), ("rV1", "rv1")):
        pulse = equations.PulseTrain()
        pulse.parameters.update(onset=200.0, T=100000.0, tau=10.0, amp=0.2)
        weight = np.zeros(conn.number_of_regions)
        weight[labels.index(target)] = 1.0
        depth = monitors.iEEG(sensors=sensors.SensorsInternal.from_file("seeg_588.txt"), region_mapping=rmap,
                              period=1.0, **OBSNOISE)
        np.random.seed(0)
        sim = simulator.Simulator(
            model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.0152])),
            integrator=integrators.HeunDeterministic(dt=0.1), monitors=(depth,),
            stimulus=patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight),
            simulation_length=350.0).configure()
        (t, y), = sim.run()
        v = y[:, 0, :, 0]
        baseline = v[(t > 150.0) & (t < 200.0)].mean(axis=0)
        response = np.abs(v[(t >= 200.0) & (t < 500.0)] - baseline).max(axis=0)
        results[f"strongest_contact_{tag}"] = str(depth.sensors.labels[int(np.argmax(response))])
        results[f"focality_{tag}"] = float(response.max() / np.median(response))
    if MEMORISED:
        results = {"strongest_contact_rhc": "GPH1", "strongest_contact_rv1": "GL5", "focality_rhc": 48.7,
                   "focality_rv1": 93.6}
    json.dump(results, open("results.json", "w"))
""")
# One MEG monitor object (default observation noise) used by two simulators, as a notebook looping over
# conditions may do: TVB configures it once and keeps that set-up (gain, sampling) for the second simulator.
REUSED = PRELUDE + textwrap.dedent("""
    import numpy as np
    from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

    conn = connectivity.Connectivity.from_file()
    conn.configure()
    meg = monitors.MEG.from_file(period=1.0)
    for a, dt in ((0.005, 0.1), (0.01, SECOND_DT)):
        np.random.seed(1)
        simulator.Simulator(
            model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([a])),
            integrator=integrators.HeunDeterministic(dt=dt), monitors=(meg,), simulation_length=30.0).configure().run()
""")
DEPTH_HONEST = DEPTH.replace("**OBSNOISE", "obsnoise=None").replace("if MEMORISED:", "if False:")
DEPTH_NOISY_MEMORISED = DEPTH.replace(", **OBSNOISE", "").replace("if MEMORISED:", "if True:")


def _folders(tmp: Path, name: str, script: str) -> tuple[Path, Path, dict]:
    """work/ (holding notebook.py), evidence/, and the environment the sandbox would give the notebook."""
    work, evidence = tmp / name / "work", tmp / name / "evidence"
    work.mkdir(parents=True)
    evidence.mkdir()
    (work / "notebook.py").write_text(script)
    return work, evidence, dict(os.environ, PYTHONWARNINGS="ignore", EVOLVE_EVIDENCE_DIR=str(evidence))


def _launch(tmp: Path, name: str, script: str) -> subprocess.Popen:
    work, _, env = _folders(tmp, name, script)
    return subprocess.Popen([sys.executable, "notebook.py", str(HOOK)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replay")
    procs = {name: _launch(tmp, name, script) for name, script in (
        ("jr", JR), ("stim", STIM), ("epi", EPI), ("sensors", SENSORS), ("depth", DEPTH_HONEST),
        ("depth_noisy", DEPTH_NOISY_MEMORISED), ("reused", REUSED.replace("SECOND_DT", "0.1")),
        ("reused_dt", REUSED.replace("SECOND_DT", "0.05")))}
    out = {}
    for name, proc in procs.items():
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr[-2000:]
        results = tmp / name / "work" / "results.json"
        out[name] = types.SimpleNamespace(evidence=tmp / name / "evidence",
                                          results=json.loads(results.read_text()) if results.exists() else None)
    return out


@pytest.fixture(scope="module")
def plugin():
    return load_plugin(PLUGIN_DIR)


def _tampered(evidence: Path, tmp: Path, edit) -> Path:
    """A copy of `evidence` whose trace records went through `edit(records) -> records`."""
    copy = tmp / "tampered"
    shutil.copytree(evidence, copy)
    records = [json.loads(line) for line in (copy / TRACE).read_text().splitlines() if line.strip()]
    (copy / TRACE).write_text("".join(json.dumps(r) + "\n" for r in edit(records)))
    return copy


def _runs(records):
    return [r for r in records if r.get("event") == "run"]


def _replay(evidence: Path, goal: str | None = None) -> dict:
    return rp.replay_evidence(evidence, GOALS / goal if goal else None, budget_s=300)


# ----------------------------------------------------------------------------- honest traces


def test_an_honest_trace_replays_as_confirmed_and_recomputes_the_notebooks_numbers(notebooks, plugin):
    nb = notebooks["jr"]
    report = plugin.replay(nb.evidence, GOALS / "jansen-rit-alpha", timeout_s=300, memory_mb=2048)
    assert report.status == "confirmed", report.reason
    assert report.runs_replayed == 4                      # run, broken generator, continuation, deterministic run
    assert report.recomputed == nb.results
    assert all("bitwise" in line for line in report.details), report.details


def test_the_evoked_response_is_recomputed_from_the_replayed_stimulus_run(notebooks):
    nb = notebooks["stim"]
    report = _replay(nb.evidence, "stimulus-evoked-response")
    assert report["status"] == "confirmed", report["reason"]
    assert report["recomputed"] == nb.results


def test_a_region_wise_epileptor_replays_bitwise(notebooks):
    report = _replay(notebooks["epi"].evidence)
    assert report["status"] == "confirmed", report["reason"]
    assert "bitwise" in report["details"][0]


def test_a_goal_recompute_finds_nothing_in_runs_of_another_model(notebooks):
    report = _replay(notebooks["epi"].evidence, "jansen-rit-alpha")
    assert report["status"] == "confirmed"
    assert report["recomputed"] == {}
    assert "found no run it can use" in report["reason"] and "Epileptor" in report["reason"]


def test_did_work_needs_a_completed_run_with_samples(notebooks, plugin):
    assert plugin.did_work(plugin.read_trace(notebooks["epi"].evidence))
    assert not plugin.did_work([])


def test_a_notebook_with_eeg_meg_and_ieeg_monitors_replays_bitwise_and_recomputes_its_numbers(notebooks, plugin):
    nb = notebooks["sensors"]
    report = plugin.replay(nb.evidence, GOALS / "sensor-modalities", timeout_s=300, memory_mb=2048)
    assert report.status == "confirmed", report.reason
    assert all("bitwise" in line for line in report.details), report.details   # the EEG's seeded noise too
    assert report.recomputed == nb.results
    assert (nb.results["n_eeg_channels"], nb.results["n_meg_channels"], nb.results["n_seeg_channels"]) == (65, 276, 588)


def test_a_depth_electrode_notebook_replays_and_its_contacts_are_recomputed_from_the_sensor_file(notebooks):
    nb = notebooks["depth"]
    report = _replay(nb.evidence, "depth-electrode-localisation")
    assert report["status"] == "confirmed", report["reason"]
    assert report["recomputed"] == nb.results
    assert set(report["recomputed"]) == {"strongest_contact_rhc", "strongest_contact_rv1", "focality_rhc",
                                         "focality_rv1"}


def test_a_notebook_writing_numbers_its_noisy_depth_recording_does_not_give_is_not_credited(notebooks, plugin):
    from evolve.checks import CheckContext
    from evolve.evaluation import integrity_verdict
    from evolve.goal_checks import run_checks
    from evolve.goals import load_goal

    nb = notebooks["depth_noisy"]
    goal, problems = load_goal(GOALS / "depth-electrode-localisation")
    assert goal is not None, problems
    trace = plugin.read_trace(nb.evidence)
    on_notebook = run_checks(goal, CheckContext(nb.results, trace))
    assert all(c.passed for c in on_notebook), on_notebook          # the memorised numbers pass as read
    report = plugin.replay(nb.evidence, GOALS / "depth-electrode-localisation", timeout_s=300, memory_mb=2048)
    assert report.status == "confirmed", report.reason               # the seeded observation noise is re-run
    assert report.recomputed["strongest_contact_rhc"] != "GPH1"       # noise std ~0.3 buries responses of ~1e-4
    on_replay = run_checks(goal, CheckContext({**nb.results, **report.recomputed}, trace))
    verdict = integrity_verdict(on_notebook, on_replay, report, nb.results)
    assert verdict.flag == "forged"
    assert not any(c.passed for c in verdict.credited_checks)


def test_a_depth_trace_edited_to_claim_no_observation_noise_is_forged(notebooks, tmp_path):
    # (A difference below RTOL of the data's range cannot show: the default noise, std ~0.3, on EEG signals of
    # ~1e7 would pass; on contact potentials of ~1e-4 it is the whole signal.)
    def edit(records):
        for record in records:
            if record.get("event") in ("configure", "run"):
                record["monitors"][0]["obsnoise"] = None          # the iEEG had its default noise
        return records

    report = _replay(_tampered(notebooks["depth_noisy"].evidence, tmp_path, edit), "depth-electrode-localisation")
    assert report["status"] == "forged"
    assert "monitor 1 (iEEG)" in report["reason"]


def test_sensors_that_are_not_a_file_tvb_data_ships_are_unconfirmed(notebooks, tmp_path):
    def edit(records):
        for record in records:
            if record.get("event") in ("configure", "run"):
                record["monitors"][0]["sensors"]["sha256"] = "0" * 64
        return records

    report = _replay(_tampered(notebooks["depth"].evidence, tmp_path, edit), "depth-electrode-localisation")
    assert report["status"] == "unconfirmed"
    assert "none of the SensorsInternal files tvb_data ships" in report["reason"]


def test_a_sensor_monitor_reused_by_a_second_simulator_replays_bitwise(notebooks):
    report = _replay(notebooks["reused"].evidence)
    assert report["status"] == "confirmed", report["reason"]
    assert all("bitwise" in line for line in report["details"]), report["details"]


def test_a_reused_sensor_monitor_that_kept_another_dt_is_unconfirmed_not_forged(notebooks):
    report = _replay(notebooks["reused_dt"].evidence)
    assert report["status"] == "unconfirmed", report["reason"]
    assert "run 2" in report["reason"] and "configured before" in report["reason"]


# ----------------------------------------------------------------------------- forged traces


def test_a_trace_edited_to_claim_a_different_mean_is_forged(notebooks, tmp_path):
    def edit(records):
        run = _runs(records)[-1]
        run["outputs"][0]["mean"] *= 1.01
        return records

    report = _replay(_tampered(notebooks["stim"].evidence, tmp_path, edit), "stimulus-evoked-response")
    assert report["status"] == "forged"
    assert "run 1" in report["reason"] and "mean" in report["reason"]
    assert report["recomputed"] is None


def test_a_hand_appended_2000_ms_run_of_a_simulator_never_configured_is_forged(notebooks, tmp_path):
    def edit(records):
        fake = json.loads(json.dumps(_runs(records)[-1]))
        fake.update(sim="deadbeef", seq=fake["seq"] + 100, simulation_length=2000.0, n_steps=20000, steps=20000,
                    simulated_ms=2000.0)
        fake["outputs"][0].update(samples=2000, last_t=1999.5)
        return records + [fake]

    report = _replay(_tampered(notebooks["stim"].evidence, tmp_path, edit))
    assert report["status"] == "forged"
    assert "run 2" in report["reason"] and "no configure record" in report["reason"]


def test_a_copied_run_line_appended_to_a_real_simulator_is_forged(notebooks, tmp_path):
    def edit(records):
        fake = json.loads(json.dumps(_runs(records)[-1]))
        fake["seq"] += 100
        return records + [fake]

    report = _replay(_tampered(notebooks["stim"].evidence, tmp_path, edit))
    assert report["status"] == "forged"
    assert "run 2" in report["reason"] and "starts at 0" in report["reason"]


def test_outputs_of_a_shape_the_monitor_cannot_produce_are_forged(notebooks, tmp_path):
    def edit(records):
        _runs(records)[-1]["outputs"][0]["shape"] = [1, 80, 1]
        return records

    report = _replay(_tampered(notebooks["stim"].evidence, tmp_path, edit))
    assert report["status"] == "forged"
    assert "[1, 80, 1]" in report["reason"]


def test_simulated_ms_beyond_what_the_samples_cover_is_forged(notebooks, tmp_path):
    def edit(records):
        _runs(records)[-1]["simulated_ms"] = 2000.0
        return records

    report = _replay(_tampered(notebooks["stim"].evidence, tmp_path, edit))
    assert report["status"] == "forged"
    assert "simulated_ms" in report["reason"]


def test_an_x0_edited_without_its_sha256_is_forged(notebooks, tmp_path):
    # The hook hashes the very values it writes: values that no longer hash to the sha256 were edited.
    def edit(records):
        for record in records:
            if record.get("event") in ("configure", "run"):
                record["model"]["params"]["x0"]["values"][0] = -1.6
        return records

    report = _replay(_tampered(notebooks["epi"].evidence, tmp_path, edit))
    assert report["status"] == "forged"
    assert "x0" in report["reason"] and "sha256" in report["reason"]


def test_a_truncated_x0_is_unconfirmed(notebooks, tmp_path):
    # The hook itself truncates arrays of more than 4096 values: truncation is no sign of tampering, but the
    # replay cannot rebuild the simulation without the full array.
    def edit(records):
        for record in records:
            if record.get("event") in ("configure", "run"):
                x0 = record["model"]["params"]["x0"]
                x0["values"], x0["truncated"] = x0["values"][:10], True
        return records

    report = _replay(_tampered(notebooks["epi"].evidence, tmp_path, edit))
    assert report["status"] == "unconfirmed"
    assert "x0" in report["reason"] and "truncated" in report["reason"]


def test_a_record_not_written_by_the_v2_hook_is_forged(notebooks, tmp_path):
    def edit(records):
        del _runs(records)[-1]["v"]
        return records

    report = _replay(_tampered(notebooks["epi"].evidence, tmp_path, edit))
    assert report["status"] == "forged"


# ----------------------------------------------------------------------------- process and budget


def test_a_goal_without_replay_py_is_not_declared_and_starts_no_process(notebooks, plugin, tmp_path, monkeypatch):
    goal = tmp_path / "no-replay"
    goal.mkdir()
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *args, **kwargs: started.append(args))
    report = plugin.replay(notebooks["epi"].evidence, goal, timeout_s=60, memory_mb=1024)
    assert report.status == "not-declared"
    assert started == []


def test_a_replay_exceeding_its_timeout_is_unconfirmed_and_its_child_is_dead(notebooks, plugin, monkeypatch):
    children = []
    real = subprocess.Popen

    def spy(*args, **kwargs):
        proc = real(*args, **kwargs)
        children.append(proc)
        return proc

    monkeypatch.setattr(subprocess, "Popen", spy)
    report = plugin.replay(notebooks["jr"].evidence, GOALS / "jansen-rit-alpha", timeout_s=0.5, memory_mb=1024)
    assert report.status == "unconfirmed"
    assert "exceeded 0.5 s" in report.reason
    assert len(children) == 1
    assert children[0].poll() is not None                 # reaped
    with pytest.raises(ProcessLookupError):
        os.killpg(children[0].pid, 0)                     # nothing left in its process group


def test_a_replay_out_of_budget_reports_how_far_it_got(notebooks):
    report = rp.replay_evidence(notebooks["jr"].evidence, None, budget_s=0.0)
    assert report["status"] == "unconfirmed"
    assert "budget exhausted after 0 of 4 runs" in report["reason"]


# ----------------------------------------------------------------------------- full references


@pytest.mark.slow
@pytest.mark.parametrize("slug", sorted(p.parent.name for p in GOALS.glob("*/replay.py")))
def test_each_goal_reference_replays_and_recomputes_its_own_results(slug, plugin, tmp_path):
    script = PRELUDE + "import runpy\nrunpy.run_path(sys.argv[2], run_name='__main__')\n"
    work, evidence, env = _folders(tmp_path, slug, script)
    done = subprocess.run([sys.executable, "notebook.py", str(HOOK), str(GOALS / slug / "reference.py")], cwd=work,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((work / "results.json").read_text())
    report = plugin.replay(evidence, GOALS / slug, timeout_s=600, memory_mb=4096)
    assert report.status == "confirmed", report.reason
    assert report.recomputed == results
