# %% [markdown]
# Wrong on purpose (normalised weights): a test fixture that must fail its goal's checks; otherwise as the reference: sweep the global coupling of a reduced Wong-Wang network and find where the
# mean synaptic gating jumps from the quiet low-activity state to the high-activity state.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.weights = conn.weights / conn.weights.max()
conn.configure()

strengths = [0.002, 0.004, 0.006, 0.008, 0.010]
threshold = 0.3
activity = []
for g in strengths:
    np.random.seed(0)  # same random initial state for every strength
    sim = simulator.Simulator(
        model=models.ReducedWongWang(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([g])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    activity.append(float(y[t > 1000.0, 0, :, 0].mean()))   # mean S over regions, last second
    print(g, activity[-1])

# %%
above = [g for g, s in zip(strengths, activity) if s > threshold]
results = {
    "coupling_strengths": strengths,
    "mean_activity": activity,
    "transition_coupling": above[0] if above else None,
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
