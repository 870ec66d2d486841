"""Recompute stroke-lesion's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Among Generic2dOscillator runs with a monitor
recording V (1 ms TemporalAverage preferred, continued runs joined) that reach past 1000 ms, the condition is read
from the simulated connectome's weights: intact when lM1 has connections, stroke when lM1's row and column are
all zero. When several runs fit a condition, the one closest to GOAL.md's set-up wins (the default connectome,
resp. the default with only lM1's connections removed; speed 4 mm/ms, Linear 0.2, additive noise nsig 1e-3,
dt 0.1, 4000 ms), the latest on ties. Measure: FC = np.corrcoef of the regions' V for t >= 1000 ms; lM1-rM1 FC and
rM1's mean FC with the 74 other regions.

The weights are those of the connectivity the replay re-ran (`run.connectivity`).
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, default_weights, structural_weights, trace_number, zeroed

LESION, PARTNER = "lM1", "rM1"
TRANSIENT_MS = 1000.0


def fc_matrix(times, data, i_v):
    """The reference's FC: Pearson correlation of the regions' V after the transient."""
    return np.corrcoef(data[times >= TRANSIENT_MS, i_v, :, 0].T)


def _score(run, total_ms, weights, k):
    w0 = default_weights()
    cpl = run.coupling or {}
    noise = run.record.get("noise") or {}
    speed = getattr(run.connectivity, "speed", None)
    speed = np.asarray([] if speed is None else speed, dtype=np.float64).ravel()
    speed = float(speed[0]) if speed.size and np.all(speed == speed[0]) else None
    lesioned = not weights[k, :].any() and not weights[:, k].any()
    expected = zeroed(w0, k) if lesioned else w0
    return ((weights.shape == expected.shape and np.array_equal(weights, expected))
            + close(speed, 4.0)
            + (cpl.get("class") == "Linear" and close(trace_number((cpl.get("params") or {}).get("a")), 0.2))
            + (run.stochastic and noise.get("class") == "Additive" and close(trace_number(noise.get("nsig")), 1e-3))
            + close(run.dt, 0.1) + (total_ms >= 4000.0 - 1e-6))


def recompute(runs):
    best = {}
    for run, m in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("TemporalAverage",), voi="V"):
        k, partner = run.label_index(LESION), run.label_index(PARTNER)
        if k is None or partner is None:
            continue
        weights = structural_weights(run)
        n = len(run.region_labels)
        if weights is None or weights.shape != (n, n):
            continue
        times, data, total_ms = series(runs, run, m)
        if (times >= TRANSIENT_MS).sum() < 2:
            continue
        condition = "lesioned" if not weights[k, :].any() and not weights[:, k].any() else "intact"
        score = _score(run, total_ms, weights, k)
        if condition not in best or score > best[condition][0]:     # latest run first: ties keep the latest
            best[condition] = (score, (times, data, run.voi(m, "V")), k, partner, n)
    results = {}
    for condition, (_, found, k, partner, n) in best.items():
        fc = fc_matrix(*found)
        others = [i for i in range(n) if i not in (k, partner)]
        results[f"homotopic_fc_{condition}"] = float(fc[k, partner])
        results[f"rm1_fc_{condition}"] = float(fc[partner, others].mean())
    if "rm1_fc_intact" in results and "rm1_fc_lesioned" in results:
        results["rm1_fc_change"] = results["rm1_fc_lesioned"] - results["rm1_fc_intact"]
    return results
