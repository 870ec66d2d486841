# %% [markdown]
# Wrong on purpose (swapped c ie): a test fixture that must fail its goal's checks; otherwise as the reference: three NRG1 "genotype" parameter sets of a Wilson-Cowan network that lower the E/I
# balance step by step (less excitatory recurrence c_ee, more inhibition onto E c_ei, weaker global coupling).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()

genotypes = {            # c_ee, c_ei, global coupling
    "aa": (12.0, 4.0, 0.010),
    "ag": (11.0, 5.0, 0.009),
    "gg": (10.0, 6.0, 0.008),
}
results = {}
for name, (c_ee, c_ei, g) in genotypes.items():
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.WilsonCowan(c_ee=np.array([c_ee]), c_ie=np.array([c_ei]), P=np.array([0.5])),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([g])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1500.0,
    ).configure()
    (t, y), = sim.run()
    results[f"mean_e_{name}"] = float(y[t > 500.0, 0, :, 0].mean())   # E is the first (default) variable
    print(name, results[f"mean_e_{name}"])

# %%
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
