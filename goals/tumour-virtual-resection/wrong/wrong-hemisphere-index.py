# %% [markdown]
# Wrong on purpose (wrong hemisphere index): a test fixture that must fail its goal's checks; otherwise as the reference: virtual resection of a left prefrontal "tumour" region (lPFCCL), after Aerts et al. 2020.
# Pre- and post-resection Generic2dOscillator networks share the same noise realisation, so the difference
# between the two functional connectivity (FC) matrices is due to the resection.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator


def load_connectivity(resect_label=None):
    conn = connectivity.Connectivity.from_file()
    if resect_label is not None:
        k = 17  # student's hard-coded index for the tumour: 17 is rPFCCL, the right hemisphere
        conn.weights[k, :] = 0.0   # remove every connection leaving and entering the region,
        conn.weights[:, k] = 0.0   # but keep the node itself
    conn.configure()
    return conn


def simulate(conn):
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.2])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]), noise_seed=42)),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=3000.0,
    ).configure()
    (t, y), = sim.run()
    return y[500:, 0, :, 0]          # V, first 500 ms discarded


# %%
TUMOUR = "lPFCCL"
intact = load_connectivity()
k = list(intact.region_labels).index(TUMOUR)
fc_pre = np.corrcoef(simulate(intact).T)
fc_post = np.corrcoef(simulate(load_connectivity(TUMOUR)).T)

# %%
rest = [i for i in range(intact.number_of_regions) if i != k]
iu = np.triu_indices(len(rest), 1)


def rest_mean(fc):
    return float(fc[np.ix_(rest, rest)][iu].mean())


def tumour_mean(fc):
    return float(fc[k, rest].mean())


results = {
    "mean_fc_pre": rest_mean(fc_pre),
    "mean_fc_post": rest_mean(fc_post),
    "mean_fc_change": rest_mean(fc_post) - rest_mean(fc_pre),
    "tumour_fc_pre": tumour_mean(fc_pre),
    "tumour_fc_post": tumour_mean(fc_post),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
