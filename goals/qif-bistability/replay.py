"""Recompute qif-bistability's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: the last two MontbrioPazoRoxin runs whose region-wise
eta is the same array (read from the re-run model) and whose monitor records r (a TemporalAverage preferred) past
900 ms; each region's mean r over the samples after 900 ms. Which run started low and which high is read from the
outcome, as the reference reports it: the low-state rate at eta = -4 is the smaller of the two runs' final rates
there, the high-state rate the larger. Bistable regions: final rates differing by more than 0.5. The analytic
bounds are the extrema of eta(r) = (pi r)^2 - 15 r - 1 / (4 pi^2 r^2), computed as the reference does (they need
no simulation).
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series

LATE_MS = 900.0


def final_rates(times, r):
    return r[times > LATE_MS].mean(axis=0)


def analytic_bounds():
    r = np.linspace(0.01, 3.0, 300000)
    eta_of_r = np.pi ** 2 * r ** 2 - 15.0 * r - 1.0 / (4 * np.pi ** 2 * r ** 2)
    turns = eta_of_r[1:-1][np.diff(np.sign(np.diff(eta_of_r))) != 0]
    return float(turns.min()), float(turns.max())


def recompute(runs):
    found = []
    for run, k in find_outputs(runs, model="MontbrioPazoRoxin", monitor_classes=("TemporalAverage",), voi="r"):
        eta = np.asarray(run.model_params.get("eta"), dtype=float).ravel()
        if eta.size != len(run.region_labels):
            continue
        times, data, _ = series(runs, run, k)
        if not (times > LATE_MS).any():
            continue
        if found and not np.array_equal(found[0][0], eta):
            continue
        found.append((eta, final_rates(times, data[:, run.voi(k, "r"), :, 0])))
        if len(found) == 2:
            break
    if len(found) < 2:
        return {}
    eta, (a, b) = found[0][0], (found[1][1], found[0][1])     # trace order
    bistable = np.abs(a - b) > 0.5
    if not bistable.any():
        return {}
    i4 = int(np.argmin(np.abs(eta + 4.0)))
    low, high = analytic_bounds()
    return {"bistable_eta_min": float(eta[bistable].min()), "bistable_eta_max": float(eta[bistable].max()),
            "analytic_eta_min": low, "analytic_eta_max": high,
            "rate_low_state_at_eta_minus4": float(min(a[i4], b[i4])),
            "rate_high_state_at_eta_minus4": float(max(a[i4], b[i4]))}
