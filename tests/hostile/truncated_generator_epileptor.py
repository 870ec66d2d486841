# goal: epileptor-focus
# expect: no-credit
# A focal Epileptor network stepped once instead of 3000 ms, and the expected seizing regions written by hand.
# %%
import json
import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator
conn = connectivity.Connectivity.from_file()
conn.configure()
labels = [str(label) for label in conn.region_labels]
x0 = np.full(conn.number_of_regions, -2.2)
x0[[labels.index("rHC"), labels.index("rPHC")]] = -1.6
sim = simulator.Simulator(model=models.Epileptor(x0=x0, Ks=np.array([-0.2])), connectivity=conn,
                          coupling=coupling.Difference(a=np.array([1.0])),
                          integrator=integrators.HeunDeterministic(dt=0.05),
                          monitors=(monitors.TemporalAverage(period=1.0),), simulation_length=3000.0).configure()
for step in sim(simulation_length=3000.0):
    if step[0] is not None:
        break
json.dump({"seizing_regions": ["rHC", "rPHC"], "n_seizing": 2}, open("results.json", "w"))
