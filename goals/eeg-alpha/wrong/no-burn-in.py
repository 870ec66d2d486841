# %% [markdown]
# Wrong on purpose (no burn in): a test fixture that must fail its goal's checks; otherwise as the reference: scalp EEG of a Jansen-Rit whole-brain network (default 65-channel EEG from tvb-data),
# recorded alongside a region-level temporal average.

# %%
import json

import numpy as np
from scipy import signal
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

np.random.seed(42)  # deterministic runs draw random initial conditions from numpy's global generator
conn = connectivity.Connectivity.from_file()
conn.configure()
sim = simulator.Simulator(
    model=models.JansenRit(mu=np.array([0.26])),
    connectivity=conn,
    coupling=coupling.SigmoidalJansenRit(a=np.array([1.0])),
    integrator=integrators.HeunDeterministic(dt=0.1),
    monitors=(monitors.TemporalAverage(period=1.0), monitors.EEG.from_file(period=1.0)),
    simulation_length=2000.0,
).configure()
(t_avg, y_avg), (t_eeg, y_eeg) = sim.run()   # one (times, data) tuple per monitor, in monitor order

# %%
# EEG data are (time, voi, channel, mode); the voi axis holds the projected JansenRit VOIs y0..y3.
# The pyramidal membrane potential is y1 - y2, so take EEG(y1) - EEG(y2), after a 500 ms transient.
n_channels = y_eeg.shape[2]
eeg = y_eeg[:, 1, :, 0] - y_eeg[:, 2, :, 0]   # no transient removed
fs = 1000.0 / 1.0
f, p = signal.welch(eeg, fs=fs, nperseg=1024, axis=0)
peak = float(f[np.argmax(p.mean(axis=1))])
results = {"n_eeg_channels": int(n_channels), "eeg_peak_frequency_hz": peak}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
