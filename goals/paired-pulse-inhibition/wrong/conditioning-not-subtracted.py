# %% [markdown]
# Wrong on purpose (conditioning not subtracted): a test fixture that must fail its goal's checks; otherwise as the reference solution: paired-pulse (conditioning + test) stimulation of left M1 (lM1) in a resting Jansen-Rit
# network; the test response at each inter-stimulus interval relative to a single pulse.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
M1 = list(conn.region_labels).index("lM1")
ONSET, AMP, SIGMA = 1000.0, -10.0, 0.5
ISIS_MS = [20.0, 50.0, 100.0, 150.0, 200.0]


def pyramidal_potential(isi):
    """y1 - y2 of lM1 (mV) for a conditioning pulse at ONSET and, unless isi is None, a test pulse isi ms later."""
    pulses = equations.DoubleGaussian()
    pulses.parameters.update(amp_1=AMP, sigma_1=SIGMA, midpoint_1=ONSET,
                             amp_2=0.0 if isi is None else -AMP, sigma_2=SIGMA,   # amp_2 is subtracted
                             midpoint_2=ONSET + (0.0 if isi is None else isi))
    weight = np.zeros(conn.number_of_regions)
    weight[M1] = 1.0
    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.JansenRit(mu=np.array([0.05])),
        connectivity=conn,
        coupling=coupling.SigmoidalJansenRit(a=np.array([1.0])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=patterns.StimuliRegion(temporal=pulses, connectivity=conn, weight=weight),
        simulation_length=1400.0,
    ).configure()
    (t, y), = sim.run()
    return t, y[:, 1, M1, 0] - y[:, 2, M1, 0]


# %%
t, single = pyramidal_potential(None)
single_ptp = float(np.ptp(single[(t >= ONSET) & (t < ONSET + 200.0)]))
ratios = []
for isi in ISIS_MS:
    _, paired = pyramidal_potential(isi)
    window = (t >= ONSET + isi) & (t < ONSET + isi + 200.0)
    test_response = paired                 # remove the conditioning pulse's own response
    ratios.append(float(np.ptp(test_response[window]) / single_ptp))
results = {
    "single_ptp_mv": single_ptp,
    "isis_ms": ISIS_MS,
    "test_ratio": ratios,
    "strongest_inhibition_isi_ms": ISIS_MS[int(np.argmin(ratios))],
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
