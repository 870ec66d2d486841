# %% [markdown]
# Wrong on purpose (wrong lesion index): a test fixture that must fail its goal's checks; otherwise as the reference: a left-M1 "stroke" (all connections of lM1 removed) in a Generic2dOscillator network,
# scaled down from Falcon et al. 2016. Intact and lesioned brains receive the same noise realisation.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator


def load_connectivity(lesion_label=None):
    conn = connectivity.Connectivity.from_file()
    conn.speed = np.array([4.0])                 # conduction speed 4 mm/ms
    if lesion_label is not None:
        k = 45  # mistake: hard-coded 'left motor cortex' index; 45 is lFEF (lM1 is 50)
        conn.weights[k, :] = 0.0
        conn.weights[:, k] = 0.0
    conn.configure()
    return conn


def simulate(conn):
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.2])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]), noise_seed=42)),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=4000.0,
    ).configure()
    (t, y), = sim.run()
    return np.corrcoef(y[t >= 1000.0, 0, :, 0].T)   # FC of V after a 1000 ms transient


# %%
intact = load_connectivity()
labels = list(intact.region_labels)
lm1, rm1 = labels.index("lM1"), labels.index("rM1")
fc_intact = simulate(intact)
fc_lesioned = simulate(load_connectivity("lM1"))

# %%
others = [i for i in range(len(labels)) if i not in (lm1, rm1)]
results = {
    "homotopic_fc_intact": float(fc_intact[lm1, rm1]),
    "homotopic_fc_lesioned": float(fc_lesioned[lm1, rm1]),
    "rm1_fc_intact": float(fc_intact[rm1, others].mean()),
    "rm1_fc_lesioned": float(fc_lesioned[rm1, others].mean()),
}
results["rm1_fc_change"] = results["rm1_fc_lesioned"] - results["rm1_fc_intact"]
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
