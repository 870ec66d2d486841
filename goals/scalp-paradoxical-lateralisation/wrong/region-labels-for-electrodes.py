# %% [markdown]
# Wrong on purpose (region labels for electrodes): a test fixture that must fail its goal's checks; otherwise as the reference solution: one brief pulse to left V1 (lV1) and, separately, to right V1 (rV1) of a resting
# Generic2dOscillator network, seen on the 65-electrode scalp EEG (eeg_brainstorm_65 and its lead field).

# %%
import json
import re

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
ONSET = 1000.0


def evoked_scalp_response(target):
    """Per electrode: the largest |EEG - pre-stimulus mean| within 300 ms of a pulse to `target`; and the labels."""
    pulse = equations.PulseTrain()
    pulse.parameters.update(onset=ONSET, T=100000.0, tau=10.0, amp=0.2)   # one 10 ms pulse
    weight = np.zeros(conn.number_of_regions)
    weight[labels.index(target)] = 1.0
    eeg = monitors.EEG.from_file(period=1.0)    # eeg_brainstorm_65 + projection_eeg_65_surface_16k + regionMapping_16k_76
    np.random.seed(0)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0152])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0), eeg),
        stimulus=patterns.StimuliRegion(temporal=pulse, connectivity=conn, weight=weight),
        simulation_length=1300.0,
    ).configure()
    _, (t, y) = sim.run()
    v = y[:, 0, :, 0]
    baseline = v[(t > ONSET - 50.0) & (t < ONSET)].mean(axis=0)
    response = np.abs(v[(t >= ONSET) & (t < ONSET + 300.0)] - baseline).max(axis=0)
    return response, [str(s) for s in conn.region_labels[:65]]


def side(label):
    """10-10 convention: a trailing odd number is left, even is right; a trailing 'z' is midline."""
    digits = re.findall(r"(\d+)$", label.split("/")[0])
    return "mid" if not digits else ("left" if int(digits[0]) % 2 else "right")


# %%
results = {}
for target, tag in (("lV1", "lv1"), ("rV1", "rv1")):
    response, electrodes = evoked_scalp_response(target)
    sides = np.array([side(e) for e in electrodes])
    lateral = np.where(sides != "mid")[0]
    right, left = response[sides == "right"].mean(), response[sides == "left"].mean()
    results[f"strongest_lateral_electrode_{tag}"] = electrodes[lateral[np.argmax(response[lateral])]]
    results[f"lateralisation_{tag}"] = float((right - left) / (right + left))
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
