"""Recompute bold-monitor's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Generic2dOscillator run with a Bold
monitor that produced volumes (whatever its position among the monitors), continued runs of one simulator
joined. The volumes are the Bold monitor's own output: their count, the first time stamp, and the
region-averaged temporal standard deviation of the first recorded variable after dropping the first volume.
"""
from evaluators.tvb.replay import find_outputs, series


def bold_statistics(times, data):
    """The reference's analysis of the Bold monitor's (times, data)."""
    bold = data[:, 0, :, 0]                       # (volumes, regions)
    steady = bold[1:]                             # drop the first volume (start-up transient)
    out = {"n_bold_volumes": int(bold.shape[0]), "first_volume_ms": float(times[0])}
    if len(steady):
        out["bold_std"] = float(steady.std(axis=0).mean())
    return out


def recompute(runs):
    for run, k in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("Bold",)):
        if run.monitors[k]["class"] != "Bold":
            continue
        times, data, _ = series(runs, run, k)
        return bold_statistics(times, data)
    return {}
