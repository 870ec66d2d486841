"""Recompute eeg-alpha's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Jansen-Rit run with an EEG monitor
recording y1 and y2 (whatever its position among the monitors), continued runs of one simulator joined. The
channel count is the EEG data's axis 2; the signal is EEG(y1) - EEG(y2) after the first 500 ms, Welch spectrum
per channel with 1024-sample segments at the monitor's sampling rate, averaged over channels; the frequency of
its largest peak.
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 500.0
NPERSEG = 1024


def eeg_peak(times, data, i_y1, i_y2, period_ms):
    """The reference's analysis of the EEG monitor's (times, data); None when nothing is left after the transient."""
    late = times > TRANSIENT_MS
    if int(late.sum()) < 2:
        return None
    eeg = data[late, i_y1, :, 0] - data[late, i_y2, :, 0]
    f, p = signal.welch(eeg, fs=1000.0 / period_ms, nperseg=NPERSEG, axis=0)
    return float(f[np.argmax(p.mean(axis=1))])


def recompute(runs):
    for run, k in find_outputs(runs, model="JansenRit", monitor_classes=("EEG",), voi=("y1", "y2")):
        if run.monitors[k]["class"] != "EEG":
            continue
        times, data, _ = series(runs, run, k)
        peak = eeg_peak(times, data, run.voi(k, "y1"), run.voi(k, "y2"), run.monitors[k]["period"])
        if peak is None:
            continue
        return {"n_eeg_channels": int(data.shape[2]), "eeg_peak_frequency_hz": peak}
    return {}
