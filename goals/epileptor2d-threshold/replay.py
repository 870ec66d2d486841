"""Recompute epileptor2d-threshold's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Epileptor2D run with a region-wise x0 (read
from the re-run model) and a monitor recording x1 (a TemporalAverage preferred) past 1000 ms, continued runs of one
simulator joined. After 1000 ms: seizing = x1 > 0; the smallest x0 with any seizing sample; onsets (upward changes
between consecutive samples) and the seizing fraction of the region whose x0 is closest to -1.6.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series


def analyse(times, x1, x0):
    seizing = x1[times > 1000.0] > 0.0
    if not seizing.shape[0] or not seizing.any():
        return None
    onsets = (np.diff(seizing.astype(int), axis=0) == 1).sum(axis=0)
    i16 = int(np.argmin(np.abs(x0 + 1.6)))
    return {"critical_x0": float(x0[seizing.any(axis=0)].min()), "seizures_at_x0_minus1_6": int(onsets[i16]),
            "seizing_fraction_at_x0_minus1_6": float(seizing[:, i16].mean())}


def recompute(runs):
    for run, k in find_outputs(runs, model="Epileptor2D", monitor_classes=("TemporalAverage",), voi="x1"):
        x0 = np.asarray(run.model_params.get("x0"), dtype=float).ravel()
        if x0.size != len(run.region_labels):
            continue
        times, data, _ = series(runs, run, k)
        value = analyse(times, data[:, run.voi(k, "x1"), :, 0], x0)
        if value is not None:
            return value
    return {}
