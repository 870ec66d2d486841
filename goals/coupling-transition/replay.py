"""Recompute coupling-transition's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Each sweep point is the last ReducedWongWang run
whose simulated Linear coupling strength `a` (G) is that swept value, read from the replayed run, never from what
the notebook says; continued runs of one simulator joined, with a monitor recording S (1 ms TemporalAverage
preferred). Activity: the mean of S over all regions and over the samples after 1000 ms. The transition is the
first swept G whose activity exceeds 0.3 (None when none does); the G values returned are those simulated (equal
to the swept values up to rounding, e.g. from np.linspace). Nothing is returned unless all five swept values were
simulated.
"""
from evaluators.tvb.replay import find_outputs, series

STRENGTHS = [0.002, 0.004, 0.006, 0.008, 0.010]
THRESHOLD = 0.3
TRANSIENT_MS = 1000.0


def mean_activity(times, s):
    """The reference's analysis of s (time x regions): mean over regions and the samples after the transient."""
    return float(s[times > TRANSIENT_MS].mean())


def transition(strengths, activity):
    above = [g for g, s in zip(strengths, activity, strict=False) if s > THRESHOLD]
    return above[0] if above else None


def _strength(run):
    cpl = run.coupling or {}
    params = cpl.get("params") or {}
    a, b = params.get("a"), params.get("b", 0.0)
    if cpl.get("class") != "Linear" or not isinstance(a, (int, float)) or isinstance(a, bool) or b != 0.0:
        return None
    return float(a)


def _activity(runs, g):
    """(G as simulated, activity) of the last run at swept value g (within rounding), or None."""
    pool = [r for r in runs if r.model == "ReducedWongWang" and _strength(r) is not None
            and abs(_strength(r) - g) <= 1e-9 * g]
    for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="S"):
        times, data, _ = series(pool, run, k)
        if not (times > TRANSIENT_MS).any():
            continue   # nothing after the transient: an earlier run may be the analysed one
        return _strength(run), mean_activity(times, data[:, run.voi(k, "S"), :, 0])
    return None


def recompute(runs):
    found = [_activity(runs, g) for g in STRENGTHS]
    if any(f is None for f in found):
        return {}
    strengths, activity = [f[0] for f in found], [f[1] for f in found]
    return {"coupling_strengths": strengths, "mean_activity": activity,
            "transition_coupling": transition(strengths, activity)}
