# %% [markdown]
# Wrong on purpose (coupling not varied): a test fixture that must fail its goal's checks; otherwise as the reference: mean excitatory activity of a Wilson-Cowan whole-brain network at three global
# coupling strengths.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
strengths = [0.005, 0.02, 0.2]
BURN_IN_MS = 500.0

# %%
mean_e = []
for a in strengths:
    np.random.seed(42)  # same random initial conditions for every strength
    sim = simulator.Simulator(
        model=models.WilsonCowan(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.02])),  # loop variable not used
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1000.0,
    ).configure()
    (t, y), = sim.run()
    e = y[t > BURN_IN_MS, 0, :, 0]          # VOI 0 is E
    mean_e.append(float(e.mean()))
    print(f"a = {a}: mean E = {mean_e[-1]:.4f}")

# %%
results = {"coupling_strengths": strengths, "mean_e_by_coupling": mean_e}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
