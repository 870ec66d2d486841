# %% [markdown]
# Wrong on purpose (drive lowered everywhere): a test fixture that must fail its goal's checks; otherwise as the reference: Wilson-Cowan network with a hypoactive left DLPFC (lPFCDL) and 10 Hz rTMS to that region,
# scaled down from Iliaens (2021, MSc thesis, Ghent University).

# %%
import json

import numpy as np
from tvb.simulator.lab import (connectivity, coupling, equations, integrators, models, monitors, noise, patterns,
                               simulator)

conn = connectivity.Connectivity.from_file()
conn.configure()
n = conn.number_of_regions
DLPFC = list(conn.region_labels).index("lPFCDL")

HEALTHY = dict(c_ee=14.05, c_ei=12.44, c_ie=16.76, c_ii=2.0, tau_e=16.07, tau_i=33.71, a_e=1.3, b_e=4.0, c_e=1.0,
               a_i=1.95, b_i=14.76, c_i=1.0, P=2.22, Q=1.0)


def wilson_cowan(p_dlpfc):
    params = {k: np.array([v]) for k, v in HEALTHY.items()}
    params["P"] = np.array([p_dlpfc])             # mistake: the drive is lowered in every region
    return models.WilsonCowan(**params)


def rtms():
    eq = equations.PulseTrain()
    eq.parameters.update(T=100.0, tau=1.0, amp=1.0, onset=500.0)   # 10 Hz, 1 ms pulses from 500 ms on
    weight = np.zeros(n)
    weight[DLPFC] = 1.0
    return patterns.StimuliRegion(temporal=eq, connectivity=conn, weight=weight)


def mean_e(model, stimulus=None):
    sim = simulator.Simulator(
        model=model,
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0154])),
        integrator=integrators.HeunStochastic(dt=0.1, noise=noise.Additive(nsig=np.array([0.0001]), noise_seed=42)),
        monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=stimulus,
        simulation_length=2000.0,
    ).configure()
    (t, y), = sim.run()
    return float(y[t >= 500.0, 0, DLPFC, 0].mean())   # E of lPFCDL after 500 ms


# %%
results = {
    "mean_e_healthy": mean_e(wilson_cowan(2.22)),
    "mean_e_depressed": mean_e(wilson_cowan(-2.0)),
    "mean_e_depressed_rtms": mean_e(wilson_cowan(-2.0), rtms()),
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
