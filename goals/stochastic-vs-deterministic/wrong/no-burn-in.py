# %% [markdown]
# Wrong on purpose (no burn in): a test fixture that must fail its goal's checks; otherwise as the reference: the same resting Generic2dOscillator network integrated without and with additive noise.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, integrators, models, monitors, noise, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
BURN_IN_MS = 500.0


def region_averaged_std(integrator):
    """Run 2000 ms with the given integrator; temporal std of V per region after burn-in, averaged over regions."""
    np.random.seed(42)  # deterministic runs draw random initial conditions from numpy's global generator
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0154])),
        integrator=integrator,
        monitors=(monitors.TemporalAverage(period=1.0),),
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    v = y[:, 0, :, 0]  # no burn-in
    return float(v.std(axis=0).mean())


# %%
std_det = region_averaged_std(integrators.HeunDeterministic(dt=0.1))
# Always pass the noise explicitly: HeunStochastic without noise= uses nsig 1.0, far too large.
std_sto = region_averaged_std(
    integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.001]), noise_seed=42)))

results = {"std_deterministic": std_det, "std_stochastic": std_sto, "std_ratio": std_sto / std_det}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
