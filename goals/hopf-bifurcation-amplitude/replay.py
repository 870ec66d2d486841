"""Recompute hopf-bifurcation-amplitude's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last SupHopf run with a region-wise `a` (read from
the re-run model) and a monitor recording x (a TemporalAverage preferred) past 1000 ms, continued runs of one
simulator joined. x after 1000 ms; the standard deviation in the regions whose a is closest to -0.05 and +0.05; the
Welch peak (fs from the monitor period, 2 s segments) of x in the a = +0.05 region.
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 1000.0


def analyse(times, x, a, period_ms):
    x = x[times > TRANSIENT_MS]
    if x.shape[0] < 16:
        return None
    sd = x.std(axis=0)
    below, above = int(np.argmin(np.abs(a + 0.05))), int(np.argmin(np.abs(a - 0.05)))
    fs = 1000.0 / period_ms
    f, p = signal.welch(x[:, above], fs=fs, nperseg=min(x.shape[0], int(round(2000.0 / period_ms))))
    return {"sd_below_bifurcation": float(sd[below]), "sd_above_bifurcation": float(sd[above]),
            "peak_frequency_hz": float(f[np.argmax(p)])}


def recompute(runs):
    for run, k in find_outputs(runs, model="SupHopf", monitor_classes=("TemporalAverage",), voi="x"):
        a = np.asarray(run.model_params.get("a"), dtype=float).ravel()
        if a.size != len(run.region_labels):
            continue
        times, data, _ = series(runs, run, k)
        value = analyse(times, data[:, run.voi(k, "x"), :, 0], a, run.monitors[k]["period"])
        if value is not None:
            return value
    return {}
