"""Recompute paired-pulse-inhibition's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: JansenRit runs with a DoubleGaussian stimulus on lM1
alone and a monitor recording y1 and y2 (1 ms TemporalAverage preferred), reaching 1400 ms. The single-pulse run
has amp_2 = 0; the pair at ISI d has amp_2 != 0 and midpoint_2 - midpoint_1 = d (the latest such run wins). Measures
as in the reference: ptp of y1 - y2 of lM1 over 1000-1200 ms (single), and of paired minus single over
[1000 + d, 1200 + d), divided by the single ptp.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, stimulated_labels

ISIS_MS = [20.0, 50.0, 100.0, 150.0, 200.0]
ONSET = 1000.0


def _runs(runs):
    """{None: (t, v) single, d: (t, v) paired} from the latest fitting runs."""
    found = {}
    for run, k in find_outputs(runs, model="JansenRit", monitor_classes=("TemporalAverage",), voi=("y1", "y2")):
        temporal = (run.stimulus or {}).get("temporal") or {}
        p = temporal.get("parameters") or {}
        if stimulated_labels(run) != ["lM1"] or temporal.get("class") != "DoubleGaussian":
            continue
        if not all(isinstance(p.get(n), (int, float)) for n in ("amp_2", "midpoint_1", "midpoint_2")):
            continue
        times, data, total = series(runs, run, k)
        if total < 1400.0 - 1e-6 or not close(p["midpoint_1"], ONSET):
            continue
        key = None if p["amp_2"] == 0 else round(p["midpoint_2"] - p["midpoint_1"], 6)
        v = data[:, run.voi(k, "y1"), run.label_index("lM1"), 0] - data[:, run.voi(k, "y2"), run.label_index("lM1"), 0]
        found.setdefault(key, (times, v))
    return found


def recompute(runs):
    found = _runs(runs)
    if None not in found:
        return {}
    t, single = found[None]
    single_ptp = float(np.ptp(single[(t >= ONSET) & (t < ONSET + 200.0)]))
    out = {"single_ptp_mv": single_ptp}
    ratios = []
    for d in ISIS_MS:
        if d not in found or len(found[d][1]) != len(single):
            return out
        window = (t >= ONSET + d) & (t < ONSET + d + 200.0)
        ratios.append(float(np.ptp((found[d][1] - single)[window]) / single_ptp))
    out.update(isis_ms=ISIS_MS, test_ratio=ratios, strongest_inhibition_isi_ms=ISIS_MS[int(np.argmin(ratios))])
    return out
