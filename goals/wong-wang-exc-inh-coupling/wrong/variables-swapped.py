# %% [markdown]
# Wrong on purpose (variables swapped): S_i is reported as S_e and S_e as S_i; otherwise as the reference: excitatory and inhibitory gating of a ReducedWongWangExcInh network at three values of the
# model's own global coupling G (Linear coupling a = 1, so G alone sets the long-range strength).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()


def mean_gating(g):
    np.random.seed(0)  # same random initial state for every G
    sim = simulator.Simulator(
        model=models.ReducedWongWangExcInh(G=np.array([g])),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([1.0])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1000.0,
    ).configure()
    (t, y), = sim.run()
    late = t > 500.0                                   # discard the first 500 ms
    return float(y[late, 1, :, 0].mean()), float(y[late, 0, :, 0].mean())


# %%
strengths = [0.0, 0.01, 0.03]
s_e, s_i = zip(*[mean_gating(g) for g in strengths])
results = {"global_coupling": strengths, "mean_s_e": list(s_e), "mean_s_i": list(s_i)}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
