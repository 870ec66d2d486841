# %% [markdown]
# Reference solution: one brief pulse to the right hippocampus (rHC) and, separately, to right V1 (rV1) of a resting
# Generic2dOscillator network, recorded by the 588 depth-electrode contacts of seeg_588.txt (analytic point-dipole
# gain, no observation noise).

# %%
import json

import numpy as np
from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, patterns,
                               region_mapping, sensors, simulator)

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
rmap = region_mapping.RegionMapping.from_file("regionMapping_16k_76.txt")
ONSET = 1000.0


def contact_responses(target):
    """Per contact: the largest |potential - pre-stimulus mean| within 300 ms of a pulse to `target`; and labels."""
    pulse = equations.PulseTrain()
    pulse.parameters.update(onset=ONSET, T=100000.0, tau=10.0, amp=0.2)   # one 10 ms pulse
    weight = np.zeros(conn.number_of_regions)
    weight[labels.index(target)] = 1.0
    depth = monitors.iEEG(sensors=sensors.SensorsInternal.from_file("seeg_588.txt"), region_mapping=rmap,
                          period=1.0, obsnoise=None)
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0), depth),
        stimulus=patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight),
        simulation_length=1300.0,
    ).configure()
    _, (t, y) = sim.run()
    v = y[:, 0, :, 0]
    baseline = v[(t > ONSET - 50.0) & (t < ONSET)].mean(axis=0)
    response = np.abs(v[(t >= ONSET) & (t < ONSET + 300.0)] - baseline).max(axis=0)
    return response, [str(s) for s in depth.sensors.labels]


# %%
results = {}
for target, tag in (("rHC", "rhc"), ("rV1", "rv1")):
    response, contacts = contact_responses(target)
    results[f"strongest_contact_{tag}"] = contacts[int(np.argmax(response))]
    results[f"focality_{tag}"] = float(response.max() / np.median(response))
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
