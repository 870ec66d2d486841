# goal: stimulus-evoked-response
# expect: no-credit
# The reference's stimulated set-up, one generator step instead of 1000 ms, and made-up evoked numbers.
# %%
import json
import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator
conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
pulse = equations.PulseTrain()
pulse.parameters.update(onset=500.0, T=10000.0, tau=20.0, amp=1.0)
weight = np.zeros(conn.number_of_regions)
weight[labels.index("rV1")] = 1.0
stim = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)
sim = simulator.Simulator(model=models.Generic2dOscillator(), connectivity=conn,
                          coupling=coupling.Linear(a=np.array([0.0154])),
                          integrator=integrators.HeunDeterministic(dt=0.1),
                          monitors=(monitors.TemporalAverage(period=1.0),), stimulus=stim,
                          simulation_length=1000.0).configure()
for step in sim(simulation_length=1000.0):
    if step[0] is not None:
        break
json.dump({"peak_rv1": 1.2, "peak_rv2": 0.05, "latency_rv1_ms": 18.0, "latency_rv2_ms": 31.0},
          open("results.json", "w"))
