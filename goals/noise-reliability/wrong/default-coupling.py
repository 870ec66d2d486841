# %% [markdown]
# Wrong on purpose (default coupling): a test fixture that must fail its goal's checks; otherwise as the reference: reliability of noise-driven functional connectivity across three noise seeds.
# Each region obeys dx/dt = -0.1 x + 0.002 * sum_j w_ij x_j(t - d_ij) + noise, on the default connectome.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
n = conn.number_of_regions
upper = np.triu_indices(n, k=1)


def simulate_fc(seed):
    sim = simulator.Simulator(
        model=models.Linear(gamma=np.array([-0.1])),
        connectivity=conn,
        coupling=coupling.Linear(),
        integrator=integrators.HeunStochastic(
            dt=0.5, noise=noise.Additive(nsig=np.array([0.01]), noise_seed=seed)),
        monitors=(monitors.TemporalAverage(period=5.0),),
        simulation_length=10000.0,
    ).configure()
    (t, y), = sim.run()
    x = y[t > 1000.0, 0, :, 0]          # discard the first second
    return np.corrcoef(x.T)


# %%
fcs = [simulate_fc(seed) for seed in (1, 2, 3)]
pairs = [(0, 1), (0, 2), (1, 2)]
reliability = float(np.mean([np.corrcoef(fcs[i][upper], fcs[j][upper])[0, 1] for i, j in pairs]))
mean_fc = float(np.mean([fc[upper].mean() for fc in fcs]))

results = {"fc_reliability": reliability, "mean_fc": mean_fc}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
