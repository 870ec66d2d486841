# %% [markdown]
# Wrong on purpose (default recurrence): the model keeps its default recurrence w = 0.6, which has one stable state only; otherwise as the reference: 76 uncoupled bistable reduced Wong-Wang populations (w = 1.1, I_o = 0.312) driven by noise
# of three strengths; switches between the low and the high state counted with two thresholds (0.2 and 0.5).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
LOW, HIGH = 0.2, 0.5          # below LOW: low state; above HIGH: high state; in between: no change


def count_switches(s):
    """Switches between the low and the high state in s (time x populations), with hysteresis."""
    switches = 0
    for trace in s.T:
        state = None
        for value in trace:
            new = 1 if value > HIGH else 0 if value < LOW else state
            if state is not None and new != state:
                switches += 1
            state = new
    return switches


def simulate(diffusion):
    np.random.seed(0)                                  # random initial states
    sim = simulator.Simulator(
        model=models.ReducedWongWang(I_o=np.array([0.312])),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0])),   # independent populations
        integrator=integrators.HeunStochastic(dt=1.0, noise=noise.Additive(nsig=np.array([diffusion]), noise_seed=1)),
        monitors=(monitors.TemporalAverage(period=10.0),),
        simulation_length=20000.0,
    ).configure()
    (t, y), = sim.run()
    s = y[t > 1000.0, 0, :, 0]                         # discard the first second
    seconds = s.shape[0] * 10.0 / 1000.0
    return count_switches(s) / (s.shape[1] * seconds), float((s > 0.36).mean())


# %%
levels = [1.5e-5, 3e-5, 6e-5]
rates, fractions = zip(*[simulate(d) for d in levels])
results = {"noise_levels": levels, "switch_rate_per_s": [float(r) for r in rates], "fraction_high": list(fractions)}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
