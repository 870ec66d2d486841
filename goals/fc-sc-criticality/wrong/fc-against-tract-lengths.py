# %% [markdown]
# Wrong on purpose (fc against tract lengths): a test fixture that must fail its goal's checks; otherwise as the reference solution: a noise-driven linear rate network on the default connectome; functional connectivity (FC)
# against structural connectivity (SC) as the global coupling approaches the stability limit 1 / (tau * lambda_max).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
TAU = 10.0                                                  # ms: dx/dt = -x / tau + ...
lambda_max = float(np.max(np.linalg.eigvals(conn.weights).real))
g_crit = 1.0 / (TAU * lambda_max)
FRACTIONS = [0.25, 0.5, 0.75, 0.9]
upper = np.triu_indices(conn.number_of_regions, 1)


def fc_vs_sc(g):
    sim = simulator.Simulator(
        model=models.Linear(gamma=np.array([-1.0 / TAU])),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([g])),
        integrator=integrators.HeunStochastic(dt=1.0, noise=noise.Additive(nsig=np.array([0.01]))),
        monitors=(monitors.TemporalAverage(period=10.0),),
        simulation_length=12000.0,
    ).configure()
    (t, y), = sim.run()
    x = y[t > 2000.0, 0, :, 0]                              # drop the first 2 s
    fc = np.corrcoef(x.T)
    return float(np.corrcoef(fc[upper], conn.tract_lengths[upper])[0, 1]), float(fc[upper].mean())


# %%
couplings = [f * g_crit for f in FRACTIONS]
fits = [fc_vs_sc(g) for g in couplings]
results = {
    "largest_eigenvalue": lambda_max,
    "coupling_values": couplings,
    "fc_sc_correlation": [r for r, _ in fits],
    "mean_fc": [m for _, m in fits],
    "best_coupling": couplings[int(np.argmax([r for r, _ in fits]))],
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
