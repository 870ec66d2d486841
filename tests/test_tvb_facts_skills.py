"""Executable TVB facts used by the seed skills (skills/), beyond those in test_tvb_facts.py.

Same contract as tests/test_tvb_facts.py: one test per fact, the first docstring line ("Fact: ...") is the
sentence a skill may use, and every row is indexed in docs/tvb-facts.md. Checked against tvb-library 2.10.0
and tvb-data 3.0.0 with short runs (at most a few hundred ms simulated, except the 4000 ms Bold run at
dt=0.5, i.e. 8000 steps).
"""
import numpy as np
import pytest

from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, noise, patterns, simulator

N_REGIONS = 76


@pytest.fixture(scope="module")
def conn():
    c = connectivity.Connectivity.from_file()
    c.configure()
    return c


def linear_sim(conn, *, gamma=0.0, a=0.0, integrator=None, mons=None, **kw):
    """models.Linear (dx/dt = gamma*x + coupling) with Linear coupling of slope a, Raw monitor by default."""
    return simulator.Simulator(
        model=models.Linear(gamma=np.array([gamma])),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([a])),
        integrator=integrator if integrator is not None else integrators.HeunDeterministic(dt=0.1),
        monitors=mons if mons is not None else (monitors.Raw(),),
        **kw,
    )


def g2d_sim(conn, *, a=0.0154, integrator=None, mons=None, **kw):
    return simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([a])),
        integrator=integrator if integrator is not None else integrators.HeunDeterministic(dt=0.1),
        monitors=mons if mons is not None else (monitors.TemporalAverage(period=1.0),),
        **kw,
    )


def history_shape(conn):
    sim = linear_sim(conn)
    sim.configure()
    return sim.good_history_shape


def test_linear_model_state_and_decay(conn):
    """Fact: `models.Linear` has one state variable x (VOI x) and `gamma` (default -10); without coupling it follows dx/dt = gamma·x (gamma=-0.1 from x=1 gives exp(-1) after 10 ms)."""
    model = models.Linear()
    assert tuple(model.state_variables) == ("x",)
    assert tuple(model.variables_of_interest) == ("x",)
    assert model.gamma[0] == -10.0
    sim = linear_sim(conn, gamma=-0.1, initial_conditions=np.ones(history_shape(conn))).configure()
    (t, y), = sim.run(simulation_length=10.0)
    assert y[-1, 0, :, 0] == pytest.approx(np.exp(-1.0), rel=1e-4)


def test_additive_noise_step_std_is_sqrt_2_nsig_dt(conn):
    """Fact: `noise.Additive(nsig=D)` is a diffusion coefficient: each integration step adds noise of standard deviation sqrt(2·D·dt) (nsig 0.01 at dt 0.1 → 0.0447)."""
    integ = integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.01])))
    sim = linear_sim(conn, gamma=0.0, integrator=integ).configure()
    (t, y), = sim.run(simulation_length=100.0)
    steps = np.diff(y[:, 0, :, 0], axis=0)
    assert steps.std() == pytest.approx(np.sqrt(2 * 0.01 * 0.1), rel=0.02)


def test_region_stimulus_adds_amp_to_derivative(conn):
    """Fact: a region stimulus adds weight·amp to the time derivative (per ms) of the stimulated variable: a 10 ms PulseTrain pulse of amp 0.2 raises an undriven `models.Linear(gamma=0)` x by ≈ amp·tau = 2.0 and leaves weight-0 regions unchanged."""
    eq = equations.PulseTrain()
    eq.parameters.update(onset=50.0, T=1e6, tau=10.0, amp=0.2)
    w = np.zeros(N_REGIONS)
    w[5] = 1.0
    stim = patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=w)
    sim = linear_sim(conn, stimulus=stim, initial_conditions=np.zeros(history_shape(conn))).configure()
    (t, y), = sim.run(simulation_length=100.0)
    assert y[-1, 0, 5, 0] == pytest.approx(2.0, abs=0.05)
    others = np.delete(y[-1, 0, :, 0], 5)
    assert np.all(others == 0.0)


def test_linear_coupling_row_i_is_input_of_region_i():
    """Fact: Linear coupling gives region i the input a·Σ_j weights[i, j]·x_j(t − delay_ij): row i of `conn.weights` holds what region i receives (weights[i, j] is the connection from j to i)."""
    c = connectivity.Connectivity.from_file()
    w = np.zeros((N_REGIONS, N_REGIONS))
    w[0, 1] = 1.0
    c.weights = w
    c.configure()
    ic = np.zeros(history_shape(c))
    ic[:, 0, 1, 0] = 1.0  # region 1 held at x=1 for the whole history
    sim = linear_sim(c, gamma=0.0, a=1.0, initial_conditions=ic).configure()
    (t, y), = sim.run(simulation_length=10.0)
    assert y[-1, 0, 0, 0] == pytest.approx(10.0, rel=1e-6)  # dx_0/dt = a * w[0, 1] * x_1 = 1
    assert y[-1, 0, 1, 0] == pytest.approx(1.0)  # region 1 receives nothing


def test_zeroing_row_and_column_disconnects_a_region(conn):
    """Fact: setting row i and column i of `conn.weights` to 0 before `conn.configure()` disconnects region i: with the same `np.random.seed`, its trace equals that of an uncoupled run (coupling a=0), unlike the intact network."""
    i = 50  # lM1
    lesioned = connectivity.Connectivity.from_file()
    lesioned.weights[i, :] = 0.0
    lesioned.weights[:, i] = 0.0
    lesioned.configure()
    assert conn.weights[i].any()  # the default connectivity is untouched
    np.random.seed(1)
    (t, les), = g2d_sim(lesioned).configure().run(simulation_length=50.0)
    np.random.seed(1)
    (t, free), = g2d_sim(conn, a=0.0).configure().run(simulation_length=50.0)
    np.random.seed(1)
    (t, intact), = g2d_sim(conn).configure().run(simulation_length=50.0)
    np.testing.assert_array_equal(les[:, 0, i], free[:, 0, i])
    assert np.abs(intact[:, 0, i] - free[:, 0, i]).max() > 1e-3


def test_bold_and_temporal_average_together_at_dt_half(conn):
    """Fact: Generic2dOscillator with HeunStochastic(dt=0.5) and monitors (TemporalAverage(period=1.0), Bold(period=2000.0)) runs: 4000 ms give 4000 averages and 2 finite BOLD volumes stamped 2000 and 4000 ms."""
    integ = integrators.HeunStochastic(dt=0.5, noise=noise.Additive(nsig=np.array([0.001])))
    sim = g2d_sim(conn, integrator=integ,
                  mons=(monitors.TemporalAverage(period=1.0), monitors.Bold(period=2000.0))).configure()
    (ta, ya), (tb, yb) = sim.run(simulation_length=4000.0)
    assert ya.shape == (4000, 1, N_REGIONS, 1)
    np.testing.assert_allclose(tb, [2000.0, 4000.0])
    assert yb.shape == (2, 1, N_REGIONS, 1) and np.isfinite(yb).all()


def test_eeg_records_every_model_voi(conn):
    """Fact: `monitors.EEG.from_file(period=p)` projects each model VOI: with JansenRit (4 VOIs) a T ms run gives EEG data of shape (T/p, 4, 65, 1), beside a TemporalAverage of shape (T/p, 4, 76, 1)."""
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.JansenRit(), connectivity=conn, coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0), monitors.EEG.from_file(period=1.0))).configure()
    (ta, ya), (te, ye) = sim.run(simulation_length=20.0)
    assert ya.shape == (20, 4, N_REGIONS, 1)
    assert ye.shape == (20, 4, 65, 1)


def test_kuramoto_theta_is_not_wrapped(conn):
    """Fact: the Kuramoto model's theta is recorded unwrapped (it grows past 2π), so take phases through exp(1j·theta); the order parameter abs(mean over regions of exp(1j·theta)) lies in [0, 1]."""
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.Kuramoto(omega=np.array([0.0628])), connectivity=conn,
        coupling=coupling.Kuramoto(a=np.array([0.02])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.05]))),
        monitors=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=200.0)
    theta = y[:, 0, :, 0]
    assert theta.max() > 2 * np.pi
    r = np.abs(np.exp(1j * theta).mean(axis=1))
    assert np.all((r >= 0.0) & (r <= 1.0 + 1e-12))


def dfun(model, state, c):
    """The model's right-hand side for one region: state and coupling c given per state / coupling variable."""
    model.configure()
    x = np.asarray(state, dtype=float).reshape(-1, 1, 1)
    cc = np.asarray(c, dtype=float).reshape(-1, 1, 1)
    return model.dfun(x, cc).ravel()


def test_reduced_wong_wang_equation_and_coupling_entry():
    """Fact: ReducedWongWang computes dS/dt = -S/tau_s + (1 - S)·gamma·H(x), H(x) = (a·x - b) / (1 - exp(-d·(a·x - b))), x = w·J_N·S + I_o + J_N·c, where c is the coupling input (Linear: a·Σ_j w_ij S_j), so a global coupling G multiplying J_N·Σ_j w_ij S_j is Linear `a = G`."""
    a, b, d, gamma, tau_s, w, j_n, i_o = 0.27, 0.108, 154.0, 0.641, 100.0, 0.6, 0.2609, 0.33
    for s, c in [(0.1, 0.5), (0.4, 0.0), (0.8, 1.3)]:
        x = w * j_n * s + i_o + j_n * c
        h = (a * x - b) / (1 - np.exp(-d * (a * x - b)))
        assert dfun(models.ReducedWongWang(), [s], [c]) == pytest.approx([-s / tau_s + (1 - s) * gamma * h])


def test_generic2d_default_equations():
    """Fact: Generic2dOscillator with default parameters computes dV/dt = 0.02·(W - V³ + 3·V² + c) and dW/dt = 0.02·(-2 - 10·V - W), c being the coupling input on V."""
    for v, w, c in [(0.5, -1.0, 0.3), (-1.2, 2.0, 0.0), (2.0, -7.0, -0.4)]:
        expected = [0.02 * (w - v ** 3 + 3 * v ** 2 + c), 0.02 * (-2 - 10 * v - w)]
        assert dfun(models.Generic2dOscillator(), [v, w], [c]) == pytest.approx(expected)


def test_kuramoto_and_linear_model_equations():
    """Fact: the Kuramoto model computes dtheta/dt = omega + c and models.Linear dx/dt = gamma·x + c, c being the coupling input."""
    assert dfun(models.Kuramoto(omega=np.array([0.0628])), [0.3], [0.5]) == pytest.approx([0.0628 + 0.5])
    assert dfun(models.Linear(gamma=np.array([-0.1])), [2.0], [0.5]) == pytest.approx([-0.2 + 0.5])
