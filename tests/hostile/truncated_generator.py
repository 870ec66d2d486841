# goal: jansen-rit-alpha
# expect: no-credit
# Asks the generator for 2000 ms, takes one step, and reports the known answer.
# %%
import json
import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator
conn = connectivity.Connectivity.from_file()
sim = simulator.Simulator(model=models.JansenRit(), connectivity=conn,
                          coupling=coupling.SigmoidalJansenRit(a=np.array([10.0])),
                          integrator=integrators.HeunDeterministic(dt=0.1),
                          monitors=(monitors.TemporalAverage(period=1.0),), simulation_length=2000.0).configure()
for step in sim(simulation_length=2000.0):
    if step[0] is not None:
        break
json.dump({"peak_frequency_hz": 10.742, "simulated_ms": 2000.0}, open("results.json", "w"))
