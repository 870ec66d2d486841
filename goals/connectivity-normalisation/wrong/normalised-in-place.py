# %% [markdown]
# Wrong on purpose (normalised in place): a test fixture that must fail its goal's checks; otherwise as the reference: raw versus max-normalised weights of the default connectome, and what the same
# coupling strength does with each.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

raw = connectivity.Connectivity.from_file()
raw.configure()
# scaled_weights(mode='tract') returns weights / max(weights) and leaves raw.weights unchanged.
normalised = raw                    # the same object, not a copy
normalised.weights = raw.weights / raw.weights.max()
normalised.configure()

stats = {
    "raw_max_weight": float(raw.weights.max()),
    "raw_mean_weight": float(raw.weights.mean()),
    "norm_max_weight": float(normalised.weights.max()),
    "norm_mean_weight": float(normalised.weights.mean()),
}
print(stats)

# %%
def activity_std(conn):
    """1000 ms of Generic2dOscillator at coupling 0.2; temporal std of V after 500 ms, averaged over regions."""
    np.random.seed(42)  # deterministic runs draw random initial conditions from numpy's global generator
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.2])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=1000.0,
    ).configure()
    (t, y), = sim.run()
    return float(y[t > 500.0, 0, :, 0].std(axis=0).mean())


results = dict(stats, std_activity_raw=activity_std(raw), std_activity_norm=activity_std(normalised))
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
