"""Executable TVB facts behind the model-family, delay and multistability goals (goals/wong-wang-exc-inh-coupling,
...), beyond tests/test_tvb_facts.py and tests/test_tvb_facts_skills.py.

Same contract: one test per fact, the first docstring line ("Fact: ...") is the sentence a goal or skill may use,
and every row is indexed in docs/tvb-facts.md (section "Model families, delays and multistability"). Checked
against tvb-library 2.10.0 and tvb-data 3.0.0 with short runs (at most a few hundred ms simulated).
"""
import numpy as np
import pytest

from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

N_REGIONS = 76


@pytest.fixture(scope="module")
def conn():
    c = connectivity.Connectivity.from_file()
    c.configure()
    return c


def dfun(model, state, c):
    """The model's time derivative for state (n_svar, n_nodes, 1) and coupling input c (n_cvar, n_nodes, 1)."""
    model.configure()
    return model.dfun(state, c)


def test_reduced_wong_wang_exc_inh_states_and_defaults():
    """Fact: ReducedWongWangExcInh has states S_e, S_i (both recorded by default) and defaults G=2, J_N=0.15, J_i=1, w_p=1.4, I_o=0.382, W_e=1, W_i=0.7, lamda=0, tau_e=100, tau_i=10, I_ext=0."""
    m = models.ReducedWongWangExcInh()
    assert tuple(m.state_variables) == ("S_e", "S_i")
    assert tuple(m.variables_of_interest) == ("S_e", "S_i")
    expected = {"G": 2.0, "J_N": 0.15, "J_i": 1.0, "w_p": 1.4, "I_o": 0.382, "W_e": 1.0, "W_i": 0.7, "lamda": 0.0,
                "tau_e": 100.0, "tau_i": 10.0, "I_ext": 0.0}
    for name, value in expected.items():
        assert getattr(m, name)[0] == pytest.approx(value), name


def test_reduced_wong_wang_exc_inh_coupling_is_scaled_by_model_g_and_j_n():
    """Fact: ReducedWongWangExcInh multiplies its coupling input c by its own G and J_N: S_e receives G·J_N·c (with Linear coupling, G·J_N·a·Σ_j w_ij S_e,j), the same as an external input I_ext = G·J_N·c; with the default lamda = 0 S_i receives none."""
    rng = np.random.default_rng(0)
    state = np.stack([rng.uniform(0.3, 0.6, size=(5, 1)), rng.uniform(0.0, 0.02, size=(5, 1))])  # above threshold
    c = rng.uniform(0.0, 2.0, size=(1, 5, 1))
    g = 0.03
    coupled = dfun(models.ReducedWongWangExcInh(G=np.array([g])), state, c)
    driven = dfun(models.ReducedWongWangExcInh(G=np.array([g]), I_ext=g * 0.15 * c[0, :, 0]), state, 0.0 * c)
    assert coupled == pytest.approx(driven, rel=1e-10, abs=1e-12)
    uncoupled = dfun(models.ReducedWongWangExcInh(G=np.array([g])), state, 0.0 * c)
    assert coupled[1] == pytest.approx(uncoupled[1], rel=1e-12, abs=1e-15)
    assert np.abs(coupled[0] - uncoupled[0]).max() > 0.01 * np.abs(uncoupled[0]).max()


def test_kuramoto_coupling_does_not_divide_by_the_number_of_regions(conn):
    """Fact: `coupling.Kuramoto(a=...)` gives region i the input a·Σ_j w_ij·sin(θ_j(t − d_ij) − θ_i) — in tvb-library 2.10 the sum is NOT divided by the number of regions, although the class docstring writes a/N (its `post` divides by the number of coupling variables, 1)."""
    def sim(ic=None):
        return simulator.Simulator(
            model=models.Kuramoto(omega=np.array([0.25])), connectivity=conn, coupling=coupling.Kuramoto(a=np.array([0.5])),
            integrator=integrators.EulerDeterministic(dt=0.01), monitors=(monitors.Raw(),), initial_conditions=ic)
    shape = sim().configure().good_history_shape
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, size=N_REGIONS)
    history = np.broadcast_to(theta[None, None, :, None], shape).copy()   # constant history: delays do not matter
    (t, y), = sim(history).configure().run(simulation_length=0.01)
    rate = (y[0, 0, :, 0] - theta) / 0.01
    summed = (conn.weights * np.sin(theta[None, :] - theta[:, None])).sum(axis=1)
    assert rate == pytest.approx(0.25 + 0.5 * summed, rel=1e-4, abs=1e-4)
    assert not np.allclose(rate, 0.25 + 0.5 / N_REGIONS * summed, atol=1e-2)


def test_montbrio_pazo_roxin_states_and_defaults():
    """Fact: MontbrioPazoRoxin (the QIF mean-field model of Montbrió, Pazó & Roxin 2015) has states r (firing rate, bounded below by 0) and V (mean membrane potential), both recorded by default, coupling variables r and V (cvar [0, 1]), and defaults tau=1, Delta=1, J=15, eta=-5, I=0, cr=1, cv=0."""
    m = models.MontbrioPazoRoxin()
    assert tuple(m.state_variables) == ("r", "V")
    assert tuple(m.variables_of_interest) == ("r", "V")
    assert list(m.cvar) == [0, 1]
    assert m.state_variable_boundaries["r"][0] == 0.0
    for name, value in {"tau": 1.0, "Delta": 1.0, "J": 15.0, "eta": -5.0, "I": 0.0, "cr": 1.0, "cv": 0.0}.items():
        assert getattr(m, name)[0] == pytest.approx(value), name


def test_montbrio_pazo_roxin_equations():
    """Fact: MontbrioPazoRoxin computes dr/dt = (Delta/(π·tau) + 2·V·r)/tau and dV/dt = (V² − π²·tau²·r² + eta + J·tau·r + I + cr·c_r + cv·c_V)/tau, where c_r and c_V are the coupling inputs on r and V."""
    rng = np.random.default_rng(1)
    r, v = rng.uniform(0.05, 1.5, size=(5, 1)), rng.uniform(-2.0, 1.0, size=(5, 1))
    c = rng.uniform(-0.5, 0.5, size=(2, 5, 1))
    tau, delta, j, eta, cr, cv = 1.3, 0.7, 14.5, -4.6, 0.8, 0.3
    m = models.MontbrioPazoRoxin(tau=np.array([tau]), Delta=np.array([delta]), J=np.array([j]), eta=np.array([eta]),
                                 cr=np.array([cr]), cv=np.array([cv]))
    d = dfun(m, np.stack([r, v]), c)
    assert d[0] == pytest.approx((delta / (np.pi * tau) + 2 * v * r) / tau, rel=1e-10)
    assert d[1] == pytest.approx((v ** 2 - np.pi ** 2 * tau ** 2 * r ** 2 + eta + j * tau * r + cr * c[0] + cv * c[1]) / tau,
                                 rel=1e-10)


def test_reduced_wong_wang_with_strong_recurrence_is_bistable():
    """Fact: an uncoupled ReducedWongWang population with w=1.1 and I_o=0.312 (other parameters default) has three fixed points, S ≈ 0.068 and S ≈ 0.601 (stable) and S ≈ 0.360 (unstable); with the default w=0.6, I_o=0.33 it has one, S ≈ 0.098."""
    def fixed_points(model):
        s = np.linspace(1e-4, 0.9999, 200001)
        d = dfun(model, s[None, :, None], np.zeros((1, s.size, 1)))[0, :, 0]
        crossings = np.where(np.diff(np.sign(d)) != 0)[0]
        return s[crossings], np.sign(d[crossings + 1])   # after a stable point dS/dt < 0
    points, after = fixed_points(models.ReducedWongWang(w=np.array([1.1]), I_o=np.array([0.312])))
    assert points == pytest.approx([0.068, 0.360, 0.601], abs=0.002)
    assert list(after) == [-1, 1, -1]
    points, _ = fixed_points(models.ReducedWongWang())
    assert points == pytest.approx([0.098], abs=0.002)


def test_montbrio_pazo_roxin_high_state_basin_depends_on_the_start(conn):
    """Fact: uncoupled MontbrioPazoRoxin populations (J=15, Delta=1, tau=1; HeunDeterministic dt=0.05) are bistable for eta between about -5.7 and -3.15: at eta=-5.0 a whole history at r=1, V=-1/(2π) stays in the high state (r ≈ 1), while one at r=2, V=0 falls to the low state (r < 0.1), as does r=0.01, V=-2; at eta=-2.5 every start ends high."""
    eta = np.full(N_REGIONS, -5.0)
    eta[1] = -2.5

    def final_r(r0, v0):
        kwargs = dict(model=models.MontbrioPazoRoxin(eta=eta), connectivity=conn, coupling=coupling.Linear(a=np.array([0.0])),
                      integrator=integrators.HeunDeterministic(dt=0.05), monitors=(monitors.TemporalAverage(period=1.0),))
        history = np.zeros(simulator.Simulator(**kwargs).configure().good_history_shape)
        history[:, 0], history[:, 1] = r0, v0
        (t, y), = simulator.Simulator(initial_conditions=history, **kwargs).configure().run(simulation_length=500.0)
        return y[-1, 0, :2, 0]

    on_branch, far, low = final_r(1.0, -1.0 / (2 * np.pi)), final_r(2.0, 0.0), final_r(0.01, -2.0)
    assert on_branch[0] > 0.8 and far[0] < 0.1 and low[0] < 0.1
    assert min(on_branch[1], far[1], low[1]) > 1.0


def test_suphopf_equations():
    """Fact: SupHopf computes dx/dt = (a − x² − y²)·x − omega·y + c_x and dy/dt = (a − x² − y²)·y + omega·x + c_y, with coupling inputs c_x, c_y on both state variables (cvar [0, 1]); omega is in rad/ms (10 Hz is 2π·10/1000)."""
    rng = np.random.default_rng(2)
    x, y = rng.uniform(-1, 1, size=(5, 1)), rng.uniform(-1, 1, size=(5, 1))
    c = rng.uniform(-0.3, 0.3, size=(2, 5, 1))
    a, omega = 0.05, 2 * np.pi * 10 / 1000
    m = models.SupHopf(a=np.array([a]), omega=np.array([omega]))
    assert list(m.cvar) == [0, 1]
    d = dfun(m, np.stack([x, y]), c)
    assert d[0] == pytest.approx((a - x ** 2 - y ** 2) * x - omega * y + c[0], rel=1e-10)
    assert d[1] == pytest.approx((a - x ** 2 - y ** 2) * y + omega * x + c[1], rel=1e-10)


def test_suphopf_random_initial_history_diverges_at_dt_0_1(conn):
    """Fact: SupHopf's state-variable range is ±5 for x and y, and TVB draws the random initial history from it: with HeunStochastic(dt=0.1) such a start diverges to NaN within a few hundred ms, while a zero initial history (initial_conditions of shape sim.good_history_shape) stays finite."""
    m = models.SupHopf(a=np.array([-0.05]), omega=np.array([2 * np.pi * 10 / 1000]))
    assert list(m.state_variable_range["x"]) == [-5.0, 5.0] and list(m.state_variable_range["y"]) == [-5.0, 5.0]

    def run(history):
        kwargs = dict(model=models.SupHopf(a=np.array([-0.05]), omega=np.array([2 * np.pi * 10 / 1000])),
                      connectivity=conn, coupling=coupling.Linear(a=np.array([0.0])),
                      integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-4]))),
                      monitors=(monitors.TemporalAverage(period=1.0),))
        if history:
            kwargs["initial_conditions"] = np.zeros(simulator.Simulator(**kwargs).configure().good_history_shape)
        np.random.seed(0)
        (t, y), = simulator.Simulator(**kwargs).configure().run(simulation_length=300.0)
        return y

    assert np.isnan(run(history=False)).any()
    assert np.isfinite(run(history=True)).all()


def test_epileptor2d_ignores_coupling_unless_ks_or_kvf_is_set():
    """Fact: Epileptor2D receives long-range coupling only through Kvf (on x1) and Ks (on z), both 0 by default, so with default parameters its derivatives do not depend on the coupling input (a coupled run equals an uncoupled one); with Ks = -0.2 they do."""
    rng = np.random.default_rng(3)
    state = np.stack([rng.uniform(-2, 1, size=(5, 1)), rng.uniform(2, 5, size=(5, 1))])
    c = rng.uniform(-1, 1, size=(1, 5, 1))
    default = models.Epileptor2D()
    assert default.Ks[0] == 0.0 and default.Kvf[0] == 0.0
    assert dfun(default, state, c) == pytest.approx(dfun(models.Epileptor2D(), state, 0 * c), rel=1e-12, abs=1e-15)
    coupled = models.Epileptor2D(Ks=np.array([-0.2]))
    assert not np.allclose(dfun(coupled, state, c)[1], dfun(models.Epileptor2D(Ks=np.array([-0.2])), state, 0 * c)[1])


def test_epileptor2d_rests_below_threshold_and_seizes_above(conn):
    """Fact: uncoupled Epileptor2D units with default parameters (HeunDeterministic dt=0.1, seeded random start) rest with x1 below −1 at x0 = −2.2, while at the default x0 = −1.6 x1 alternates between a resting branch below −1 and a seizure branch above 0, spending little time in between."""
    x0 = np.full(N_REGIONS, -1.6)
    x0[:38] = -2.2
    np.random.seed(0)
    sim = simulator.Simulator(model=models.Epileptor2D(x0=x0), connectivity=conn, coupling=coupling.Difference(a=np.array([0.0])),
                              integrator=integrators.HeunDeterministic(dt=0.1),
                              monitors=(monitors.TemporalAverage(period=1.0),)).configure()
    (t, y), = sim.run(simulation_length=4000.0)
    x1 = y[t > 1000.0, 0, :, 0]
    assert x1[:, :38].max() < -1.0
    seizing = x1[:, 38:]
    assert seizing.max() > 0.0 and seizing.min() < -1.0
    assert ((seizing > -1.0) & (seizing < 0.0)).mean() < 0.05     # little time between the branches
