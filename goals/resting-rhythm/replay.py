"""Recompute resting-rhythm's number from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the latest run of a cortical-column model whose
monitor records its pyramidal membrane potential (1 ms TemporalAverage preferred), continued runs of one
simulator joined, that is long enough for the analysis. Pyramidal potential: y1 - y2 for JansenRit (the
reference), v2 - v3 for ZetterbergJansen (GOAL.md names no model). After the first 500 ms, Welch spectrum per
region with 1024-sample segments at 1 ms (the same ~1.024 s at another sampling period), averaged over regions;
the frequency of its largest peak. Runs of other models are not used (their pyramidal potential is unknown).
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 500.0
SEGMENT_MS = 1024.0
PYRAMIDAL = {"JansenRit": ("y1", "y2"), "ZetterbergJansen": ("v2", "v3")}   # potential = first - second


def dominant_frequency(times, lfp, period_ms):
    """The reference's analysis on lfp (time x regions): peak of the region-averaged Welch spectrum."""
    late = lfp[times > TRANSIENT_MS]
    nperseg = min(len(late), int(round(SEGMENT_MS / period_ms)))
    f, p = signal.welch(late, fs=1000.0 / period_ms, nperseg=nperseg, axis=0)
    return float(f[np.argmax(p.mean(axis=1))])


def _candidates(runs):
    """(run, monitor index, voi pair) of every usable run, latest first."""
    found = []
    for model, voi in PYRAMIDAL.items():
        found += [(run, k, voi) for run, k in find_outputs(runs, model=model, monitor_classes=("TemporalAverage",),
                                                           voi=voi)]
    return sorted(found, key=lambda c: -c[0].index)


def recompute(runs):
    for run, k, (plus, minus) in _candidates(runs):
        times, data, _ = series(runs, run, k)
        period = run.monitors[k]["period"]
        if int((times > TRANSIENT_MS).sum()) < 2 or period <= 0:
            continue   # too short for the analysis: an earlier run may be the one the notebook analysed
        lfp = data[:, run.voi(k, plus), :, 0] - data[:, run.voi(k, minus), :, 0]
        return {"dominant_frequency_hz": dominant_frequency(times, lfp, period)}
    return {}
