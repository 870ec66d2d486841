# %% [markdown]
# Wrong on purpose (latency from start): a test fixture that must fail its goal's checks; otherwise as the reference: evoked response to a single pulse delivered to right V1 (rV1) of the default
# 76-region connectome, Generic2dOscillator nodes at rest, measured at rV1 and its neighbour rV2.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
i_v1, i_v2 = labels.index("rV1"), labels.index("rV2")

# %%
# A single 20 ms pulse at 500 ms: a pulse train whose period (10 s) is far longer than the run.
onset = 500.0
pulse = equations.PulseTrain()
pulse.parameters.update(onset=onset, T=10000.0, tau=20.0, amp=1.0)
weight = np.zeros(conn.number_of_regions)
weight[i_v1] = 1.0
stim = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)

np.random.seed(42)  # deterministic run: random initial conditions come from numpy's global generator
sim = simulator.Simulator(
    model=models.Generic2dOscillator(),
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([0.0154])),
    integrator=integrators.HeunDeterministic(dt=0.1),
    monitors=(monitors.TemporalAverage(period=1.0),),
    stimulus=stim,
    simulation_length=1000.0,
).configure()
(t, y), = sim.run()

# %%
# Baseline: mean of each region over the 100 ms before onset (the first 400 ms are burn-in).
v = y[:, 0, :, 0]
baseline = v[(t >= onset - 100.0) & (t < onset)].mean(axis=0)
after = t > onset
deviation = np.abs(v[after] - baseline)
t_after = t[after]


def peak_and_latency(i):
    k = int(np.argmax(deviation[:, i]))
    return float(deviation[k, i]), float(t_after[k])


peak_v1, lat_v1 = peak_and_latency(i_v1)
peak_v2, lat_v2 = peak_and_latency(i_v2)
results = {"peak_rv1": peak_v1, "peak_rv2": peak_v2, "latency_rv1_ms": lat_v1, "latency_rv2_ms": lat_v2}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
