# %% [markdown]
# Wrong on purpose (axes swapped): a test fixture that must fail its goal's checks; otherwise as the reference: a 4 x 2 parameter-space exploration (global coupling x noise) of a Generic2dOscillator
# network on the default connectome, scoring each grid point by its mean functional connectivity (FC).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

COUPLINGS = [0.05, 0.1, 0.2, 0.3]
NOISES = [0.0001, 0.001]

conn = connectivity.Connectivity.from_file()
conn.configure()
iu = np.triu_indices(conn.number_of_regions, 1)


def mean_fc(a, nsig):
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([a])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([nsig]), noise_seed=42)),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()                      # a fresh simulator for every grid point
    (t, y), = sim.run()
    v = y[500:, 0, :, 0]               # V after a 500 ms transient
    return float(np.corrcoef(v.T)[iu].mean())


# %%
grid = [[mean_fc(a, nsig) for a in COUPLINGS] for nsig in NOISES]   # mistake: rows are noise levels
for a, row in zip(COUPLINGS, grid):
    print(a, row)

# %%
j, i = np.unravel_index(np.argmax(np.array(grid)), (len(NOISES), len(COUPLINGS)))
results = {
    "coupling_values": COUPLINGS,
    "noise_values": NOISES,
    "mean_fc_grid": grid,
    "best_coupling": COUPLINGS[i],
    "best_noise": NOISES[j],
    "best_mean_fc": grid[j][i],
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
