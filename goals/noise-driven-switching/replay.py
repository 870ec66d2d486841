"""Recompute noise-driven-switching's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations (abstract tier: any model recording S; in practice
TVB's ReducedWongWang). Each noise level is the last stochastic run whose noise diffusion (the trace's nsig, a
single value or the largest entry) equals that level, read from the replayed run, never from what the notebook
says; continued runs of one simulator joined; a monitor recording S (a TemporalAverage preferred). Per level:
samples after 1000 ms, classified low (< 0.2) / high (> 0.5) with hysteresis, switches per population per second
(samples x monitor period), and the fraction of samples above 0.36. Nothing is returned unless all three levels
were simulated.
"""
from evaluators.tvb.replay import find_outputs, series

LEVELS = [1.5e-5, 3e-5, 6e-5]
LOW, HIGH = 0.2, 0.5
TRANSIENT_MS = 1000.0


def count_switches(s):
    """The reference's count: switches between the low and the high state in s (time x populations)."""
    switches = 0
    for trace in s.T:
        state = None
        for value in trace:
            new = 1 if value > HIGH else 0 if value < LOW else state
            if state is not None and new != state:
                switches += 1
            state = new
    return switches


def analyse(times, s, period_ms):
    """(switching rate per population per second, fraction above 0.36) after the transient, or None."""
    s = s[times > TRANSIENT_MS]
    if not s.shape[0]:
        return None
    seconds = s.shape[0] * period_ms / 1000.0
    return count_switches(s) / (s.shape[1] * seconds), float((s > 0.36).mean())


def _diffusion(run):
    noise = run.record.get("noise") if isinstance(run.record, dict) else None
    value = noise.get("nsig") if isinstance(noise, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict) and isinstance(value.get("max"), (int, float)):
        return float(value["max"])
    return None


def _level(runs, level):
    pool = [r for r in runs if r.stochastic and _diffusion(r) is not None and abs(_diffusion(r) - level) <= 1e-6 * level]
    for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="S"):
        times, data, _ = series(pool, run, k)
        value = analyse(times, data[:, run.voi(k, "S"), :, 0], run.monitors[k]["period"])
        if value is not None:
            return _diffusion(run), value
    return None


def recompute(runs):
    found = [_level(runs, d) for d in LEVELS]
    if any(f is None for f in found):
        return {}
    return {"noise_levels": [f[0] for f in found], "switch_rate_per_s": [float(f[1][0]) for f in found],
            "fraction_high": [f[1][1] for f in found]}
