# %% [markdown]
# Wrong on purpose (column sums): a test fixture that must fail its goal's checks; otherwise as the reference solution: a noise-driven linear rate network whose regions have a map of intrinsic time constants
# (5-25 ms, slower for regions with more incoming connection weight); each region's autocorrelation time without
# and with network coupling.

# %%
import json

import numpy as np
from scipy import stats
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
strength = conn.weights.sum(axis=0)                     # incoming weight of each region (row sums)
tau = 5.0 + 20.0 * strength / strength.max()            # ms: the region-wise map of intrinsic time constants


def autocorrelation_times(g):
    sim = simulator.Simulator(
        model=models.Linear(gamma=-1.0 / tau),          # region-wise parameter: one value per region
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([g])),
        integrator=integrators.HeunStochastic(dt=0.5, noise=noise.Additive(nsig=np.array([0.01]))),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=12000.0,
    ).configure()
    (t, y), = sim.run()
    x = y[t > 2000.0, 0, :, 0]
    x = x - x.mean(axis=0)
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n, axis=0)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[:n]
    acf /= acf[0]
    return np.argmax(acf < np.exp(-1.0), axis=0) * 1.0   # first lag (ms) where the autocorrelation < 1/e


# %%
uncoupled = autocorrelation_times(0.0)
coupled = autocorrelation_times(0.001)
hub = int(np.argmax(strength))
results = {
    "hub_region": str(conn.region_labels[hub]),
    "spearman_uncoupled": float(stats.spearmanr(tau, uncoupled)[0]),
    "spearman_coupled": float(stats.spearmanr(tau, coupled)[0]),
    "timescale_range_uncoupled_ms": [float(uncoupled.min()), float(uncoupled.max())],
    "timescale_range_coupled_ms": [float(coupled.min()), float(coupled.max())],
    "hub_timescale_uncoupled_ms": float(uncoupled[hub]),
    "hub_timescale_coupled_ms": float(coupled[hub]),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
