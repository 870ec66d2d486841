# %% [markdown]
# Reference solution: 40 Hz phase oscillators coupled through the default connectome with conduction delays;
# frequency and synchrony of the collective rhythm at conduction velocities 3, 10 and 30 mm/ms.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, simulator

OMEGA = 2 * np.pi * 40.0 / 1000.0   # 40 Hz in rad/ms
K = 0.05                            # per ms; TVB's Kuramoto coupling does not divide by the number of regions


def collective(velocity):
    conn = connectivity.Connectivity.from_file()
    conn.speed = np.array([velocity])          # delays = tract_lengths / speed
    conn.configure()
    np.random.seed(1)                          # random initial phases
    sim = simulator.Simulator(
        model=models.Kuramoto(omega=np.array([OMEGA])),
        connectivity=conn,
        coupling=coupling.Kuramoto(a=np.array([K])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    late = t > 500.0                           # discard the first 500 ms
    z = np.exp(1j * y[late, 0, :, 0]).mean(axis=1)   # mean field over regions
    phase = np.unwrap(np.angle(z))
    frequency = (phase[-1] - phase[0]) / (2 * np.pi * (t[late][-1] - t[late][0])) * 1000.0
    return float(frequency), float(np.abs(z).mean())


# %%
velocities = [3.0, 10.0, 30.0]
frequency, synchrony = zip(*[collective(v) for v in velocities])
results = {"velocities_mm_per_ms": velocities, "collective_frequency_hz": list(frequency),
           "mean_synchrony": list(synchrony)}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
