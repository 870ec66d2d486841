"""Executable TVB facts for sensor projections and stimulation protocols (goals sensor-modalities,
sinusoidal-entrainment, paired-pulse and the other goals written with them). Same pattern as tests/test_tvb_facts.py:
one fact per test, the first docstring line ("Fact: ...") is the sentence a skill or goal may use, indexed in
docs/tvb-facts.md. Simulations are a few ms long."""
import numpy as np
import pytest
from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, patterns,
                               region_mapping, sensors, simulator)

N_REGIONS = 76


@pytest.fixture(scope="module")
def conn():
    c = connectivity.Connectivity.from_file()
    c.configure()
    return c


def _sim(conn, mons, model=None, stimulus=None, dt=0.1):
    np.random.seed(0)
    return simulator.Simulator(model=model or models.Generic2dOscillator(), connectivity=conn,
                               coupling=coupling.Linear(a=np.array([0.0154])),
                               integrator=integrators.HeunDeterministic(dt=dt), monitors=mons,
                               stimulus=stimulus).configure()


def test_projection_monitors_add_white_observation_noise_by_default(conn):
    """Fact: EEG, MEG and iEEG monitors add white Gaussian observation noise to every sample by default (`obsnoise` defaults to a `noise.Additive`; the noise has variance dt, 0.1 at dt 0.1, whatever its nsig), which swamps the small MEG and iEEG signals; `obsnoise=None` (also accepted by `from_file(...)`) records noise-free sensor signals."""
    noisy = monitors.MEG.from_file(period=1.0)
    assert type(noisy.obsnoise).__name__ == "Additive" and float(noisy.obsnoise.nsig[0]) == 1.0
    clean = monitors.MEG.from_file(period=1.0, obsnoise=None)
    assert clean.obsnoise is None
    (_, y_noisy), (_, y_clean) = _sim(conn, (noisy, clean)).run(simulation_length=200.0)
    residual = (y_noisy - y_clean)[:, 0, :, 0]
    assert abs(residual.var() - 0.1) < 0.01            # the noise, sample by sample: variance dt
    assert y_clean[:, 0, :, 0].std() < 0.05 * residual.std()   # far larger than the MEG signal itself


def test_ieeg_sensor_labels_of_seeg_588(conn):
    """Fact: `sensors.SensorsInternal.from_file('seeg_588.txt')` holds 588 contacts labelled by shaft and contact number (`'TP1'`, ..., left-hemisphere shafts with a prime such as `"TP'1"`); an iEEG monitor built on them exposes the labels as `monitor.sensors.labels`, in the order of its output channels."""
    rmap = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
    mon = monitors.iEEG(sensors=sensors.SensorsInternal.from_file("seeg_588.txt"), region_mapping=rmap, period=1.0,
                        obsnoise=None)
    (_, y), = _sim(conn, (mon,)).run(simulation_length=2.0)
    labels = [str(x) for x in mon.sensors.labels]
    assert len(labels) == 588 == y.shape[2]
    assert labels[0] == "TP1" and "TP'1" in labels and "PM1" in labels


def test_eeg_sensor_labels_and_hemisphere_axis():
    """Fact: `sensors.SensorsEEG.from_file()` (eeg_brainstorm_65) labels are 10-10 names (`Fp1`, `O2`, `Oz`, `T8/T4`, ...) and its locations have x pointing anterior and y pointing left (Fp1 at y ≈ +40 mm, Fp2 at y ≈ −40 mm): right-hemisphere electrodes have y < 0."""
    s = sensors.SensorsEEG.from_file()
    s.configure()
    labels = [str(x) for x in s.labels]
    assert labels[:3] == ["Fp1", "Fp2", "F4"] and "O2" in labels and "T8/T4" in labels
    loc = dict(zip(labels, s.locations, strict=True))
    assert loc["Fp1"][0] > 90 and loc["Fp1"][1] > 30 and loc["Fp2"][1] < -30
    assert loc["O2"][1] < 0 < loc["O1"][1] and loc["O1"][0] < 0


def test_sinusoid_frequency_is_cycles_per_ms():
    """Fact: `equations.Sinusoid` evaluates amp·sin(2π·frequency·t) with parameters amp (default 1.0) and frequency (default 0.01) and no onset; stimulus time is in ms, so frequency is in cycles per ms (0.01 = 10 Hz, 8 Hz = 0.008)."""
    eq = equations.Sinusoid()
    assert eq.parameters == {"amp": 1.0, "frequency": 0.01}
    eq.parameters.update(amp=0.5, frequency=0.008)
    t = np.array([0.0, 31.25, 62.5, 125.0])     # 8 Hz: a period of 125 ms
    np.testing.assert_allclose(eq.evaluate(t), [0.0, 0.5, 0.0, 0.0], atol=1e-12)


def test_double_gaussian_gives_two_pulses_with_negative_second_amplitude():
    """Fact: `equations.DoubleGaussian` evaluates amp_1·exp(−(t−midpoint_1)²/(2·sigma_1²)) − amp_2·exp(−(t−midpoint_2)²/(2·sigma_2²)) (defaults amp_1 0.5, sigma_1 20, midpoint_1 0, amp_2 1, sigma_2 10, midpoint_2 0): with amp_2 = −amp_1 it is two positive pulses of equal height, e.g. a paired-pulse stimulus."""
    eq = equations.DoubleGaussian()
    assert eq.parameters == {"amp_1": 0.5, "sigma_1": 20.0, "midpoint_1": 0.0, "amp_2": 1.0, "sigma_2": 10.0,
                             "midpoint_2": 0.0}
    eq.parameters.update(amp_1=2.0, sigma_1=1.0, midpoint_1=100.0, amp_2=-2.0, sigma_2=1.0, midpoint_2=150.0)
    np.testing.assert_allclose(eq.evaluate(np.array([0.0, 100.0, 125.0, 150.0, 151.0])),
                               [0.0, 2.0, 0.0, 2.0, 2.0 * np.exp(-0.5)], atol=1e-12)


def test_sinusoid_region_stimulus_drives_the_target_from_time_zero(conn):
    """Fact: a `patterns.StimuliRegion` with a `Sinusoid` temporal drives the weighted region from the first step (no onset): its V departs from an unstimulated run's within the first ms, other regions only through the coupling."""
    eq = equations.Sinusoid()
    eq.parameters.update(amp=0.5, frequency=0.01)
    w = np.zeros(N_REGIONS)
    w[35] = 1.0
    stim = patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=w)
    (_, a), = _sim(conn, (monitors.Raw(),), stimulus=stim).run(simulation_length=20.0)
    (_, b), = _sim(conn, (monitors.Raw(),)).run(simulation_length=20.0)
    diff = np.abs(a - b)[:, 0, :, 0]
    assert diff[:10, 35].max() > 0 and diff[:, 35].max() > 100 * np.delete(diff, 35, axis=1).max()


def test_linear_network_stability_limit_is_one_over_tau_lambda_max(conn):
    """Fact: `models.Linear(gamma=-1/tau)` with `coupling.Linear(a=G)` on the default connectome (raw weights, delays) keeps x = 0 stable for G below G_crit = 1 / (tau · lambda_max), lambda_max ≈ 44.72 being the largest eigenvalue of `conn.weights`; above it the activity grows without bound."""
    lam = float(np.max(np.linalg.eigvals(conn.weights).real))
    assert abs(lam - 44.72) < 0.01
    g_crit = 1.0 / (10.0 * lam)
    ends = []
    for fraction in (0.9, 1.2):
        np.random.seed(0)
        sim = simulator.Simulator(model=models.Linear(gamma=np.array([-0.1])), connectivity=conn,
                                  coupling=coupling.Linear(a=np.array([fraction * g_crit])),
                                  integrator=integrators.HeunDeterministic(dt=1.0),
                                  monitors=(monitors.TemporalAverage(period=10.0),)).configure()
        (_, y), = sim.run(simulation_length=3000.0)
        ends.append(np.abs(y[-10:, 0, :, 0]).max() / np.abs(y[:10, 0, :, 0]).max())
    assert ends[0] < 0.1 and ends[1] > 10.0
