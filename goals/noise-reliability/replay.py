"""Recompute noise-reliability's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: stochastic runs of the Linear model whose monitor
records x (5 ms TemporalAverage preferred) past 1000 ms, continued runs of one simulator joined; runs with the
Linear coupling a = 0.002 (as GOAL.md asks) preferred. The three realisations are the latest runs with noise
seeds 1, 2 and 3 (the seeds GOAL.md asks for, read from the trace's noise description) when all three were
simulated, else the latest run of each of the three latest distinct seeds, else the three latest runs; taken in
trace order. FC per run: np.corrcoef of x after the first 1000 ms; fc_reliability: mean over the three pairs of
the Pearson correlation of the FC upper triangles (diagonal excluded); mean_fc: mean over runs of the mean
upper-triangle FC.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import uniform

TRANSIENT_MS = 1000.0
SEEDS = (1, 2, 3)
COUPLING_A = 0.002


def fc_matrix(times, x):
    """The reference's FC of x (time x regions) after the transient."""
    return np.corrcoef(x[times > TRANSIENT_MS].T)


def reliability_and_mean(fcs):
    """The reference's fc_reliability and mean_fc of three FC matrices."""
    upper = np.triu_indices(fcs[0].shape[0], k=1)
    pairs = [(0, 1), (0, 2), (1, 2)]
    reliability = float(np.mean([np.corrcoef(fcs[i][upper], fcs[j][upper])[0, 1] for i, j in pairs]))
    mean_fc = float(np.mean([fc[upper].mean() for fc in fcs]))
    return reliability, mean_fc


def _seed(run):
    noise = run.record.get("noise") if isinstance(run.record, dict) else None
    seed = noise.get("noise_seed") if isinstance(noise, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _pick(candidates):
    """Three candidates (latest first in `candidates`), returned in trace order; None when fewer exist."""
    latest = {}
    for c in candidates:
        latest.setdefault(_seed(c[0]), c)
    if all(s in latest for s in SEEDS):
        chosen = [latest[s] for s in SEEDS]
    elif len([s for s in latest if s is not None]) >= 3:
        chosen = [latest[s] for s in [s for s in latest if s is not None][:3]]
    elif len(candidates) >= 3:
        chosen = candidates[:3]
    else:
        return None
    return sorted(chosen, key=lambda c: c[0].index)


def recompute(runs):
    candidates = []
    for run, k in find_outputs(runs, model="Linear", monitor_classes=("TemporalAverage",), voi="x"):
        if not run.stochastic:
            continue
        times, data, _ = series(runs, run, k)
        if int((times > TRANSIENT_MS).sum()) < 2:
            continue
        candidates.append((run, k, times, data))
    as_asked = [c for c in candidates if (c[0].coupling or {}).get("class") == "Linear" and
                uniform(((c[0].coupling or {}).get("params") or {}).get("a")) is not None and
                abs(uniform(c[0].coupling["params"]["a"]) - COUPLING_A) <= 1e-9]
    chosen = _pick(as_asked) if len(as_asked) >= 3 else None
    chosen = chosen or _pick(candidates)
    if chosen is None:
        return {}
    fcs = [fc_matrix(times, data[:, run.voi(k, "x"), :, 0]) for run, k, times, data in chosen]
    if len({fc.shape for fc in fcs}) != 1:
        return {}
    reliability, mean_fc = reliability_and_mean(fcs)
    return {"fc_reliability": reliability, "mean_fc": mean_fc}
