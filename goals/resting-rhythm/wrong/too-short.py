# %% [markdown]
# Wrong on purpose (too short): a test fixture that must fail its goal's checks; otherwise as the reference: dominant rhythm of a connectome-coupled network of cortical columns.
# Each region is a Jansen-Rit column (pyramidal cells, excitatory and inhibitory interneurons) on the default
# 76-region connectome, coupled through the Jansen-Rit sigmoid, no noise.

# %%
import json

import numpy as np
from scipy import signal
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

np.random.seed(42)  # deterministic runs draw random initial conditions from numpy's global generator
conn = connectivity.Connectivity.from_file()
conn.configure()
sim = simulator.Simulator(
    model=models.JansenRit(),
    connectivity=conn,
    coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
    integrator=integrators.HeunDeterministic(dt=0.1),
    monitors=(monitors.TemporalAverage(period=1.0),),
    simulation_length=1000.0,
).configure()
(t, y), = sim.run()

# %%
# Pyramidal membrane potential y1 - y2 (variables of interest 1 and 2), after a 500 ms transient.
lfp = y[t > 500.0, 1, :, 0] - y[t > 500.0, 2, :, 0]
f, p = signal.welch(lfp, fs=1000.0, nperseg=1024, axis=0)
results = {"dominant_frequency_hz": float(f[np.argmax(p.mean(axis=1))])}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
