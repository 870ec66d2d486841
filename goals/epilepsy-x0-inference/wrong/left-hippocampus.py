# %% [markdown]
# Wrong on purpose (left hippocampus): a test fixture that must fail its goal's checks; otherwise as the reference: recover the excitability x0 of an epileptogenic right hippocampus (rHC) from a simulated
# "recording", by a grid search over x0 (scaled-down version of Jirsa et al. 2017's model inversion).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
EZ = list(conn.region_labels).index("lHC")  # mistake: the left hippocampus (index 47), not rHC
TRUE_X0 = -1.8
GRID_X0 = [-2.2, -2.0, -1.8, -1.6]


def seizure_fraction(x0_ez):
    x0 = np.full(conn.number_of_regions, -2.4)   # healthy regions
    x0[EZ] = x0_ez                               # epileptogenic zone
    np.random.seed(42)                           # same initial conditions for every run
    sim = simulator.Simulator(
        model=models.Epileptor(x0=x0, r=np.array([0.005])),
        connectivity=conn,
        coupling=coupling.Difference(a=np.array([1.0])),
        integrator=integrators.HeunDeterministic(dt=0.05),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1500.0,
    ).configure()
    (t, y), = sim.run()
    lfp = y[t >= 500.0, 0, EZ, 0]                # first VOI is "x2 - x1"; discard the first 500 ms
    return float(np.mean(lfp < 0.0))


# %%
truth = seizure_fraction(TRUE_X0)                # the "recording"
fractions = [seizure_fraction(v) for v in GRID_X0]
best = int(np.argmin([abs(f - truth) for f in fractions]))
print("truth", truth, "grid", fractions)

# %%
results = {
    "truth_seizure_fraction": truth,
    "grid_x0": GRID_X0,
    "grid_seizure_fractions": fractions,
    "inferred_x0": GRID_X0[best],
    "x0_error": abs(GRID_X0[best] - TRUE_X0),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
