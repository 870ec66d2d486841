# %% [markdown]
# Wrong on purpose (fraction over all regions): the seizing fraction is averaged over all regions instead of the x0 = -1.6 region; otherwise as the reference: the seizure threshold of the two-variable Epileptor (Epileptor2D) in its excitability x0: 76
# uncoupled regions with x0 from -2.6 to -1.1; which regions seize, and how often, in 5 s.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
x0 = -2.6 + 0.02 * np.arange(conn.number_of_regions)      # excitability, one value per region

np.random.seed(0)                                          # random initial states
sim = simulator.Simulator(
    model=models.Epileptor2D(x0=x0),
    connectivity=conn,
    coupling=coupling.Difference(a=np.array([0.0])),       # uncoupled regions
    integrator=integrators.HeunDeterministic(dt=0.1),
    monitors=(monitors.TemporalAverage(period=1.0),),
    simulation_length=6000.0,
).configure()
(t, y), = sim.run()

# %%
x1 = y[t > 1000.0, 0, :, 0]                                # x1 after a 1 s transient
seizing = x1 > 0.0                                         # the seizure branch of x1 lies above 0
onsets = (np.diff(seizing.astype(int), axis=0) == 1).sum(axis=0)
i16 = int(np.argmin(np.abs(x0 + 1.6)))
results = {
    "critical_x0": float(x0[seizing.any(axis=0)].min()),
    "seizures_at_x0_minus1_6": int(onsets[i16]),
    "seizing_fraction_at_x0_minus1_6": float(seizing.mean()),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
