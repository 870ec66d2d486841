# %% [markdown]
# Wrong on purpose (noise not varied): a test fixture that must fail its goal's checks; otherwise as the reference: a 4 x 2 parameter-space exploration (global coupling x noise) of a Generic2dOscillator
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
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]), noise_seed=42)),  # mistake: nsig never varied
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()                      # a fresh simulator for every grid point
    (t, y), = sim.run()
    v = y[500:, 0, :, 0]               # V after a 500 ms transient
    return float(np.corrcoef(v.T)[iu].mean())


# %%
grid = [[mean_fc(a, nsig) for nsig in NOISES] for a in COUPLINGS]   # rows: coupling, columns: noise
for a, row in zip(COUPLINGS, grid):
    print(a, row)

# %%
i, j = np.unravel_index(np.argmax(np.array(grid)), (len(COUPLINGS), len(NOISES)))
results = {
    "coupling_values": COUPLINGS,
    "noise_values": NOISES,
    "mean_fc_grid": grid,
    "best_coupling": COUPLINGS[i],
    "best_noise": NOISES[j],
    "best_mean_fc": grid[i][j],
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
