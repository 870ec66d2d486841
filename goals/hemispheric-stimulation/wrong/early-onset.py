# %% [markdown]
# Wrong on purpose (early onset): a test fixture that must fail its goal's checks; otherwise as the reference: stimulate left V1 (lV1) and, separately, right V1 (rV1) with one brief pulse and
# compare the evoked response in the opposite hemisphere (right hemisphere = indices 0-37, left = 38-75).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
right = np.array([i for i, lab in enumerate(labels) if lab.startswith("r")])
left = np.array([i for i, lab in enumerate(labels) if lab.startswith("l")])
ONSET = 300.0


def contralateral_response(target, opposite):
    pulse = equations.PulseTrain()
    pulse.parameters.update(onset=ONSET, T=100000.0, tau=10.0, amp=0.2)   # one 10 ms pulse
    weight = np.zeros(conn.number_of_regions)
    weight[labels.index(target)] = 1.0
    stim = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=stim,
        simulation_length=ONSET + 300.0,
    ).configure()
    (t, y), = sim.run()
    v = y[:, 0, :, 0]
    baseline = v[(t > ONSET - 50.0) & (t < ONSET)].mean(axis=0)
    peak = np.abs(v[(t >= ONSET) & (t < ONSET + 300.0)] - baseline).max(axis=0)
    return float(peak[opposite].mean())


# %%
from_left = contralateral_response("lV1", right)
from_right = contralateral_response("rV1", left)
results = {
    "left_stim_contralateral_response": from_left,
    "right_stim_contralateral_response": from_right,
    "spread_asymmetry": (from_left - from_right) / (from_left + from_right),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
