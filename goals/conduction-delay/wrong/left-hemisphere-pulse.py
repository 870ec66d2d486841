# %% [markdown]
# Wrong on purpose (left hemisphere pulse): a test fixture that must fail its goal's checks; otherwise as the reference: latency of a pulse from rV1 to rV2 at two conduction velocities.
# Generic 2D oscillators at their default parameters (a stable fixed point), linear coupling on the default
# 76-region connectome, a single 5 ms pulse into rV1 after 1000 ms of settling.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

ONSET = 1000.0   # ms: the network has settled to its fixed point by then


def rv2_latency(velocity):
    """Latency (ms) from pulse onset until rV2 deviates by > 10% of its peak evoked deviation."""
    conn = connectivity.Connectivity.from_file()
    conn.speed = np.array([velocity])          # delays = tract_lengths / speed
    conn.configure()
    labels = list(conn.region_labels)
    v1, v2 = labels.index("rV1"), labels.index("rV2")

    pulse = equations.PulseTrain()
    pulse.parameters["onset"] = ONSET
    pulse.parameters["T"] = 1e6                # period far beyond the run: a single pulse
    pulse.parameters["tau"] = 5.0              # pulse width, ms
    pulse.parameters["amp"] = 1.0
    weight = np.zeros(conn.number_of_regions)
    weight[labels.index("lV1")] = 1.0           # the left V1, not the right one
    stimulus = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)

    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0154])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=0.1),),
        stimulus=stimulus,
        simulation_length=ONSET + 200.0,
    ).configure()
    (t, y), = sim.run()
    v = y[:, 0, v2, 0]
    before, after = t <= ONSET, t > ONSET
    deviation = np.abs(v[after] - v[before][-1])
    first = np.argmax(deviation > 0.1 * deviation.max())
    return float(t[after][first] - ONSET)


# %%
slow, fast = rv2_latency(3.0), rv2_latency(10.0)
results = {"latency_slow_ms": slow, "latency_fast_ms": fast, "latency_difference_ms": slow - fast}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
