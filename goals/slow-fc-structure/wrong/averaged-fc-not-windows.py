# %% [markdown]
# Wrong on purpose (averaged fc not windows): a test fixture that must fail its goal's checks; otherwise as the reference solution: functional connectivity (FC) of a noise-driven linear network on the default connectome, from
# fast neural signals (2 s windows and the whole run) and from simulated BOLD, each compared with the weights (SC).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
upper = np.triu_indices(conn.number_of_regions, 1)
lambda_max = float(np.max(np.linalg.eigvals(conn.weights).real))
G = 0.9 / (10.0 * lambda_max)                              # 0.9 of the stability limit 1 / (tau * lambda_max)
sim = simulator.Simulator(
    model=models.Linear(gamma=np.array([-0.1])),            # tau = 10 ms
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([G])),
    integrator=integrators.HeunStochastic(dt=1.0, noise=noise.Additive(nsig=np.array([0.01]))),
    monitors=(monitors.TemporalAverage(period=10.0), monitors.Bold(period=1000.0)),
    simulation_length=90000.0,
).configure()
(t, y), (t_bold, y_bold) = sim.run()


# %%
def fc_sc(x):
    """(Pearson r of upper-triangle FC with the weights, mean upper-triangle FC) of x (time x regions)."""
    fc = np.corrcoef(x.T)
    return float(np.corrcoef(fc[upper], conn.weights[upper])[0, 1]), float(fc[upper].mean())


neural = y[t > 20000.0, 0, :, 0]                          # 10 ms samples after the first 20 s
bold = y_bold[t_bold > 20000.0, 0, :, 0]                  # 1 s volumes after the first 20 s (HRF start-up)
windows = [fc_sc(neural)[0]]   # 2 s windows
r_neural, m_neural = fc_sc(neural)
r_bold, m_bold = fc_sc(bold)
results = {
    "coupling": G,
    "n_bold_volumes": int(bold.shape[0]),
    "fc_sc_fast_windows": float(np.mean(windows)),
    "fc_sc_neural": r_neural,
    "fc_sc_bold": r_bold,
    "mean_fc_neural": m_neural,
    "mean_fc_bold": m_bold,
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
