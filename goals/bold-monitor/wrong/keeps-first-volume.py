# %% [markdown]
# Wrong on purpose (keeps first volume): a test fixture that must fail its goal's checks; otherwise as the reference: simulated BOLD from a noisy Generic2dOscillator network on the default connectome.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
sim = simulator.Simulator(
    model=models.Generic2dOscillator(),
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([0.0154])),
    # Stochastic runs are seeded by the noise's noise_seed (42 unless changed).
    integrator=integrators.HeunStochastic(dt=0.5, noise=noise.Additive(nsig=np.array([0.001]), noise_seed=42)),
    monitors=(monitors.TemporalAverage(period=1.0), monitors.Bold(period=2000.0)),
    simulation_length=20000.0,
).configure()
# One (times, data) tuple per monitor, in monitor order: the temporal average first, then BOLD.
(t_avg, y_avg), (t_bold, y_bold) = sim.run()

# %%
bold = y_bold[:, 0, :, 0]                    # (volumes, regions)
steady = bold                               # keeps the start-up volume
bold_std = float(steady.std(axis=0).mean())  # temporal std per region, averaged over regions
results = {
    "n_bold_volumes": int(bold.shape[0]),
    "first_volume_ms": float(t_bold[0]),
    "bold_std": bold_std,
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
