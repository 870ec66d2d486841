# %% [markdown]
# Wrong on purpose (sign flip): a test fixture that must fail its goal's checks; otherwise as the reference: amyloid-beta raises local excitability (Generic2dOscillator `a`) in hub regions;
# compare the spectral peak of a control and a heterogeneous-Abeta network.

# %%
import json

import numpy as np
from scipy import signal
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
hubs = ["rPCM", "lPCM", "rCCP", "lCCP", "rPFCM", "lPFCM", "rHC", "lHC"]
abeta = np.full(conn.number_of_regions, 0.2)
abeta[[labels.index(h) for h in hubs]] = 1.0
A_BASE, K = -2.0, 5.0


def peak_frequency(abeta_map):
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(a=A_BASE - K * abeta_map),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]))),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=5000.0,
    ).configure()
    (t, y), = sim.run()
    v = y[t > 1000.0, 0, :, 0]                       # V, after a 1 s transient
    f, p = signal.welch(v, fs=1000.0, nperseg=1000, axis=0)
    p_mean = p.mean(axis=1)                          # region-averaged spectrum
    band = (f >= 2.0) & (f <= 20.0)
    return float(f[band][np.argmax(p_mean[band])])


# %%
control = peak_frequency(np.zeros(conn.number_of_regions))
alzheimer = peak_frequency(abeta)
results = {"peak_control_hz": control, "peak_abeta_hz": alzheimer, "peak_shift_hz": alzheimer - control}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
