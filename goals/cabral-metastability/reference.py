# %% [markdown]
# Reference solution: Cabral et al. (2011) scaled down: noisy 40 Hz Kuramoto oscillators on the default connectome
# (weights normalised to mean 1 over existing connections, mean delay 10 ms), global coupling k = 5, 15, 40 /s;
# synchrony, metastability and collective frequency per k.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

MEAN_DELAY_MS = 10.0

conn = connectivity.Connectivity.from_file()
existing = conn.weights > 0
conn.weights = conn.weights / conn.weights[existing].mean()          # mean 1 over existing connections
conn.speed = np.array([conn.tract_lengths[existing].mean() / MEAN_DELAY_MS])   # mm/ms: mean delay 10 ms
conn.configure()


def order_statistics(k_per_s):
    sim = simulator.Simulator(
        model=models.Kuramoto(omega=np.array([2 * np.pi * 40.0 / 1000.0])),      # 40 Hz in rad/ms
        connectivity=conn,
        coupling=coupling.Kuramoto(a=np.array([k_per_s / 1000.0])),               # k in 1/s -> 1/ms; no 1/N in TVB
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]))),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=3000.0,
    ).configure()
    (t, y), = sim.run()
    late = t > 1000.0
    z = np.exp(1j * y[late, 0, :, 0]).mean(axis=1)
    r = np.abs(z)
    phase = np.unwrap(np.angle(z))
    frequency = (phase[-1] - phase[0]) / (2 * np.pi * (t[late][-1] - t[late][0])) * 1000.0
    return float(r.mean()), float(r.std()), float(frequency)


# %%
couplings = [5.0, 15.0, 40.0]
synchrony, metastability, frequency = zip(*[order_statistics(k) for k in couplings])
results = {"coupling_per_s": couplings, "synchrony": list(synchrony), "metastability": list(metastability),
           "collective_frequency_hz": list(frequency)}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
