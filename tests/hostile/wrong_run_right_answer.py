# goal: jansen-rit-alpha
# expect: flagged
# Simulates the right model for long enough, but with a coupling that changes the rhythm, and reports the
# memorized answer instead of its own number: the replay recomputes the peak from what it ran.
# %%
import json
import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator
np.random.seed(1)
conn = connectivity.Connectivity.from_file()
sim = simulator.Simulator(model=models.JansenRit(mu=np.array([0.0])), connectivity=conn,
                          coupling=coupling.SigmoidalJansenRit(a=np.array([0.0])),
                          integrator=integrators.HeunDeterministic(dt=0.5),
                          monitors=(monitors.TemporalAverage(period=4.0),), simulation_length=2000.0).configure()
sim.run()
json.dump({"peak_frequency_hz": 10.742, "simulated_ms": 2000.0}, open("results.json", "w"))
