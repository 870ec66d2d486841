"""Recompute stimulus-evoked-response's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulation: the last Generic2dOscillator run with a region
stimulus and a monitor recording V (1 ms TemporalAverage preferred), continued runs joined. Baseline: each
region's mean over the 100 ms before the pulse onset; after onset, the peak absolute deviation from it and its
time from onset, at rV1 and rV2. The onset is the simulated pulse's own (the stimulus equation's `onset`
parameter; 500 ms as GOAL.md asks when the equation has none).
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import stimulus_onset

ONSET_MS = 500.0
BASELINE_MS = 100.0


def peak_and_latency(times, v, onset, index):
    """The reference's analysis for region `index` of v (time x regions)."""
    baseline = v[(times >= onset - BASELINE_MS) & (times < onset)].mean(axis=0)
    after = times > onset
    deviation = np.abs(v[after] - baseline)
    k = int(np.argmax(deviation[:, index]))
    return float(deviation[k, index]), float(times[after][k] - onset)


KEYS = ("peak_rv1", "peak_rv2", "latency_rv1_ms", "latency_rv2_ms")


def recompute(runs):
    stimulated = [r for r in runs if r.stimulus]
    found = list(find_outputs(stimulated, model="Generic2dOscillator", monitor_classes=("TemporalAverage",),
                              voi="V"))
    ends = [(series(stimulated, run, k)[0], stimulus_onset(run, ONSET_MS)) for run, k in found]
    if ends and all(len(t) == 0 or t.max() <= onset for t, onset in ends):
        # Stimulated runs were simulated, but none reached its own pulse: no evoked response exists in them, so
        # any peak or latency the notebook reports did not come from its simulations.
        return dict.fromkeys(KEYS)
    for run, k in found:
        i_v1, i_v2 = run.label_index("rV1"), run.label_index("rV2")
        if i_v1 is None or i_v2 is None:
            continue
        times, data, _ = series(stimulated, run, k)
        onset = stimulus_onset(run, ONSET_MS)
        if not (len(times) and times.min() < onset - BASELINE_MS / 2 and times.max() > onset):
            continue
        v = data[:, run.voi(k, "V"), :, 0]
        peak_v1, lat_v1 = peak_and_latency(times, v, onset, i_v1)
        peak_v2, lat_v2 = peak_and_latency(times, v, onset, i_v2)
        return {"peak_rv1": peak_v1, "peak_rv2": peak_v2, "latency_rv1_ms": lat_v1, "latency_rv2_ms": lat_v2}
    return {}
