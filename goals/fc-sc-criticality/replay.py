"""Recompute fc-sc-criticality's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: for each of G = 0.25, 0.5, 0.75, 0.9 / (10 ms ×
λ_max) (λ_max of the simulated connectome's weights), the latest stochastic Linear-model run with gamma = -0.1 and
Linear coupling a = G, reaching 12000 ms, with a monitor recording x (10 ms TemporalAverage preferred). FC of x after
2000 ms; its upper triangle correlated with the weights, and averaged.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, structural_weights, trace_number

FRACTIONS = [0.25, 0.5, 0.75, 0.9]


def fc_vs_sc(times, x, weights):
    """The reference's analysis: (corr(upper FC, upper weights), mean upper FC) after 2000 ms."""
    upper = np.triu_indices(weights.shape[0], 1)
    fc = np.corrcoef(x[times > 2000.0].T)
    return float(np.corrcoef(fc[upper], weights[upper])[0, 1]), float(fc[upper].mean())


def recompute(runs):
    found, lam = {}, None
    for run, k in find_outputs(runs, model="Linear", monitor_classes=("TemporalAverage",), voi="x"):
        weights = structural_weights(run)
        gamma = np.asarray(run.model_params.get("gamma"), dtype=float).ravel()
        a = trace_number(((run.coupling or {}).get("params") or {}).get("a"))
        if weights is None or not run.stochastic or gamma.size != 1 or not close(float(gamma[0]), -0.1) or a is None:
            continue
        lam = float(np.max(np.linalg.eigvals(weights).real))
        for f in FRACTIONS:
            if f not in found and abs(a - f / (10.0 * lam)) <= 1e-3 * f / (10.0 * lam):
                times, data, total = series(runs, run, k)
                if total >= 12000.0 - 1e-6:
                    found[f] = fc_vs_sc(times, data[:, run.voi(k, "x"), :, 0], weights)
    if len(found) < 4:
        return {}
    fits = [found[f] for f in FRACTIONS]
    couplings = [f / (10.0 * lam) for f in FRACTIONS]
    return {"largest_eigenvalue": lam, "coupling_values": couplings, "fc_sc_correlation": [r for r, _ in fits],
            "mean_fc": [m for _, m in fits], "best_coupling": couplings[int(np.argmax([r for r, _ in fits]))]}
