"""Recompute stochastic-vs-deterministic's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations: among Generic2dOscillator runs with a monitor
recording V (1 ms TemporalAverage preferred, continued runs joined) that reach past 500 ms, the deterministic
run and the stochastic run closest to GOAL.md's set-up (Linear 0.0154, dt 0.1, 2000 ms; additive noise with
nsig 0.001, at most 0.01), the latest on ties. Measure: each region's temporal std of V after t > 500 ms,
averaged over regions; the ratio stochastic / deterministic.
"""
from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import close, trace_number

BURN_IN_MS = 500.0


def region_averaged_std(times, data, i_v):
    """The reference's measure: temporal std of V per region after the burn-in, averaged over regions."""
    v = data[times > BURN_IN_MS, i_v, :, 0]
    return float(v.std(axis=0).mean())


def _score(run, total_ms):
    cpl = run.coupling or {}
    score = ((cpl.get("class") == "Linear" and close(trace_number((cpl.get("params") or {}).get("a")), 0.0154))
             + close(run.dt, 0.1) + (total_ms >= 2000.0 - 1e-6))
    if run.stochastic:
        noise = run.record.get("noise") or {}
        nsig = trace_number(noise.get("nsig"))
        score += (noise.get("class") == "Additive") + (nsig is not None and 0 < nsig <= 0.01) + close(nsig, 0.001)
    return score


def recompute(runs):
    best = {}
    for run, m in find_outputs(runs, model="Generic2dOscillator", monitor_classes=("TemporalAverage",), voi="V"):
        times, data, total_ms = series(runs, run, m)
        if not (times > BURN_IN_MS).any():
            continue
        key = "std_stochastic" if run.stochastic else "std_deterministic"
        score = _score(run, total_ms)
        if key not in best or score > best[key][0]:     # latest run first: ties keep the latest
            best[key] = (score, (times, data, run.voi(m, "V")))
    results = {key: region_averaged_std(*found) for key, (_, found) in best.items()}
    if len(results) == 2 and results["std_deterministic"] != 0.0:
        results["std_ratio"] = results["std_stochastic"] / results["std_deterministic"]
    return results
