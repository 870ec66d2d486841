# %% [markdown]
# Wrong on purpose (same start twice): both runs start from the low state, so no region can show two states; otherwise as the reference: the bistable range of the Montbrio-Pazo-Roxin QIF mean-field model (J = 15, Delta = 1, tau = 1)
# over the excitability eta: 76 uncoupled regions, one eta each, started once from a low and once from a high state.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
eta = -5.75 + 0.05 * np.arange(conn.number_of_regions)          # -5.75 ... -2.0, one value per region


def final_rates(r0, v0):
    """Mean r over the last 100 ms of 1000 ms, every region started (whole history) at r = r0, V = v0."""
    kwargs = dict(
        model=models.MontbrioPazoRoxin(eta=eta),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0])),                 # independent populations
        integrator=integrators.HeunDeterministic(dt=0.05),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1000.0,
    )
    history = np.zeros(simulator.Simulator(**kwargs).configure().good_history_shape)
    history[:, 0], history[:, 1] = r0, v0
    sim = simulator.Simulator(initial_conditions=history, **kwargs).configure()
    (t, y), = sim.run()
    return y[t > 900.0, 0, :, 0].mean(axis=0)


# %%
r_low_start = final_rates(0.01, -2.0)
r_high_start = final_rates(0.01, -2.0)
bistable = np.abs(r_high_start - r_low_start) >= 0.0
i4 = int(np.argmin(np.abs(eta + 4.0)))

# Fixed points: eta = pi^2 r^2 - J r - Delta^2 / (4 pi^2 r^2) (tau = 1); the bistable range lies between the
# local minimum and the local maximum of this curve (saddle-node bifurcations).
r = np.linspace(0.01, 3.0, 300000)
eta_of_r = np.pi ** 2 * r ** 2 - 15.0 * r - 1.0 / (4 * np.pi ** 2 * r ** 2)
turns = eta_of_r[1:-1][np.diff(np.sign(np.diff(eta_of_r))) != 0]
results = {
    "bistable_eta_min": float(eta[bistable].min()),
    "bistable_eta_max": float(eta[bistable].max()),
    "analytic_eta_min": float(turns.min()),
    "analytic_eta_max": float(turns.max()),
    "rate_low_state_at_eta_minus4": float(r_low_start[i4]),
    "rate_high_state_at_eta_minus4": float(r_high_start[i4]),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
