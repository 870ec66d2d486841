"""Recompute sensor-modalities' numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Per modality (EEG, MEG, iEEG), the last Jansen-Rit run
with a monitor of that class recording y1 and y2 (whatever its position among the monitors), continued runs of one
simulator joined. The replay rebuilds sensor monitors from the tvb_data files the trace identifies, with their
observation noise as configured, so the data are what the notebook's monitors produced and the contact labels are
those of the sensors file the replay loaded (`monitors[k]["labels"]`). The channel count is the data's axis 2; the
signal is y1 - y2 after the first 500 ms, Welch spectrum per channel with 1024-sample segments at the monitor's
sampling rate, averaged over channels; the frequency of its largest peak. The strongest depth contact: the largest
Welch power summed over 8-12 Hz.
"""
import numpy as np
from scipy import signal

from evaluators.tvb.replay import find_outputs, series

TRANSIENT_MS = 500.0
NPERSEG = 1024
MODALITIES = (("EEG", "eeg"), ("MEG", "meg"), ("iEEG", "seeg"))


def spectrum(times, data, i_y1, i_y2, period_ms):
    """The reference's channel spectra of y1 - y2 after the transient; None when too little is left."""
    late = times > TRANSIENT_MS
    if int(late.sum()) < 2:
        return None
    x = data[late, i_y1, :, 0] - data[late, i_y2, :, 0]
    return signal.welch(x, fs=1000.0 / period_ms, nperseg=NPERSEG, axis=0)


def recompute(runs):
    out = {}
    for cls, tag in MODALITIES:
        for run, k in find_outputs(runs, model="JansenRit", monitor_classes=(cls,), voi=("y1", "y2")):
            if run.monitors[k]["class"] != cls:
                continue
            times, data, _ = series(runs, run, k)
            found = spectrum(times, data, run.voi(k, "y1"), run.voi(k, "y2"), run.monitors[k]["period"])
            if found is None:
                continue
            f, p = found
            out[f"n_{tag}_channels"] = int(data.shape[2])
            out[f"{tag}_peak_hz"] = float(f[np.argmax(p.mean(axis=1))])
            labels = run.monitors[k].get("labels") or []
            if cls == "iEEG" and len(labels) == data.shape[2]:
                alpha = (f >= 8.0) & (f <= 12.0)
                out["strongest_seeg_contact"] = str(labels[int(np.argmax(p[alpha].sum(axis=0)))])
            break
    return out
