"""Recompute tumour-virtual-resection's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Among Generic2dOscillator runs with a monitor
recording V (1 ms TemporalAverage preferred, continued runs joined) that reach past 500 ms, the condition is read
from the simulated connectome's weights: pre-surgery when lPFCCL has connections, post-surgery when lPFCCL's row
and column are all zero. When several runs fit a condition, the one closest to GOAL.md's set-up wins (the
default connectome, resp. the default with only lPFCCL's connections removed; Linear 0.2, additive noise nsig
1e-3, dt 0.1, 3000 ms), the latest on ties. Measure: FC = np.corrcoef of the regions' V after the first 500 ms
(500 samples at 1 ms); the mean FC over pairs of the other regions (upper triangle) and lPFCCL's mean FC with them.

The weights are those of the connectivity the replay re-ran (`run.connectivity`).
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, default_weights, structural_weights, trace_number, zeroed

TUMOUR = "lPFCCL"
SKIP_MS = 500.0


def fc_matrix(data, i_v, period_ms):
    """The reference's FC: Pearson correlation of the regions' V without the first 500 ms."""
    skip = int(round(SKIP_MS / period_ms))
    return np.corrcoef(data[skip:, i_v, :, 0].T)


def rest_mean(fc, k):
    rest = [i for i in range(fc.shape[0]) if i != k]
    iu = np.triu_indices(len(rest), 1)
    return float(fc[np.ix_(rest, rest)][iu].mean())


def tumour_mean(fc, k):
    rest = [i for i in range(fc.shape[0]) if i != k]
    return float(fc[k, rest].mean())


def _score(run, total_ms, weights, k):
    w0 = default_weights()
    cpl = run.coupling or {}
    noise = run.record.get("noise") or {}
    resected = not weights[k, :].any() and not weights[:, k].any()
    expected = zeroed(w0, k) if resected else w0
    return ((weights.shape == expected.shape and np.array_equal(weights, expected))
            + (cpl.get("class") == "Linear" and close(trace_number((cpl.get("params") or {}).get("a")), 0.2))
            + (run.stochastic and noise.get("class") == "Additive" and close(trace_number(noise.get("nsig")), 1e-3))
            + close(run.dt, 0.1) + (total_ms >= 3000.0 - 1e-6))


def recompute(runs):
    best = {}
    for run, m in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("TemporalAverage",), voi="V"):
        k = run.label_index(TUMOUR)
        if k is None:
            continue
        weights = structural_weights(run)
        n = len(run.region_labels)
        if weights is None or weights.shape != (n, n):
            continue
        times, data, total_ms = series(runs, run, m)
        period = run.monitors[m]["period"]
        if len(times) - int(round(SKIP_MS / period)) < 2:
            continue
        condition = "post" if not weights[k, :].any() and not weights[:, k].any() else "pre"
        score = _score(run, total_ms, weights, k)
        if condition not in best or score > best[condition][0]:     # latest run first: ties keep the latest
            best[condition] = (score, fc_matrix(data, run.voi(m, "V"), period), k)
    results = {}
    for condition, (_, fc, k) in best.items():
        results[f"mean_fc_{condition}"] = rest_mean(fc, k)
        results[f"tumour_fc_{condition}"] = tumour_mean(fc, k)
    if "mean_fc_pre" in results and "mean_fc_post" in results:
        results["mean_fc_change"] = results["mean_fc_post"] - results["mean_fc_pre"]
    return results
