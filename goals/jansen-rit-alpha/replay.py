"""Recompute jansen-rit-alpha's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Jansen-Rit run whose monitor records y1
and y2 (a 1 ms TemporalAverage preferred, as GOAL.md asks), continued runs of one simulator joined; y1 - y2
after the first 500 ms, Welch spectrum per region with ~1.024 s segments (nperseg 1024 at 1 ms), averaged
over regions; the frequency of its largest peak. simulated_ms: the simulated time of that series.
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 500.0
SEGMENT_MS = 1024.0


def peak_frequency(times, data, i_y1, i_y2, period_ms):
    """The reference's analysis: peak of the region-averaged Welch spectrum of y1 - y2 after the transient."""
    skip = int(round(TRANSIENT_MS / period_ms))
    lfp = data[skip:, i_y1, :, 0] - data[skip:, i_y2, :, 0]
    fs = 1000.0 / period_ms
    nperseg = min(len(lfp), int(round(SEGMENT_MS / period_ms)))
    f, p = signal.welch(lfp, fs=fs, nperseg=nperseg, axis=0)
    return float(f[np.argmax(p.mean(axis=1))])


MIN_SAMPLES = 64  # fewer samples than this give no spectrum at all, whatever the analysis


def recompute(runs):
    longest = 0
    for run, k in find_outputs(runs, model="JansenRit", monitor_classes=("TemporalAverage",), voi=("y1", "y2")):
        times, data, total_ms = series(runs, run, k)
        longest = max(longest, len(times))
        period = run.monitors[k]["period"]
        if len(times) * period <= TRANSIENT_MS + 2 * period:
            continue   # too short for the analysis: an earlier run may be the one the notebook analysed
        peak = peak_frequency(times, data, run.voi(k, "y1"), run.voi(k, "y2"), period)
        return {"peak_frequency_hz": peak, "simulated_ms": total_ms}
    # A Jansen-Rit run was simulated, but every one is too short for any spectrum (e.g. a generator stopped after
    # a step): a peak frequency the notebook reports did not come from its simulations.
    if 0 < longest < MIN_SAMPLES:
        return {"peak_frequency_hz": None}
    return {}
