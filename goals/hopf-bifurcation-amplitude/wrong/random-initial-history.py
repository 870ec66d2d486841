# %% [markdown]
# Wrong on purpose (random initial history): the initial history is left to TVB's random draw from the state-variable range; otherwise as the reference: the Hopf normal form (SupHopf) across its bifurcation: 76 uncoupled regions with a from -0.076
# to 0.074, 10 Hz, weak noise, zero initial history; the standard deviation of x below and above the bifurcation.

# %%
import json

import numpy as np
from scipy import signal
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
a = -0.076 + 0.002 * np.arange(conn.number_of_regions)      # bifurcation parameter, one value per region
kwargs = dict(
    model=models.SupHopf(a=a, omega=np.array([2 * np.pi * 10.0 / 1000.0])),   # 10 Hz in rad/ms
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([0.0])),            # uncoupled regions
    integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([1e-4]))),
    monitors=(monitors.TemporalAverage(period=1.0),),
    simulation_length=5000.0,
)
history = np.zeros(simulator.Simulator(**kwargs).configure().good_history_shape)   # start at rest
sim = simulator.Simulator(**kwargs).configure()
(t, y), = sim.run()

# %%
x = y[t > 1000.0, 0, :, 0]                                   # x after a 1 s transient
sd = x.std(axis=0)
below, above = int(np.argmin(np.abs(a + 0.05))), int(np.argmin(np.abs(a - 0.05)))
f, p = signal.welch(x[:, above], fs=1000.0, nperseg=2000)
results = {
    "sd_below_bifurcation": float(sd[below]),
    "sd_above_bifurcation": float(sd[above]),
    "peak_frequency_hz": float(f[np.argmax(p)]),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
