"""Recompute epileptor-focus's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Epileptor run with a monitor recording
"x2 - x1" (1 ms TemporalAverage preferred), continued runs joined, that reaches past 2000 ms; a region is
seizing if its x2 - x1 drops below 0 after 2000 ms.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series

BURN_IN_MS = 2000.0
VOI = "x2 - x1"


def seizing_regions(times, lfp, labels):
    """The reference's analysis: labels of the regions whose signal (time x regions) drops below 0 after burn-in."""
    late = lfp[times > BURN_IN_MS]
    return [labels[i] for i in np.flatnonzero(late.min(axis=0) < 0.0)]


MIN_MS = 100.0  # an Epileptor run shorter than this has not left its initial state: no seizure can be read


def recompute(runs):
    lengths = [series(runs, run, k)[2] for run, k in find_outputs(runs, model="Epileptor",
                                                                   monitor_classes=("TemporalAverage",), voi=VOI)]
    if lengths and max(lengths) < MIN_MS:
        # Epileptor runs were simulated, but too briefly to show any seizure: reported seizing regions did not come
        # from these simulations.
        return {"seizing_regions": None, "n_seizing": None}
    for run, k in find_outputs(runs, model="Epileptor", monitor_classes=("TemporalAverage",), voi=VOI):
        times, data, _ = series(runs, run, k)
        if not (times > BURN_IN_MS).any():
            continue
        seizing = seizing_regions(times, data[:, run.voi(k, VOI), :, 0], run.region_labels)
        return {"seizing_regions": seizing, "n_seizing": len(seizing)}
    return {}
