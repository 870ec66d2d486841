"""Recompute sinusoidal-entrainment's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: for each drive frequency, the latest
Generic2dOscillator run whose stimulus is a Sinusoid on rV1 alone at that frequency (cycles per ms) and whose
monitor records V (1 ms TemporalAverage preferred), reaching 1500 ms. The response is the Fourier amplitude at the
drive frequency of V (mean removed) over t > 500 ms, for rV1 and rV2.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, stimulated_labels

FREQUENCIES_HZ = [4.0, 8.0, 12.0, 16.0, 20.0]


def amplitudes(times, v, f_hz):
    """The reference's analysis: Fourier amplitude at f_hz of each region's V over t > 500 ms."""
    keep = times > 500.0
    x = v[keep] - v[keep].mean(axis=0)
    phasor = np.exp(-2j * np.pi * f_hz * times[keep] / 1000.0)
    return 2.0 * np.abs((x * phasor[:, None]).mean(axis=0))


def _amplitude(runs, f_hz):
    for run, k in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("TemporalAverage",), voi="V"):
        temporal = (run.stimulus or {}).get("temporal") or {}
        params = temporal.get("parameters") or {}
        if stimulated_labels(run) != ["rV1"] or temporal.get("class") != "Sinusoid" \
                or not close(params.get("frequency"), f_hz / 1000.0):
            continue
        times, data, total = series(runs, run, k)
        if total < 1500.0 - 1e-6:
            continue
        a = amplitudes(times, data[:, run.voi(k, "V"), :, 0], f_hz)
        return float(a[run.label_index("rV1")]), float(a[run.label_index("rV2")])
    return None


def recompute(runs):
    found = [_amplitude(runs, f) for f in FREQUENCIES_HZ]
    if any(x is None for x in found):
        return {}
    rv1, rv2 = [a for a, _ in found], [b for _, b in found]
    best = int(np.argmax(rv1))
    return {"drive_frequencies_hz": FREQUENCIES_HZ, "rv1_amplitude": rv1, "rv2_amplitude": rv2,
            "resonant_frequency_hz": FREQUENCIES_HZ[best], "transfer_ratio_at_resonance": rv2[best] / rv1[best]}
