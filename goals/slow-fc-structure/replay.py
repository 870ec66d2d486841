"""Recompute slow-fc-structure's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the latest stochastic Linear-model run (gamma -0.1)
with a Bold monitor and a monitor recording x (10 ms TemporalAverage preferred), continued runs joined, reaching
90000 ms. Both signals after 20000 ms; FC-SC of 2 s windows of the neural signal (averaged), of the whole neural
signal and of BOLD; mean upper-triangle FC of both; G read from the run's coupling.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, structural_weights, trace_number


def fc_sc(x, weights):
    """The reference's measure: (corr(upper FC, upper weights), mean upper FC)."""
    upper = np.triu_indices(weights.shape[0], 1)
    fc = np.corrcoef(x.T)
    return float(np.corrcoef(fc[upper], weights[upper])[0, 1]), float(fc[upper].mean())


def recompute(runs):
    for run, k in find_outputs(runs, model="Linear", monitor_classes=("TemporalAverage",), voi="x"):
        gamma = np.asarray(run.model_params.get("gamma"), dtype=float).ravel()
        weights = structural_weights(run)
        bold = next((i for i, m in enumerate(run.monitors) if m.get("class") == "Bold"), None)
        if bold is None or k == bold or weights is None or not run.stochastic or gamma.size != 1 \
                or not close(float(gamma[0]), -0.1):
            continue
        times, data, total = series(runs, run, k)
        t_bold, y_bold, _ = series(runs, run, bold)
        if total < 90000.0 - 1e-6:
            continue
        period = run.monitors[k]["period"]
        neural = data[times > 20000.0, run.voi(k, "x"), :, 0]
        volumes = y_bold[t_bold > 20000.0, 0, :, 0]
        per_window = int(round(2000.0 / period))
        n_windows = len(neural) // per_window
        windows = [fc_sc(w, weights)[0] for w in np.split(neural[:n_windows * per_window], n_windows)]
        r_neural, m_neural = fc_sc(neural, weights)
        r_bold, m_bold = fc_sc(volumes, weights)
        return {"coupling": trace_number(((run.coupling or {}).get("params") or {}).get("a")),
                "n_bold_volumes": int(volumes.shape[0]), "fc_sc_fast_windows": float(np.mean(windows)),
                "fc_sc_neural": r_neural, "fc_sc_bold": r_bold, "mean_fc_neural": m_neural, "mean_fc_bold": m_bold}
    return {}
