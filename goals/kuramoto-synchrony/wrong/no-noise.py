# %% [markdown]
# Wrong on purpose (no noise): a test fixture that must fail its goal's checks; otherwise as the reference: phase synchrony of Kuramoto oscillators on the default 76-region connectome,
# weak versus strong Kuramoto coupling, with phase noise.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()


def order_parameter(a):
    """Time-averaged Kuramoto order parameter R over 1000-2000 ms for coupling strength a."""
    sim = simulator.Simulator(
        model=models.Kuramoto(omega=np.array([0.0628])),
        connectivity=conn,
        coupling=coupling.Kuramoto(a=np.array([a])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    theta = y[t > 1000.0, 0, :, 0]                     # (time, region) after the 1000 ms transient
    r_t = np.abs(np.exp(1j * theta).mean(axis=1))     # R(t): mean over regions, then modulus
    return float(r_t.mean())


# %%
results = {"order_weak": order_parameter(0.001), "order_strong": order_parameter(0.02)}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
