# %% [markdown]
# Wrong on purpose (neighbour stimulated): a test fixture that must fail its goal's checks; otherwise as the reference solution: drive right V1 (rV1) of a resting Generic2dOscillator network with a sinusoid at five
# frequencies and measure the steady-state response at the drive frequency in rV1 and its neighbour rV2.

# %%
import json

import numpy as np
from tvb.simulator.lab import connectivity, coupling, equations, integrators, models, monitors, patterns, simulator

conn = connectivity.Connectivity.from_file()
conn.configure()
labels = list(conn.region_labels)
V1, V2 = labels.index("rV1"), labels.index("rV2")
FREQUENCIES_HZ = [4.0, 8.0, 12.0, 16.0, 20.0]


def response(f_hz):
    drive = equations.Sinusoid()
    drive.parameters.update(amp=0.05, frequency=f_hz / 1000.0)   # t is in ms, so frequency is in cycles per ms
    weight = np.zeros(conn.number_of_regions)
    weight[V1 + 1] = 1.0
    np.random.seed(42)
    sim = simulator.Simulator(
        model=models.Generic2dOscillator(),
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([0.0154])),
        integrator=integrators.HeunDeterministic(dt=0.1),
        monitors=(monitors.TemporalAverage(period=1.0),),
        stimulus=patterns.StimuliRegion(temporal=drive, connectivity=conn, weight=weight),
        simulation_length=1500.0,
    ).configure()
    (t, y), = sim.run()
    keep = t > 500.0                                   # steady state: the last 1000 ms (whole cycles)
    v = y[keep, 0, :, 0]
    v = v - v.mean(axis=0)
    phasor = np.exp(-2j * np.pi * f_hz * t[keep] / 1000.0)
    amplitude = 2.0 * np.abs((v * phasor[:, None]).mean(axis=0))   # Fourier amplitude at the drive frequency
    return float(amplitude[V1]), float(amplitude[V2])


# %%
amps = [response(f) for f in FREQUENCIES_HZ]
rv1 = [a for a, _ in amps]
rv2 = [b for _, b in amps]
best = int(np.argmax(rv1))
results = {
    "drive_frequencies_hz": FREQUENCIES_HZ,
    "rv1_amplitude": rv1,
    "rv2_amplitude": rv2,
    "resonant_frequency_hz": FREQUENCIES_HZ[best],
    "transfer_ratio_at_resonance": rv2[best] / rv1[best],
}
with open("results.json", "w") as out:
    json.dump(results, out)
print(results)
