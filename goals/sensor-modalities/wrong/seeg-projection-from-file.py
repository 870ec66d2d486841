# %% [markdown]
# Wrong on purpose (seeg projection from file): a test fixture that must fail its goal's checks; otherwise as the reference solution: one Jansen-Rit simulation seen through three sensor types at once: scalp EEG (65 electrodes),
# MEG (276 sensors) and depth SEEG (588 contacts, analytic point-dipole gain), without observation noise.

# %%
import json

import numpy as np
from scipy import signal
from tvb.simulator.lab import (connectivity, coupling, integrators, models, monitors, region_mapping, sensors,
                               simulator)

conn = connectivity.Connectivity.from_file()
conn.configure()
rmap = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
eeg = monitors.EEG.from_file(period=1.0, obsnoise=None)
meg = monitors.MEG.from_file(period=1.0, obsnoise=None)
seeg = monitors.iEEG.from_file(period=1.0, obsnoise=None)
np.random.seed(42)   # deterministic run: initial conditions come from numpy's global generator
sim = simulator.Simulator(
    model=models.JansenRit(),
    connectivity=conn,
    coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
    integrator=integrators.HeunDeterministic(dt=0.1),
    monitors=(monitors.TemporalAverage(period=1.0), eeg, meg, seeg),
    simulation_length=2000.0,
).configure()
(t_reg, y_reg), (t_eeg, y_eeg), (t_meg, y_meg), (t_seeg, y_seeg) = sim.run()


# %%
def spectrum(y):
    """Channel-averaged Welch spectrum of y1 - y2 (VOI 1 minus VOI 2) after a 500 ms transient, at 1 kHz."""
    x = y[500:, 1, :, 0] - y[500:, 2, :, 0]
    f, p = signal.welch(x, fs=1000.0, nperseg=1024, axis=0)
    return f, p


peaks = {}
for name, y in (("eeg", y_eeg), ("meg", y_meg), ("seeg", y_seeg)):
    f, p = spectrum(y)
    peaks[name] = float(f[np.argmax(p.mean(axis=1))])

f, p = spectrum(y_seeg)
alpha = (f >= 8.0) & (f <= 12.0)
best = int(np.argmax(p[alpha].sum(axis=0)))
results = {
    "n_eeg_channels": int(y_eeg.shape[2]),
    "n_meg_channels": int(y_meg.shape[2]),
    "n_seeg_channels": int(y_seeg.shape[2]),
    "eeg_peak_hz": peaks["eeg"],
    "meg_peak_hz": peaks["meg"],
    "seeg_peak_hz": peaks["seeg"],
    "strongest_seeg_contact": str(seeg.sensors.labels[best]),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
