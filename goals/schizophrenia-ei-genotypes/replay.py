"""Recompute schizophrenia-ei-genotypes' numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. A genotype's run is a WilsonCowan run with its
(c_ee, c_ei) and a monitor recording E (1 ms TemporalAverage preferred, continued runs joined) that reaches past
500 ms; when several fit, the one closest to GOAL.md's set-up wins (P = 0.5, Linear coupling at the genotype's
strength, deterministic Heun, dt 0.1, 1500 ms), the latest on ties. Measure: E averaged over all regions and
t > 500 ms.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, trace_number

BURN_IN_MS = 500.0
GENOTYPES = {"mean_e_aa": (12.0, 4.0, 0.010), "mean_e_ag": (11.0, 5.0, 0.009), "mean_e_gg": (10.0, 6.0, 0.008)}


def mean_e(times, data, i_e):
    """The reference's measure: mean E over regions after the burn-in."""
    return float(data[times > BURN_IN_MS, i_e, :, 0].mean())


def _uniform(run, name):
    """Model parameter `name` when it has one value (or the same value in every region), else None."""
    value = run.model_params.get(name)
    if value is None:
        return None
    flat = np.asarray(value, dtype=float).ravel()
    return float(flat[0]) if flat.size and np.all(flat == flat[0]) else None


def _score(run, total_ms, g):
    cpl = run.coupling or {}
    return (close(_uniform(run, "P"), 0.5)
            + (cpl.get("class") == "Linear" and close(trace_number((cpl.get("params") or {}).get("a")), g))
            + (not run.stochastic) + close(run.dt, 0.1) + (total_ms >= 1500.0 - 1e-6))


def recompute(runs):
    best = {}
    for run, m in find_outputs(runs, model="WilsonCowan", monitor_classes=("TemporalAverage",), voi="E"):
        c_ee, c_ei = _uniform(run, "c_ee"), _uniform(run, "c_ei")
        for key, (ee, ei, g) in GENOTYPES.items():
            if not (close(c_ee, ee) and close(c_ei, ei)):
                continue
            times, data, total_ms = series(runs, run, m)
            if not (times > BURN_IN_MS).any():
                continue
            score = _score(run, total_ms, g)
            if key not in best or score > best[key][0]:     # latest run first: ties keep the latest
                best[key] = (score, (times, data, run.voi(m, "E")))
    return {key: mean_e(*found) for key, (_, found) in best.items()}
