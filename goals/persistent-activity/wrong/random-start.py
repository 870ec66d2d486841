# %% [markdown]
# Wrong on purpose (random start): the populations start from random states instead of the quiet state; otherwise as the reference: 76 uncoupled bistable reduced Wong-Wang populations (w = 1.1, I_o = 0.312) start in the quiet
# state; at 1000 ms population i receives a 100 ms input of strength 0.0001 * i (per ms, added to dS/dt); which
# populations stay in the active state long after the input ends, and what is the smallest switching input?

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
n = conn.number_of_regions
strength = 0.0001 * np.arange(n)                      # per ms, one input strength per population

pulse = equations.PulseTrain()
pulse.parameters["onset"] = 1000.0
pulse.parameters["tau"] = 100.0                       # pulse width, ms
pulse.parameters["T"] = 1e6                           # one pulse
pulse.parameters["amp"] = 1.0
stimulus = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=strength)

kwargs = dict(
    model=models.ReducedWongWang(w=np.array([1.1]), I_o=np.array([0.312])),
    connectivity=conn,
    coupling=coupling.Linear(a=np.array([0.0])),      # independent populations
    integrator=integrators.HeunDeterministic(dt=1.0),
    monitors=(monitors.TemporalAverage(period=10.0),),
    stimulus=stimulus,
    simulation_length=3000.0,
)
history = np.full(simulator.Simulator(**kwargs).configure().good_history_shape, 0.05)   # quiet state
np.random.seed(0)
sim = simulator.Simulator(**kwargs).configure()
(t, y), = sim.run()
s = y[:, 0, :, 0]

# %%
before = s[(t > 500.0) & (t <= 1000.0)].mean(axis=0)  # settled quiet state
after = s[t > 2500.0].mean(axis=0)                    # 1.4 s after the input ended
switched = after > 0.36
results = {
    "quiet_level": float(before.mean()),
    "active_level": float(after[switched].mean()),
    "switching_threshold_per_ms": float(strength[switched].min()),
    "populations_switched": int(switched.sum()),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
