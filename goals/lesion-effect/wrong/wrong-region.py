# %% [markdown]
# Wrong on purpose (wrong region): a test fixture that must fail its goal's checks; otherwise as the reference: disconnect left primary motor cortex (lM1) from a reduced Wong-Wang network and
# compare the activity of its direct neighbours (and of all other regions) with the intact network.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

intact = connectivity.Connectivity.from_file()
intact.configure()
m1 = 12  # motor cortex M1
w = intact.weights
neighbours = np.array([j for j in range(intact.number_of_regions) if j != m1 and (w[m1, j] > 0 or w[j, m1] > 0)])
others = np.array([j for j in range(intact.number_of_regions) if j != m1 and j not in neighbours])

lesioned = connectivity.Connectivity.from_file()
lesioned.weights = lesioned.weights.copy()
n_removed = int(np.count_nonzero(lesioned.weights[m1, :]) + np.count_nonzero(lesioned.weights[:, m1])
                - (lesioned.weights[m1, m1] != 0))
lesioned.weights[m1, :] = 0.0
lesioned.weights[:, m1] = 0.0
lesioned.configure()


def mean_activity(conn):
    np.random.seed(0)  # same random initial state for both networks
    sim = simulator.Simulator(
        model=models.ReducedWongWang(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.01])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    return y[t > 1000.0, 0, :, 0].mean(axis=0)   # per-region mean S over the last second


# %%
s_intact = mean_activity(intact)
s_lesion = mean_activity(lesioned)
change = 100.0 * (s_lesion / s_intact - 1.0)
results = {
    "lesioned_region_index": int(m1),
    "n_connections_removed": n_removed,
    "neighbour_activity_change_pct": float(change[neighbours].mean()),
    "other_activity_change_pct": float(change[others].mean()),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(len(neighbours), results)
