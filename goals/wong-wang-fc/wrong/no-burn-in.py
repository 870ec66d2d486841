# %% [markdown]
# Wrong on purpose (no burn in): a test fixture that must fail its goal's checks; otherwise as the reference: functional connectivity of a noisy reduced Wong-Wang network on the default
# 76-region connectome, and how well it follows the structural weights.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
sim = simulator.Simulator(
    model=models.ReducedWongWang(),
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([0.0065])),
    integrator=integrators.HeunStochastic(dt=1.0, noise=noise.Additive(nsig=np.array([1e-6]))),
    monitors=(monitors.TemporalAverage(period=10.0),),
    simulation_length=35000.0,
).configure()
(t, y), = sim.run()

# %%
# S of every region (no burn-in): rows are time points, columns regions.
s = y[:, 0, :, 0]
fc = np.corrcoef(s.T)                      # 76 x 76 region-by-region Pearson correlation
iu = np.triu_indices(conn.number_of_regions, k=1)
mean_fc = float(fc[iu].mean())
fc_sc = float(np.corrcoef(fc[iu], conn.weights[iu])[0, 1])
results = {"mean_fc": mean_fc, "fc_sc_correlation": fc_sc}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
