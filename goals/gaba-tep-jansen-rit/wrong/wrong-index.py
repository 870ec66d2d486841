# %% [markdown]
# Wrong on purpose (wrong index): a test fixture that must fail its goal's checks; otherwise as the reference: TMS-evoked potential (TEP) at left M1 (lM1) in a Jansen-Rit network, control vs a 20 %
# reduction of the inhibitory-to-pyramidal connectivity constant C4 (TVB a_4 = C4 / J).

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
M1 = 53  # mistake: hard-coded index, 53 is lPCM (lM1 is 50)
ONSET = 1000.0

pulse = equations.PulseTrain()
pulse.parameters.update(T=10000.0, tau=1.0, amp=-10.0, onset=ONSET)   # one 1 ms pulse at 1000 ms
weight = np.zeros(conn.number_of_regions)
weight[M1] = 1.0
tms = patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight)


def tep_ptp(model):
    np.random.seed(42)
    sim = simulator.Simulator(
        model=model,
        connectivity=conn,
        coupling=coupling.SigmoidalJansenRit(a=np.array([1.0])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=tms,
        simulation_length=1400.0,
    ).configure()
    (t, y), = sim.run()
    v = y[:, 1, M1, 0] - y[:, 2, M1, 0]            # pyramidal potential y1 - y2 (mV)
    window = (t >= ONSET) & (t < ONSET + 300.0)
    return float(np.ptp(v[window]))


# %%
J = 135.0
control = tep_ptp(models.JansenRit(mu=np.array([0.05])))                                   # C4 = 33.75
reduced = tep_ptp(models.JansenRit(mu=np.array([0.05]), a_4=np.array([0.8 * 33.75 / J])))  # C4 = 27
results = {"ptp_control_mv": control, "ptp_reduced_mv": reduced, "ptp_ratio": reduced / control}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
