"""Executable TVB facts: every TVB fact a skill, goal or check may state is pinned here.

Each test checks one fact against the pinned library (tvb-library 2.10.0, tvb-data 3.0.0).
The first line of each docstring ("Fact: ...") is the sentence a skill may use; the index
of all facts is docs/tvb-facts.md. Simulations are kept short (a few to a few hundred ms
simulated) so the whole file runs in about a minute on 2 cores.
"""
import inspect

import numpy as np
import pytest
from scipy import signal

from tvb.simulator.lab import (
    connectivity,
    coupling,
    equations,
    integrators,
    models,
    monitors,
    noise,
    patterns,
    region_mapping,
    sensors,
    simulator,
)
from tvb.basic.neotraits.ex import (
    TraitAttributeError,
    TraitFinalAttributeError,
    TraitTypeError,
)
from tvb.basic.readers import ReaderException

N_REGIONS = 76


# ---------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def conn():
    """The default connectivity (connectivity_76.zip), loaded and configured once."""
    c = connectivity.Connectivity.from_file()
    c.configure()
    return c


def make_sim(conn, *, model=None, cpl=None, dt=0.1, integrator=None, mons=None, **kw):
    """A small region simulator; G2D + Linear(0.0154) + HeunDeterministic(dt) by default."""
    return simulator.Simulator(
        model=model if model is not None else models.Generic2dOscillator(),
        connectivity=conn,
        coupling=cpl if cpl is not None else coupling.Linear(a=np.array([0.0154])),
        integrator=integrator if integrator is not None else integrators.HeunDeterministic(dt=dt),
        monitors=mons if mons is not None else (monitors.Raw(),),
        **kw,
    )


def stochastic(nsig, dt=0.1, **noise_kw):
    return integrators.HeunStochastic(dt=dt, noise=noise.Additive(nsig=nsig, **noise_kw))


def epileptor_sim(conn, voi):
    return make_sim(
        conn,
        model=models.Epileptor(),
        cpl=coupling.Difference(a=np.array([1.0])),
        dt=0.05,
        mons=(monitors.TemporalAverage(period=1.0, variables_of_interest=voi),),
    )


# ---------------------------------------------------------------------------------------
# Simulator: run(), the generator form, configure()
# ---------------------------------------------------------------------------------------
def test_run_returns_list_with_one_time_data_tuple_per_monitor(conn):
    """Fact: `sim.run(simulation_length=T)` returns a Python list with one `(times, data)` tuple per monitor, in monitor order."""
    sim = make_sim(conn, mons=(monitors.Raw(), monitors.TemporalAverage(period=2.0))).configure()
    out = sim.run(simulation_length=10.0)
    assert type(out) is list
    assert len(out) == 2
    assert all(type(item) is tuple and len(item) == 2 for item in out)
    (t_raw, y_raw), (t_avg, y_avg) = out
    assert t_raw.shape == (100,) and y_raw.shape[0] == 100  # Raw first: every dt
    assert t_avg.shape == (5,) and y_avg.shape[0] == 5  # TemporalAverage(2.0) second


def test_single_monitor_unpacks_with_trailing_comma(conn):
    """Fact: with one monitor, unpack the result as `(t, y), = sim.run(...)`."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=5.0)
    assert isinstance(t, np.ndarray) and isinstance(y, np.ndarray)
    assert t.shape == (5,) and y.shape == (5, 1, N_REGIONS, 1)


def test_plain_unpack_with_one_monitor_raises_valueerror(conn):
    """Fact: `t, y = sim.run()` with a single monitor raises ValueError (not enough values to unpack)."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0),)).configure()
    with pytest.raises(ValueError, match="not enough values to unpack"):
        t, y = sim.run(simulation_length=2.0)


def test_plain_unpack_with_two_monitors_silently_binds_tuples(conn):
    """Fact: `t, y = sim.run()` with two monitors does not fail but binds t and y to the two monitors' (times, data) tuples."""
    sim = make_sim(conn, mons=(monitors.Raw(), monitors.TemporalAverage(period=1.0))).configure()
    t, y = sim.run(simulation_length=2.0)
    assert isinstance(t, tuple) and not isinstance(t, np.ndarray)
    assert isinstance(y, tuple)
    assert t[0].shape == (20,)  # t is (raw_times, raw_data)
    assert y[0].shape == (2,)  # y is (avg_times, avg_data)


def test_calling_simulator_is_generator_of_lists_with_none(conn):
    """Fact: `sim(simulation_length=T)` is a generator; each item is a list with one entry per monitor, either `(t, array(n_voi, n_nodes, n_modes))` or None when that monitor has no sample at that step."""
    sim = make_sim(conn, mons=(monitors.Raw(), monitors.TemporalAverage(period=2.0))).configure()
    gen = sim(simulation_length=3.0)
    assert inspect.isgenerator(gen)
    items = list(gen)
    assert len(items) == 30  # Raw samples every step (dt=0.1)
    assert all(type(item) is list and len(item) == 2 for item in items)
    t0, x0 = items[0][0]
    assert t0 == pytest.approx(0.1) and x0.shape == (1, N_REGIONS, 1)
    averaged = [i for i, item in enumerate(items) if item[1] is not None]
    assert averaged == [19]  # TemporalAverage(2.0): one sample after 20 steps
    assert items[19][1][0] == pytest.approx(1.0)  # stamped at the bin midpoint


def test_generator_yields_only_at_steps_with_a_sample(conn):
    """Fact: the generator yields only at integration steps where at least one monitor produced a sample (not at every step)."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0), monitors.TemporalAverage(period=2.0))).configure()
    items = list(sim(simulation_length=4.0))
    assert len(items) == 4  # 40 steps, but only 4 have output
    assert [item[1] is None for item in items] == [True, False, True, False]


def test_data_is_4d_and_times_are_1d(conn):
    """Fact: monitor data are 4-D arrays (n_time, n_voi, n_nodes, n_modes) and times are 1-D, so `t[:, 0]` fails."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=5.0),)).configure()
    (t, y), = sim.run(simulation_length=50.0)
    assert t.ndim == 1 and t.shape == (10,)
    assert y.ndim == 4 and y.shape == (10, 1, N_REGIONS, 1)
    with pytest.raises(IndexError):
        t[:, 0]


def test_run_before_configure_raises_typeerror(conn):
    """Fact: calling `sim.run()` before `sim.configure()` raises TypeError."""
    sim = make_sim(conn)
    with pytest.raises(TypeError, match="NoneType"):
        sim.run(simulation_length=1.0)


def test_configure_returns_the_simulator(conn):
    """Fact: `sim.configure()` returns the simulator itself, so `sim = Simulator(...).configure()` works."""
    sim = make_sim(conn)
    assert sim.configure() is sim


def test_default_simulation_length_is_1000_ms(conn):
    """Fact: `Simulator.simulation_length` defaults to 1000.0 ms and `sim.run()` without arguments simulates that long."""
    sim = make_sim(conn, dt=0.5, mons=(monitors.TemporalAverage(period=10.0),))
    assert sim.simulation_length == 1000.0
    (t, y), = sim.configure().run()
    assert t.shape == (100,)
    assert t[-1] == pytest.approx(995.0)


def test_run_simulation_length_overrides_default(conn):
    """Fact: `sim.run(simulation_length=T)` overrides the Simulator's simulation_length."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0),), simulation_length=1000.0).configure()
    (t, y), = sim.run(simulation_length=20.0)
    assert t.shape == (20,)
    assert sim.simulation_length == 20.0


def test_second_run_continues_from_last_state(conn):
    """Fact: a second `sim.run()` on the same simulator continues from where the first stopped (times continue, no reset)."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t1, y1), = sim.run(simulation_length=5.0)
    (t2, y2), = sim.run(simulation_length=5.0)
    np.testing.assert_allclose(t1, [0.5, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(t2, [5.5, 6.5, 7.5, 8.5, 9.5])


def test_simulator_defaults(conn):
    """Fact: a bare `simulator.Simulator()` defaults to Generic2dOscillator, Linear coupling, HeunDeterministic(dt=0.01220703125) and one TemporalAverage monitor."""
    sim = simulator.Simulator()
    assert type(sim.model) is models.Generic2dOscillator
    assert type(sim.coupling) is coupling.Linear
    assert type(sim.integrator) is integrators.HeunDeterministic
    assert sim.integrator.dt == 0.01220703125
    assert [type(m) for m in sim.monitors] == [monitors.TemporalAverage]


def test_conduction_speed_trait_does_not_change_delays():
    """Fact: `Simulator(conduction_speed=...)` has no effect on delays; delays come from `connectivity.speed`."""
    c = connectivity.Connectivity.from_file()
    c.configure()
    sim = make_sim(c, conduction_speed=10.0).configure()
    assert sim.conduction_speed == 10.0
    assert c.speed[0] == 3.0
    np.testing.assert_allclose(c.delays, c.tract_lengths / 3.0)


# ---------------------------------------------------------------------------------------
# Monitors
# ---------------------------------------------------------------------------------------
MONITOR_CLASSES = [
    "Raw", "RawVoi", "SubSample", "SpatialAverage", "GlobalAverage", "TemporalAverage",
    "AfferentCoupling", "AfferentCouplingTemporalAverage", "Projection", "EEG", "MEG", "iEEG",
    "Bold", "BoldRegionROI", "ProgressLogger",
]


def test_monitor_classes_exist():
    """Fact: `monitors` provides Raw, RawVoi, SubSample, SpatialAverage, GlobalAverage, TemporalAverage, AfferentCoupling, AfferentCouplingTemporalAverage, Projection, EEG, MEG, iEEG, Bold, BoldRegionROI and ProgressLogger."""
    missing = [name for name in MONITOR_CLASSES if not hasattr(monitors, name)]
    assert missing == []


@pytest.mark.parametrize("name", ["SEEG", "BOLD", "ProgressArray"])
def test_nonexistent_monitor_names(name):
    """Fact: there is no `monitors.SEEG` (use `monitors.iEEG`), no `monitors.BOLD` (use `monitors.Bold`) and no `ProgressArray`; attribute access raises AttributeError and `from tvb.simulator.monitors import X` raises ImportError."""
    with pytest.raises(AttributeError):
        getattr(monitors, name)
    with pytest.raises(ImportError):
        exec(f"from tvb.simulator.monitors import {name}", {})


def test_monitor_default_periods():
    """Fact: monitors default to period 0.9765625 ms (1024 Hz), Bold to 2000.0 ms; Raw's period trait defaults to 0.0 (it samples every dt)."""
    for cls in (monitors.TemporalAverage, monitors.SubSample, monitors.GlobalAverage,
                monitors.SpatialAverage, monitors.EEG):
        assert cls().period == 0.9765625, cls
    assert monitors.Bold().period == 2000.0
    assert monitors.Raw().period == 0.0


def test_temporal_average_sample_count_is_length_over_period(conn):
    """Fact: `TemporalAverage(period=5.0)` samples at 200 Hz: T ms give T/5 samples, stamped at bin midpoints (2.5, 7.5, ...)."""
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=5.0),)).configure()
    (t, y), = sim.run(simulation_length=100.0)
    assert t.shape == (20,)
    np.testing.assert_allclose(t[:3], [2.5, 7.5, 12.5])
    assert 1000.0 / np.diff(t).mean() == pytest.approx(200.0)


def test_subsample_times_are_period_ends(conn):
    """Fact: `SubSample(period=p)` takes every p-th ms sample, stamped at p, 2p, ... (not midpoints)."""
    sim = make_sim(conn, mons=(monitors.SubSample(period=2.0),)).configure()
    (t, y), = sim.run(simulation_length=10.0)
    np.testing.assert_allclose(t, [2.0, 4.0, 6.0, 8.0, 10.0])


def test_raw_samples_every_dt_ignoring_period(conn):
    """Fact: `monitors.Raw` records every integration step (first sample at t=dt) and ignores its period."""
    sim = make_sim(conn, dt=0.1, mons=(monitors.Raw(period=5.0),)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert t.shape == (20,)
    assert t[0] == pytest.approx(0.1) and t[-1] == pytest.approx(2.0)


def test_period_not_multiple_of_dt_is_rounded(conn):
    """Fact: a monitor period that is not a multiple of dt does not raise; TVB rounds period/dt to whole steps (0.27 ms at dt=0.1 → every 3 steps)."""
    sim = make_sim(conn, dt=0.1, mons=(monitors.SubSample(period=0.27),)).configure()
    (t, y), = sim.run(simulation_length=3.0)
    np.testing.assert_allclose(np.diff(t), 0.3)
    assert t.shape == (10,)


def test_bold_defaults():
    """Fact: `monitors.Bold` defaults: period 2000.0 ms, hrf_length 20000.0 ms, hrf_kernel `equations.FirstOrderVolterra`; `equations` also has DoubleExponential, Gamma, MixtureOfGammas."""
    bold = monitors.Bold()
    assert bold.period == 2000.0
    assert bold.hrf_length == 20000.0
    assert type(bold.hrf_kernel) is equations.FirstOrderVolterra
    for name in ("DoubleExponential", "Gamma", "MixtureOfGammas"):
        assert hasattr(equations, name)


def test_bold_shorter_than_period_returns_empty(conn):
    """Fact: a simulation shorter than the Bold period returns empty arrays of shape (0,) and does not raise."""
    sim = make_sim(conn, mons=(monitors.Bold(period=2000.0),)).configure()
    (t, y), = sim.run(simulation_length=100.0)
    assert t.shape == (0,) and y.shape == (0,)


def test_bold_first_sample_at_one_period(conn):
    """Fact: Bold(period=2000.0) produces its first sample at t = 2000 ms (4000 ms → samples at 2000 and 4000, shape (2, 1, n_regions, 1))."""
    sim = make_sim(conn, dt=0.5, mons=(monitors.Bold(period=2000.0),)).configure()
    (t, y), = sim.run(simulation_length=4000.0)
    np.testing.assert_allclose(t, [2000.0, 4000.0])
    assert y.shape == (2, 1, N_REGIONS, 1)
    assert np.isfinite(y).all()


def test_monitor_voi_indexes_model_voi_list_out_of_range_fails_at_run(conn):
    """Fact: monitor `variables_of_interest` indexes the model's VOI list; Epileptor's default VOI has 2 entries, so `variables_of_interest=np.array([0, 2])` configures but raises IndexError at run."""
    sim = epileptor_sim(conn, np.array([0, 2])).configure()  # configure does not check
    with pytest.raises(IndexError, match="out of bounds"):
        sim.run(simulation_length=2.0)


def test_monitor_voi_within_model_voi_list_works(conn):
    """Fact: for Epileptor with default VOI, monitor `variables_of_interest=np.array([0, 1])` returns both ("x2 - x1", "z") → n_voi = 2."""
    sim = epileptor_sim(conn, np.array([0, 1])).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert y.shape == (2, 2, N_REGIONS, 1)


def test_model_voi_can_list_all_state_variables(conn):
    """Fact: setting the model's `variables_of_interest` to all state variables makes them all recordable (Epileptor → n_voi = 6)."""
    model = models.Epileptor(variables_of_interest=("x1", "y1", "z", "x2", "y2", "g"))
    sim = make_sim(conn, model=model, cpl=coupling.Difference(a=np.array([1.0])), dt=0.05,
                   mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert y.shape == (2, 6, N_REGIONS, 1)


def test_eeg_from_file_gives_65_channels_at_region_level(conn):
    """Fact: `monitors.EEG.from_file(period=...)` (eeg_brainstorm_65 + its projection + regionMapping_16k_76) works in a region simulation without configuring the monitor yourself, giving 65 channels."""
    eeg = monitors.EEG.from_file(period=1.0)
    assert isinstance(eeg.sensors, sensors.SensorsEEG)
    assert isinstance(eeg.region_mapping, region_mapping.RegionMapping)
    sim = make_sim(conn, mons=(eeg,)).configure()
    (t, y), = sim.run(simulation_length=3.0)
    assert y.shape == (3, 1, 65, 1)


def test_meg_from_file_gives_276_channels(conn):
    """Fact: `monitors.MEG.from_file(period=...)` (meg_brainstorm_276) works in a region simulation, giving 276 channels."""
    sim = make_sim(conn, mons=(monitors.MEG.from_file(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert y.shape == (2, 1, 276, 1)


def test_bare_eeg_without_sensors_fails_at_configure(conn):
    """Fact: `monitors.EEG(period=...)` without sensors fails at `sim.configure()` with TraitAttributeError (required attribute referenced before assignment)."""
    sim = make_sim(conn, mons=(monitors.EEG(period=1.0),))
    with pytest.raises(TraitAttributeError, match="required attribute referenced before assignment"):
        sim.configure()


def test_ieeg_from_file_default_fails_missing_seeg_projection():
    """Fact: `monitors.iEEG.from_file()` fails with ReaderException because projection_seeg_588_surface_16k.npy is not shipped in tvb-data 3.0.0."""
    with pytest.raises(ReaderException, match="projection_seeg_588_surface_16k"):
        monitors.iEEG.from_file()


def test_ieeg_with_internal_sensors_and_region_mapping_works(conn):
    """Fact: `monitors.iEEG(sensors=sensors.SensorsInternal.from_file('seeg_588.txt'), region_mapping=region_mapping.RegionMapping.from_file('regionMapping_16k_76.txt'), period=...)` works without a projection file, giving 588 channels."""
    ieeg = monitors.iEEG(
        sensors=sensors.SensorsInternal.from_file("seeg_588.txt"),
        region_mapping=region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt"),
        period=1.0,
    )
    sim = make_sim(conn, mons=(ieeg,)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert y.shape == (2, 1, 588, 1)


def test_eeg_from_file_with_62_channel_unitvector_sensors(conn):
    """Fact: `monitors.EEG.from_file(sensors_fname='eeg_unitvector_62.txt.bz2', projection_fname='projection_eeg_62_surface_16k.mat', period=...)` works, giving 62 channels."""
    eeg = monitors.EEG.from_file(sensors_fname="eeg_unitvector_62.txt.bz2",
                                 projection_fname="projection_eeg_62_surface_16k.mat", period=1.0)
    (t, y), = make_sim(conn, mons=(eeg,)).configure().run(simulation_length=2.0)
    assert y.shape == (2, 1, 62, 1)


def test_sensor_from_file_defaults():
    """Fact: default sensor files: `SensorsEEG.from_file()` → eeg_brainstorm_65 (65 sensors), `SensorsMEG.from_file()` → meg_151 (151, unlike the MEG monitor's 276), `SensorsInternal.from_file()` → seeg_39.txt.bz2, which holds 103 contacts (not 39); `number_of_sensors` is 0 until `configure()`."""
    assert sensors.SensorsEEG.from_file().labels.shape == (65,)
    assert sensors.SensorsMEG.from_file().labels.shape == (151,)
    seeg = sensors.SensorsInternal.from_file()
    assert seeg.labels.shape == (103,)
    eeg = sensors.SensorsEEG.from_file()
    assert eeg.number_of_sensors == 0
    eeg.configure()
    assert eeg.number_of_sensors == 65


def test_projection_classes():
    """Fact: `tvb.datatypes.projections` has ProjectionMatrix, ProjectionSurfaceEEG, ProjectionSurfaceMEG and ProjectionSurfaceSEEG (use the SEEG one for SEEG)."""
    from tvb.datatypes import projections
    for name in ("ProjectionMatrix", "ProjectionSurfaceEEG", "ProjectionSurfaceMEG", "ProjectionSurfaceSEEG"):
        assert inspect.isclass(getattr(projections, name)), name


def test_cortex_and_region_mapping_from_file():
    """Fact: `cortex.Cortex.from_file(source_file='cortex_16384.zip', region_mapping_file='regionMapping_16k_76.txt', local_connectivity_file=None)` loads the 16384-vertex cortex; `region_mapping.RegionMapping.from_file('regionMapping_16k_76.txt')` maps its vertices to regions 0-75."""
    from tvb.simulator.lab import cortex
    ctx = cortex.Cortex.from_file(source_file="cortex_16384.zip",
                                  region_mapping_file="regionMapping_16k_76.txt",
                                  local_connectivity_file=None)
    assert isinstance(ctx, cortex.Cortex)
    assert ctx.vertices.shape == (16384, 3)
    rm = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
    assert rm.array_data.shape == (16384,)
    assert rm.array_data.min() == 0 and rm.array_data.max() == 75


# ---------------------------------------------------------------------------------------
# Traits: NArray vs Float, kwargs, final attributes, initial conditions
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build",
    [
        lambda: models.Generic2dOscillator(a=-0.5),
        lambda: coupling.Linear(a=0.0154),
        lambda: noise.Additive(nsig=0.01),
        lambda: models.JansenRit(A=3),  # ints are rejected too
    ],
    ids=["G2D.a", "Linear.a", "Additive.nsig", "JansenRit.A-int"],
)
def test_narray_parameters_reject_python_numbers(build):
    """Fact: model, coupling and noise parameters are NArray traits: passing a Python float or int raises TraitTypeError."""
    with pytest.raises(TraitTypeError, match="can't be set to an instance of"):
        build()


def test_narray_parameters_accept_numpy_arrays():
    """Fact: wrap model/coupling/noise parameters as `np.array([value])`."""
    assert models.Generic2dOscillator(a=np.array([-0.5])).a[0] == -0.5
    assert coupling.Linear(a=np.array([0.0154])).a[0] == 0.0154
    assert noise.Additive(nsig=np.array([0.01])).nsig[0] == 0.01


def test_region_wise_model_parameter_runs(conn):
    """Fact: a model parameter may be a per-region array of shape (n_regions,)."""
    model = models.Generic2dOscillator(a=np.full(N_REGIONS, -2.0))
    (t, y), = make_sim(conn, model=model).configure().run(simulation_length=1.0)
    assert y.shape == (10, 1, N_REGIONS, 1)


@pytest.mark.parametrize(
    "build",
    [
        lambda: integrators.HeunDeterministic(dt=np.array([0.1])),
        lambda: monitors.TemporalAverage(period=np.array([1.0])),
    ],
    ids=["integrator.dt", "monitor.period"],
)
def test_float_traits_reject_arrays(build):
    """Fact: integrator `dt` and monitor `period` are Float traits: pass a Python number; a numpy array raises TraitTypeError ("Need a number")."""
    with pytest.raises(TraitTypeError, match="Need a number"):
        build()


@pytest.mark.parametrize(
    "build, valid",
    [
        (lambda: models.Epileptor(tau0=np.array([2857.0])), "'r'"),
        (lambda: models.JansenRit(C1=np.array([135.0])), "'a_1'"),
        (lambda: connectivity.Connectivity(load_default=True), "'weights'"),
    ],
    ids=["Epileptor.tau0", "JansenRit.C1", "Connectivity.load_default"],
)
def test_unknown_kwargs_raise_listing_valid_kwargs(build, valid):
    """Fact: an unknown keyword argument raises TraitTypeError whose message lists the valid kwargs (e.g. `Epileptor(tau0=...)`, `JansenRit(C1=...)`, old `Connectivity(load_default=True)`)."""
    with pytest.raises(TraitTypeError, match="Valid kwargs for type") as err:
        build()
    assert valid in str(err.value)


def test_state_variable_range_is_final():
    """Fact: `model.state_variable_range` cannot be assigned (TraitFinalAttributeError), neither as attribute nor in the constructor; use `initial_conditions=` instead."""
    svr = {"V": np.array([-1.0, 1.0]), "W": np.array([-1.0, 1.0])}
    model = models.Generic2dOscillator()
    with pytest.raises(TraitFinalAttributeError, match="final attribute"):
        model.state_variable_range = svr
    with pytest.raises(TraitFinalAttributeError):
        models.Generic2dOscillator(state_variable_range=svr)


def test_initial_conditions_one_time_point_sets_start_state(conn):
    """Fact: `Simulator(initial_conditions=ic)` accepts ic of shape (1, n_svar, n_regions, n_modes); a wrong n_svar raises ValueError at configure."""
    ic = np.full((1, 2, N_REGIONS, 1), 0.5)
    sim = make_sim(conn, initial_conditions=ic).configure()
    np.testing.assert_array_equal(sim.current_state, ic[0])
    (t, y), = sim.run(simulation_length=1.0)
    assert y.shape == (10, 1, N_REGIONS, 1)
    bad = make_sim(conn, initial_conditions=np.zeros((1, 3, N_REGIONS, 1)))
    with pytest.raises(ValueError, match="Incorrect history sample shape"):
        bad.configure()


def test_one_time_point_initial_conditions_do_not_make_delayed_runs_reproducible(conn):
    """Fact: a (1, ...) initial_conditions array fixes only the current state; the rest of the delay history is still random, so two deterministic sims with the same 1-point ic differ."""
    ic = np.random.default_rng(5).uniform(-1, 1, (1, 2, N_REGIONS, 1))
    (t, ya), = make_sim(conn, initial_conditions=ic).configure().run(simulation_length=5.0)
    (t, yb), = make_sim(conn, initial_conditions=ic).configure().run(simulation_length=5.0)
    assert not np.array_equal(ya, yb)


def test_full_history_initial_conditions_make_runs_reproducible(conn):
    """Fact: initial_conditions covering the whole history, shape `sim.good_history_shape` = (horizon, n_svar, n_regions, n_modes) (horizon 513 at dt=0.1, speed 3), make deterministic runs identical."""
    shape = make_sim(conn).configure().good_history_shape
    assert tuple(shape) == (513, 2, N_REGIONS, 1)
    ic = np.random.default_rng(5).uniform(-1, 1, shape)
    (t, ya), = make_sim(conn, initial_conditions=ic).configure().run(simulation_length=5.0)
    (t, yb), = make_sim(conn, initial_conditions=ic).configure().run(simulation_length=5.0)
    np.testing.assert_array_equal(ya, yb)


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------
def test_epileptor_state_variables_and_default_voi():
    """Fact: Epileptor has 6 state variables x1, y1, z, x2, y2, g and default variables_of_interest ("x2 - x1", "z")."""
    m = models.Epileptor()
    assert tuple(m.state_variables) == ("x1", "y1", "z", "x2", "y2", "g")
    assert tuple(m.variables_of_interest) == ("x2 - x1", "z")


def test_epileptor_defaults_and_no_tau0():
    """Fact: Epileptor defaults x0=-1.6, r=0.00035 (r = 1/tau0, 1/r ≈ 2857), tau=10 (the paper's tau2), Iext=3.1, Iext2=0.45, bb=2; there is no `tau0` trait."""
    m = models.Epileptor()
    assert m.x0[0] == -1.6
    assert m.r[0] == 0.00035
    assert 1.0 / m.r[0] == pytest.approx(2857.142857)
    assert m.tau[0] == 10.0
    assert m.Iext[0] == 3.1
    assert m.Iext2[0] == 0.45
    assert m.bb[0] == 2.0
    assert not hasattr(m, "tau0")


def test_epileptor2d_state_variables():
    """Fact: Epileptor2D has 2 state variables x1, z and default VOI x1."""
    m = models.Epileptor2D()
    assert tuple(m.state_variables) == ("x1", "z")
    assert tuple(m.variables_of_interest) == ("x1",)


def test_jansen_rit_state_variables_and_voi(conn):
    """Fact: JansenRit has 6 state variables y0..y5 and default VOI y0..y3, so its output has n_voi = 4."""
    m = models.JansenRit()
    assert tuple(m.state_variables) == ("y0", "y1", "y2", "y3", "y4", "y5")
    assert tuple(m.variables_of_interest) == ("y0", "y1", "y2", "y3")
    sim = make_sim(conn, model=m, cpl=coupling.SigmoidalJansenRit(a=np.array([10.0])),
                   mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert y.shape == (2, 4, N_REGIONS, 1)


def test_jansen_rit_defaults_and_connectivity_constants():
    """Fact: JansenRit defaults A=3.25, B=22, a=0.1 and b=0.05 (per ms), v0=5.52, nu_max=0.0025, r=0.56, J=135, a_1=1, a_2=0.8, a_3=a_4=0.25, mu=0.22, so the paper's C1..C4 = J*a_i = 135, 108, 33.75, 33.75 (set a_i = C_i / J)."""
    m = models.JansenRit()
    expected = dict(A=3.25, B=22.0, a=0.1, b=0.05, v0=5.52, nu_max=0.0025, r=0.56, J=135.0,
                    a_1=1.0, a_2=0.8, a_3=0.25, a_4=0.25, mu=0.22)
    assert {k: getattr(m, k)[0] for k in expected} == expected
    c = [m.J[0] * getattr(m, f"a_{i}")[0] for i in (1, 2, 3, 4)]
    assert c == pytest.approx([135.0, 108.0, 33.75, 33.75])


def test_reduced_wong_wang_has_one_state_variable():
    """Fact: ReducedWongWang has 1 state variable S; ReducedWongWangExcInh has 2 (S_e, S_i)."""
    assert tuple(models.ReducedWongWang().state_variables) == ("S",)
    assert tuple(models.ReducedWongWangExcInh().state_variables) == ("S_e", "S_i")


def test_reduced_wong_wang_defaults():
    """Fact: ReducedWongWang defaults a=0.27, b=0.108, d=154, gamma=0.641, tau_s=100, w=0.6, J_N=0.2609, I_o=0.33."""
    m = models.ReducedWongWang()
    expected = dict(a=0.27, b=0.108, d=154.0, gamma=0.641, tau_s=100.0, w=0.6, J_N=0.2609, I_o=0.33)
    assert {k: getattr(m, k)[0] for k in expected} == expected


def test_generic2d_oscillator_defaults():
    """Fact: Generic2dOscillator has states V, W, default VOI V, and defaults a=-2, b=-10, c=0, d=0.02, I=0, tau=1, e=3, f=1, g=0."""
    m = models.Generic2dOscillator()
    assert tuple(m.state_variables) == ("V", "W")
    assert tuple(m.variables_of_interest) == ("V",)
    expected = dict(a=-2.0, b=-10.0, c=0.0, d=0.02, I=0.0, tau=1.0, e=3.0, f=1.0, g=0.0)
    assert {k: getattr(m, k)[0] for k in expected} == expected


def test_wilson_cowan_states_and_trait_names():
    """Fact: WilsonCowan has states E, I (VOI E) and traits c_ee=12, c_ei=4, c_ie=13, c_ii=11, tau_e=10, tau_i=10, P=0, Q=0."""
    m = models.WilsonCowan()
    assert tuple(m.state_variables) == ("E", "I")
    assert tuple(m.variables_of_interest) == ("E",)
    expected = dict(c_ee=12.0, c_ei=4.0, c_ie=13.0, c_ii=11.0, tau_e=10.0, tau_i=10.0, P=0.0, Q=0.0)
    assert {k: getattr(m, k)[0] for k in expected} == expected


def test_wilson_cowan_sigmoid_trait_names():
    """Fact: WilsonCowan's sigmoid traits are a_e=1.2, b_e=2.8, c_e=1, theta_e=0, a_i=1, b_i=4, c_i=1, theta_i=0 and each is settable as a keyword array."""
    m = models.WilsonCowan()
    expected = dict(a_e=1.2, b_e=2.8, c_e=1.0, theta_e=0.0, a_i=1.0, b_i=4.0, c_i=1.0, theta_i=0.0)
    assert {k: float(getattr(m, k)[0]) for k in expected} == expected
    tuned = models.WilsonCowan(a_e=np.array([1.3]), b_i=np.array([14.76]))
    assert tuned.a_e[0] == 1.3 and tuned.b_i[0] == 14.76


def test_kuramoto_state_and_omega():
    """Fact: the Kuramoto model has one state variable theta and omega defaults to 1.0."""
    m = models.Kuramoto()
    assert tuple(m.state_variables) == ("theta",)
    assert m.omega[0] == 1.0


def test_suphopf_states_and_defaults():
    """Fact: SupHopf (the Hopf normal form model) has states x, y and defaults a=-0.5, omega=1.0."""
    m = models.SupHopf()
    assert tuple(m.state_variables) == ("x", "y")
    assert m.a[0] == -0.5 and m.omega[0] == 1.0


def test_reduced_set_hindmarsh_rose_has_three_modes():
    """Fact: ReducedSetHindmarshRose (the Stefanescu-Jirsa 3D model) has 6 state variables xi, eta, tau, alpha, beta, gamma, 3 modes and default VOI xi, eta, tau."""
    m = models.ReducedSetHindmarshRose()
    assert tuple(m.state_variables) == ("xi", "eta", "tau", "alpha", "beta", "gamma")
    assert m.number_of_modes == 3
    assert tuple(m.variables_of_interest) == ("xi", "eta", "tau")


@pytest.mark.parametrize("name", ["SupHopf", "Kuramoto", "ReducedSetHindmarshRose", "Generic2dOscillator",
                                  "JansenRit", "Epileptor", "Epileptor2D", "WilsonCowan",
                                  "ReducedWongWang", "ReducedWongWangExcInh", "MontbrioPazoRoxin",
                                  "LarterBreakspear", "ZetterbergJansen"])
def test_model_class_exists(name):
    """Fact: these model classes exist in `models` under exactly these names (note the lower-case d in Generic2dOscillator)."""
    assert inspect.isclass(getattr(models, name))


@pytest.mark.parametrize("name", ["Generic2DOscillator", "Hopf", "SupHopfield", "JR", "StefanescuJirsa3D", "SJ3D"])
def test_wrong_model_class_names_do_not_exist(name):
    """Fact: `models.Generic2DOscillator`, `models.Hopf`, `models.SupHopfield`, `models.JR`, `models.StefanescuJirsa3D` and `models.SJ3D` do not exist (use Generic2dOscillator, SupHopf, JansenRit, ReducedSetHindmarshRose)."""
    assert not hasattr(models, name)
    with pytest.raises(ImportError):
        exec(f"from tvb.simulator.models import {name}", {})


def test_stimulated_variables_default_to_coupling_variables(conn):
    """Fact: after `sim.configure()`, `model.stvar` (where a stimulus enters) defaults to `model.cvar`: G2D [0] (V), JansenRit [1, 2] (y1, y2), Epileptor [0, 3] (x1, x2)."""
    expected = {models.Generic2dOscillator: [0], models.JansenRit: [1, 2], models.Epileptor: [0, 3]}
    for cls, idx in expected.items():
        m = cls()
        assert m.stvar is None  # unset before configure
        make_sim(conn, model=m).configure()
        assert list(m.stvar) == idx and list(m.cvar) == idx


# ---------------------------------------------------------------------------------------
# Coupling, integrators, noise, reproducibility
# ---------------------------------------------------------------------------------------
def test_coupling_defaults():
    """Fact: coupling defaults: Linear a=0.00390625 (2**-8), b=0; Difference a=0.1; SigmoidalJansenRit cmin=0, cmax=0.005, midpoint=6, r=0.56, a=1; Kuramoto a=1; Sigmoidal cmin=-1, cmax=1, midpoint=0, a=1, sigma=230."""
    lin = coupling.Linear()
    assert lin.a[0] == 0.00390625 == 2 ** -8 and lin.b[0] == 0.0
    assert coupling.Difference().a[0] == 0.1
    sjr = coupling.SigmoidalJansenRit()
    assert [sjr.cmin[0], sjr.cmax[0], sjr.midpoint[0], sjr.r[0], sjr.a[0]] == [0.0, 0.005, 6.0, 0.56, 1.0]
    assert coupling.Kuramoto().a[0] == 1.0
    sig = coupling.Sigmoidal()
    assert [sig.cmin[0], sig.cmax[0], sig.midpoint[0], sig.a[0], sig.sigma[0]] == [-1.0, 1.0, 0.0, 1.0, 230.0]


def test_integrator_default_dt():
    """Fact: integrators default to dt = 0.01220703125 ms (= 25/2048, not 2**-6; about 8x more steps than dt=0.1), so always pass dt."""
    for cls in (integrators.HeunDeterministic, integrators.HeunStochastic,
                integrators.EulerDeterministic, integrators.RungeKutta4thOrderDeterministic):
        assert cls().dt == 0.01220703125 == 25 / 2048, cls
    assert integrators.HeunDeterministic().dt != 2 ** -6


def test_additive_noise_defaults():
    """Fact: `noise.Additive()` defaults to nsig [1.0] and noise_seed 42, and `HeunStochastic()` without `noise=` uses that Additive noise (very large)."""
    add = noise.Additive()
    np.testing.assert_array_equal(add.nsig, [1.0])
    assert add.noise_seed == 42
    default_noise = integrators.HeunStochastic(dt=0.1).noise
    assert type(default_noise) is noise.Additive
    np.testing.assert_array_equal(default_noise.nsig, [1.0])


@pytest.mark.parametrize(
    "nsig",
    [np.array([0.01]), np.array([0.01, 0.0]), np.full((2, N_REGIONS), 0.01)],
    ids=["shape(1,)", "per-svar(2,)", "(nvar,n_regions)"],
)
def test_accepted_nsig_shapes_run(conn, nsig):
    """Fact: Additive nsig may have shape (1,) (broadcast), (n_svar,) (one value per state variable) or (n_svar, n_regions)."""
    sim = make_sim(conn, integrator=stochastic(nsig)).configure()
    (t, y), = sim.run(simulation_length=1.0)
    assert np.isfinite(y).all() and y.shape == (10, 1, N_REGIONS, 1)


def test_epileptor_six_element_nsig_runs(conn):
    """Fact: Epileptor takes a 6-element nsig, e.g. noise only on x2, y2: `np.array([0, 0, 0, 0.003, 0.003, 0])`."""
    sim = make_sim(conn, model=models.Epileptor(), cpl=coupling.Difference(a=np.array([1.0])),
                   integrator=stochastic(np.array([0.0, 0.0, 0.0, 0.003, 0.003, 0.0]), dt=0.05),
                   mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=2.0)
    assert np.isfinite(y).all() and y.shape == (2, 2, N_REGIONS, 1)


def test_wrong_length_nsig_fails_at_run_not_configure(conn):
    """Fact: an nsig of the wrong length (e.g. 3 values for 2-state G2D, or 2 for 6-state JansenRit) passes `configure()` (only an error is logged) and `run()` raises Exception "Got shape (3,) for noise but require (2, 76)"."""
    sim = make_sim(conn, integrator=stochastic(np.array([0.01, 0.01, 0.01])))
    sim.configure()  # does not raise
    with pytest.raises(Exception, match=r"Got shape \(3,\) for noise but require \(2, 76\)") as err:
        sim.run(simulation_length=1.0)
    assert type(err.value) is Exception


def test_region_wise_nsig_fails_at_run(conn):
    """Fact: a per-region nsig of shape (n_regions,) is NOT usable in TVB 2.10: it configures but `run()` raises "Got shape (1, 76, 1) for noise but require (2, 76)"; use shape (n_svar, n_regions) instead."""
    sim = make_sim(conn, integrator=stochastic(np.full(N_REGIONS, 0.01))).configure()
    with pytest.raises(Exception, match=r"Got shape \(1, 76, 1\) for noise"):
        sim.run(simulation_length=1.0)


def test_stochastic_runs_reproducible_by_default_seed(conn):
    """Fact: HeunStochastic runs are reproducible without `np.random.seed` (noise_seed defaults to 42 and the initial history is drawn from the noise stream); a different noise_seed gives a different run."""
    def run(**kw):
        sim = make_sim(conn, integrator=stochastic(np.array([0.01]), **kw)).configure()
        return sim.run(simulation_length=5.0)[0][1]

    a, b, c = run(), run(), run(noise_seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_noise_random_stream_is_made_from_noise_seed_at_construction():
    """Fact: a noise's `random_stream` is made from `noise_seed` when the noise is constructed: setting `noise_seed` afterwards does not change the numbers it draws (build a new noise, or a new `np.random.RandomState(seed)`)."""
    a, b = noise.Additive(noise_seed=5), noise.Additive(noise_seed=5)
    np.testing.assert_array_equal(a.random_stream.normal(size=4), b.random_stream.normal(size=4))
    late = noise.Additive(noise_seed=5)
    late.noise_seed = 6
    assert np.array_equal(late.random_stream.normal(size=4), noise.Additive(noise_seed=5).random_stream.normal(size=4))
    assert not np.array_equal(noise.Additive(noise_seed=6).random_stream.normal(size=4),
                              noise.Additive(noise_seed=5).random_stream.normal(size=4))


def test_deterministic_runs_differ_without_seed(conn):
    """Fact: two deterministic sims built without seeding differ, because initial conditions are drawn from the global numpy RNG."""
    (t, a), = make_sim(conn).configure().run(simulation_length=2.0)
    (t, b), = make_sim(conn).configure().run(simulation_length=2.0)
    assert not np.array_equal(a, b)


def test_deterministic_runs_identical_with_seed_before_configure(conn):
    """Fact: calling `np.random.seed(s)` before `configure()` makes deterministic runs identical."""
    np.random.seed(123)
    (t, a), = make_sim(conn).configure().run(simulation_length=2.0)
    np.random.seed(123)
    (t, b), = make_sim(conn).configure().run(simulation_length=2.0)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------
# Stimuli and equations
# ---------------------------------------------------------------------------------------
def test_simulator_accepts_only_one_stimulus(conn):
    """Fact: `Simulator.stimulus` takes a single pattern; passing a tuple of stimuli raises TraitTypeError (and there is no `patterns.MultiStimuliRegion`)."""
    s1 = patterns.StimuliRegion(temporal=equations.PulseTrain(), connectivity=conn, weight=np.ones(N_REGIONS))
    s2 = patterns.StimuliRegion(temporal=equations.PulseTrain(), connectivity=conn, weight=np.ones(N_REGIONS))
    with pytest.raises(TraitTypeError, match="tuple"):
        simulator.Simulator(stimulus=(s1, s2))
    assert not hasattr(patterns, "MultiStimuliRegion")


def test_region_stimulus_changes_trace_only_after_onset(conn):
    """Fact: `patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=w)` with 1-D w of length n_regions leaves the trace unchanged before onset and changes the stimulated region after onset."""
    eq = equations.PulseTrain()
    eq.parameters.update(onset=20.0, T=1000.0, tau=5.0, amp=1.0)
    w = np.zeros(N_REGIONS)
    w[[0, 10]] = 1.0
    stim = patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=w)
    np.random.seed(3)
    (t, with_stim), = make_sim(conn, stimulus=stim).configure().run(simulation_length=40.0)
    np.random.seed(3)
    (t, without), = make_sim(conn).configure().run(simulation_length=40.0)
    before, after = t <= 20.0, t > 21.0
    np.testing.assert_array_equal(with_stim[before], without[before])
    assert np.abs(with_stim[after, 0, 0] - without[after, 0, 0]).max() > 0.5
    assert np.abs(with_stim[after, 0, 10] - without[after, 0, 10]).max() > 0.5


def test_pulse_train_default_parameters():
    """Fact: `equations.PulseTrain().parameters` is a dict with T (period) 42.0, tau (pulse width) 13.0, amp 1.0, onset 30.0 (ms)."""
    assert equations.PulseTrain().parameters == {"T": 42.0, "tau": 13.0, "amp": 1.0, "onset": 30.0}


def test_pulse_train_formula():
    """Fact: PulseTrain evaluates to amp where t > onset and (t - onset) mod T < tau, else 0 (default: on for 30 < t < 43, 72 <= t < 85, ...)."""
    eq = equations.PulseTrain()
    t = np.array([0.0, 29.0, 30.0, 31.0, 42.9, 43.5, 71.9, 72.0, 72.5, 85.0])
    np.testing.assert_array_equal(eq.evaluate(t), [0, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    eq.parameters.update(amp=2.5, onset=100.0, T=1e6, tau=10.0)  # single pulse
    np.testing.assert_array_equal(eq.evaluate(np.array([99.0, 101.0, 109.0, 111.0, 5000.0])), [0, 2.5, 2.5, 0, 0])


def test_gaussian_equation_parameters():
    """Fact: `equations.Gaussian().parameters` has keys amp, sigma, midpoint, offset (defaults 1, 1, 0, 0)."""
    assert equations.Gaussian().parameters == {"amp": 1.0, "sigma": 1.0, "midpoint": 0.0, "offset": 0.0}


# ---------------------------------------------------------------------------------------
# Connectivity
# ---------------------------------------------------------------------------------------
def test_number_of_regions_is_zero_before_configure():
    """Fact: `Connectivity.from_file().number_of_regions` is 0 until `conn.configure()` is called, then 76."""
    c = connectivity.Connectivity.from_file()
    assert c.number_of_regions == 0
    c.configure()
    assert c.number_of_regions == 76


def test_default_connectivity_label_indices(conn):
    """Fact: in the default connectivity_76 labels, rV1=35, rV2=36, rHC=9, rPFCDL=18, rM1=12, lM1=50, lPFCDL=56, lHC=47, lV1=73."""
    labels = [str(x) for x in conn.region_labels]
    expected = dict(rV1=35, rV2=36, rHC=9, rPFCDL=18, rM1=12, lM1=50, lPFCDL=56, lHC=47, lV1=73)
    assert {name: labels.index(name) for name in expected} == expected


def test_default_connectivity_hemisphere_layout(conn):
    """Fact: connectivity_76 lists 38 right-hemisphere codes (indices 0-37, prefix 'r') then the same 38 left codes (38-75, prefix 'l'): left index = right index + 38."""
    labels = [str(x) for x in conn.region_labels]
    assert len(labels) == 76
    assert all(x.startswith("r") for x in labels[:38])
    assert all(labels[i + 38] == "l" + labels[i][1:] for i in range(38))
    assert labels[:3] == ["rA1", "rA2", "rAMYG"] and labels[37] == "rCC"


def test_default_connectivity_numbers(conn):
    """Fact: connectivity_76 has default speed 3.0 mm/ms, raw weights with max 3.0, tract lengths (an ndarray attribute, not a method) with max ≈ 153.5 mm, and all regions flagged cortical."""
    assert conn.speed[0] == 3.0
    assert conn.weights.max() == 3.0
    assert isinstance(conn.tract_lengths, np.ndarray) and conn.tract_lengths.shape == (76, 76)
    assert conn.tract_lengths.max() == pytest.approx(153.49, abs=0.05)
    assert conn.cortical.all()


def test_speed_must_be_array():
    """Fact: `conn.speed = 4.0` raises TraitTypeError; use `conn.speed = np.array([4.0])` then `conn.configure()` (delays = tract_lengths / speed)."""
    c = connectivity.Connectivity.from_file()
    with pytest.raises(TraitTypeError):
        c.speed = 4.0
    c.speed = np.array([4.0])
    c.configure()
    np.testing.assert_allclose(c.delays, c.tract_lengths / 4.0)


def test_scaled_weights(conn):
    """Fact: `conn.scaled_weights(mode='tract')` (the default mode) returns weights divided by the max weight (max 1.0) without changing `conn.weights`; mode='region' scales the largest row sum to 1."""
    w_before = conn.weights.copy()
    tract = conn.scaled_weights(mode="tract")
    assert tract.max() == pytest.approx(1.0)
    np.testing.assert_allclose(tract, w_before / 3.0)
    np.testing.assert_array_equal(conn.scaled_weights(), tract)
    assert np.abs(conn.scaled_weights(mode="region").sum(axis=1)).max() == pytest.approx(1.0)
    np.testing.assert_array_equal(conn.weights, w_before)


def test_other_connectivities_shipped():
    """Fact: tvb-data ships connectivity_68.zip (Desikan-Killiany-style labels such as 'r_lateralorbitofrontal') and connectivity_192.zip, loadable via `Connectivity.from_file(name)`."""
    c68 = connectivity.Connectivity.from_file("connectivity_68.zip")
    c68.configure()
    assert c68.number_of_regions == 68
    assert "r_lateralorbitofrontal" in [str(x) for x in c68.region_labels]
    c192 = connectivity.Connectivity.from_file("connectivity_192.zip")
    c192.configure()
    assert c192.number_of_regions == 192


# ---------------------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------------------
def test_lab_star_import_exports():
    """Fact: `from tvb.simulator.lab import *` provides connectivity, cortex, coupling, equations, integrators, local_connectivity, models, monitors, noise, patterns, region_mapping, sensors, simulator, surfaces and time_series."""
    ns = {}
    exec("from tvb.simulator.lab import *", ns)
    names = ["connectivity", "cortex", "coupling", "equations", "integrators", "local_connectivity",
             "models", "monitors", "noise", "patterns", "region_mapping", "sensors", "simulator",
             "surfaces", "time_series"]
    assert [n for n in names if n not in ns] == []


@pytest.mark.parametrize("name", ["patterns", "equations"])
def test_patterns_and_equations_are_not_in_tvb_simulator(name):
    """Fact: `from tvb.simulator import patterns` (or `equations`) raises ImportError; they live in `tvb.datatypes` and are exported by `tvb.simulator.lab`."""
    with pytest.raises(ImportError):
        exec(f"from tvb.simulator import {name}", {})
    ns = {}
    exec(f"from tvb.simulator.lab import {name}", ns)
    assert ns[name].__name__ == f"tvb.datatypes.{name}"


# ---------------------------------------------------------------------------------------
# Dynamics
# ---------------------------------------------------------------------------------------
def test_generic2d_default_parameters_settle_to_fixed_point(conn):
    """Fact: Generic2dOscillator with default parameters, Linear(a=[0.0154]) and HeunDeterministic settles to a fixed point (no oscillation), so spectral demos need noise or other parameters."""
    np.random.seed(42)
    sim = make_sim(conn, mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=500.0)
    assert y[:50].std(axis=0).max() > 0.5  # the random start moves a lot
    assert y[-100:].std(axis=0).max() < 1e-2  # then everything is flat


@pytest.mark.slow
def test_jansen_rit_alpha_peak(conn):
    """Fact: JansenRit with SigmoidalJansenRit(a=np.array([10.0])), HeunDeterministic(dt=0.1), 2000 ms: the Welch spectrum of y1 - y2 (VOI 1 minus VOI 2) peaks in the alpha band (8-12 Hz)."""
    np.random.seed(0)
    sim = make_sim(conn, model=models.JansenRit(), cpl=coupling.SigmoidalJansenRit(a=np.array([10.0])),
                   dt=0.1, mons=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=2000.0)
    assert np.isfinite(y).all()
    x = (y[:, 1, :, 0] - y[:, 2, :, 0])[500:]  # drop the first 500 ms
    f, p = signal.welch(x, fs=1000.0, axis=0, nperseg=1024)
    mean_p = p.mean(axis=1)
    peak = f[1:][np.argmax(mean_p[1:])]
    assert 8.0 <= peak <= 12.0
