# %% [markdown]
# Wrong on purpose (no burn in): a test fixture that must fail its goal's checks; otherwise as the reference: a right mesial-temporal epileptogenic focus (rHC, rPHC) in an Epileptor network on the
# default 76-region connectome. Which regions are seizing once the start-up transient is over?

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = [str(label) for label in conn.region_labels]
focus = ["rHC", "rPHC"]

x0 = np.full(conn.number_of_regions, -2.2)          # healthy background
x0[[labels.index(name) for name in focus]] = -1.6   # epileptogenic focus

np.random.seed(42)  # deterministic run: the random initial state comes from numpy's global generator
sim = simulator.Simulator(
    model=models.Epileptor(x0=x0, Ks=np.array([-0.2])),
    connectivity=conn,
    coupling=coupling.Difference(a=np.array([1.0])),
    integrator=integrators.HeunDeterministic(dt=0.05),
    monitors=(monitors.TemporalAverage(period=1.0),),
    simulation_length=3000.0,
).configure()
(t, y), = sim.run()

# %%
# Default variables of interest are ("x2 - x1", "z"); x2 - x1 is the LFP-like signal (VOI 0).
# Seizure criterion: x2 - x1 drops below 0 at any time between 2000 and 3000 ms.
lfp = y[:, 0, :, 0]   # no burn-in
seizing = [labels[i] for i in np.flatnonzero(lfp.min(axis=0) < 0.0)]
results = {"seizing_regions": seizing, "n_seizing": int(len(seizing))}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
