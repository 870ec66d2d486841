"""Recompute wong-wang-exc-inh-coupling's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each sweep point is the last ReducedWongWangExcInh
run whose simulated model `G` is that swept value (read from the re-run model, never from what the notebook says),
continued runs of one simulator joined, with a monitor recording S_e and S_i (a TemporalAverage preferred). Per
point: the mean of S_e and of S_i over all regions and over the samples after 500 ms. Nothing is returned unless
all three swept values were simulated.
"""
from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import uniform

STRENGTHS = [0.0, 0.01, 0.03]
TRANSIENT_MS = 500.0


def mean_late(times, x):
    """The reference's analysis of x (time x regions): mean over regions and the samples after the transient."""
    return float(x[times > TRANSIENT_MS].mean())


def _g(run):
    return uniform(run.model_params.get("G"))


def _point(runs, g):
    pool = [r for r in runs if r.model == "ReducedWongWangExcInh" and _g(r) is not None
            and abs(_g(r) - g) <= 1e-9 + 1e-9 * g]
    for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi=("S_e", "S_i")):
        times, data, _ = series(pool, run, k)
        if not (times > TRANSIENT_MS).any():
            continue
        return _g(run), (mean_late(times, data[:, run.voi(k, "S_e"), :, 0]),
                         mean_late(times, data[:, run.voi(k, "S_i"), :, 0]))
    return None


def recompute(runs):
    found = [_point(runs, g) for g in STRENGTHS]
    if any(f is None for f in found):
        return {}
    return {"global_coupling": [f[0] for f in found], "mean_s_e": [f[1][0] for f in found],
            "mean_s_i": [f[1][1] for f in found]}
