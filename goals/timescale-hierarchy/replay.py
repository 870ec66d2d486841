"""Recompute timescale-hierarchy's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: for G = 0 and G = 0.001, the latest stochastic
Linear-model run with a region-wise gamma (76 values) and Linear coupling a = G, reaching 12000 ms, with a monitor
recording x (1 ms TemporalAverage preferred). Per region: the first lag where the autocorrelation of x after
2000 ms falls below 1/e; Spearman correlation with the map τ = -1 / gamma; ranges; the hub (largest row sum of the
simulated weights).
"""
import numpy as np
from scipy import stats

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import structural_weights, trace_number


def autocorrelation_times(times, x, period):
    """The reference's measure on x (time x regions)."""
    x = x[times > 2000.0]
    x = x - x.mean(axis=0)
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n, axis=0)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[:n]
    acf /= acf[0]
    return np.argmax(acf < np.exp(-1.0), axis=0) * period


def recompute(runs):
    found = {}
    for run, k in find_outputs(runs, model="Linear", monitor_classes=("TemporalAverage",), voi="x"):
        gamma = np.asarray(run.model_params.get("gamma"), dtype=float).ravel()
        a = trace_number(((run.coupling or {}).get("params") or {}).get("a"))
        weights = structural_weights(run)
        if gamma.size != 76 or a is None or not run.stochastic or weights is None:
            continue
        for g in (0.0, 0.001):
            if g not in found and abs(a - g) <= 1e-9:
                times, data, total = series(runs, run, k)
                if total >= 12000.0 - 1e-6:
                    ts = autocorrelation_times(times, data[:, run.voi(k, "x"), :, 0], run.monitors[k]["period"])
                    found[g] = (ts, -1.0 / gamma, weights, run.region_labels)
    if len(found) < 2:
        return {}
    unc, tau, weights, labels = found[0.0]
    cpl = found[0.001][0]
    hub = int(np.argmax(weights.sum(axis=1)))
    return {"hub_region": str(labels[hub]),
            "spearman_uncoupled": float(stats.spearmanr(tau, unc)[0]),
            "spearman_coupled": float(stats.spearmanr(found[0.001][1], cpl)[0]),
            "timescale_range_uncoupled_ms": [float(unc.min()), float(unc.max())],
            "timescale_range_coupled_ms": [float(cpl.min()), float(cpl.max())],
            "hub_timescale_uncoupled_ms": float(unc[hub]), "hub_timescale_coupled_ms": float(cpl[hub])}
