"""Checks for coupling-transition.

Calibration: reference.py with np.random.seed 0 (reference), 1 and 2 gave mean_activity
[0.1080, 0.1246, 0.1941, 0.4555, 0.5555], [0.1080, 0.1244, 0.1887, 0.4550, 0.5555],
[0.1080, 0.1245, 0.1908, 0.4548, 0.5554] and transition_coupling 0.008 every time. The tolerance of
± 0.03 per value is about 5x the largest seed spread (0.0054 at G = 0.006) and well below the jump between
G = 0.006 and 0.008 (0.26); averaging over the whole run instead of the last second, or normalising the
weights, moves values by more than that. The 0.3 threshold sits between 0.19 and 0.455, so the transition
value is robust. The sweep (five coupling strengths, ≥ 2000 ms each) is read from the trace.
Reference wall time: 88-98 s under a load of ~6 on 2 cores (30-33 s CPU), so about 25-30 s alone.
"""
import math

from evaluators.tvb.checks import _no_run
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, number

STRENGTHS = [0.002, 0.004, 0.006, 0.008, 0.010]
REFERENCE_ACTIVITY = [0.108, 0.1245, 0.191, 0.455, 0.5555]
TOLERANCE = 0.03
THRESHOLD = 0.3
TRANSITION = 0.008
RUN_MS = 2000.0


def _numbers(ctx, key):
    """The list under `key` as floats, or an error message."""
    if ctx.results is None:
        return None, "no results.json was written (write it with json.dump in the notebook)"
    value = ctx.results.get(key)
    if not isinstance(value, list) or len(value) != len(STRENGTHS):
        return None, f"results.json '{key}' must be a list of {len(STRENGTHS)} numbers (one per coupling strength), got {value!r}"
    try:
        out = [float(v) for v in value]
    except (TypeError, ValueError):
        return None, f"results.json '{key}' must hold numbers only, got {value!r}"
    if not all(math.isfinite(v) for v in out):
        return None, f"results.json '{key}' holds NaN or inf: {value!r}"
    return out, None


def activity_profile(ctx):
    name = "activity_profile"
    values, error = _numbers(ctx, "mean_activity")
    if error:
        return CheckResult(name, False, error)
    off = [(g, v, r) for g, v, r in zip(STRENGTHS, values, REFERENCE_ACTIVITY, strict=False) if abs(v - r) > TOLERANCE]
    if not off:
        return CheckResult(name, True, f"mean_activity {[round(v, 3) for v in values]} matches the expected sweep within ±{TOLERANCE}")
    shown = "; ".join(f"G={g:g}: {v:.3f} (expected {r:.3f} ± {TOLERANCE})" for g, v, r in off)
    return CheckResult(name, False, f"mean_activity differs from the expected sweep at {shown}. Use the raw weights, a "
                                    f"2000 ms run per strength and average S over all regions and the last 1000 ms only")


def activity_jumps(ctx):
    name = "activity_jumps"
    values, error = _numbers(ctx, "mean_activity")
    if error:
        return CheckResult(name, False, error)
    if values[0] < THRESHOLD < values[-1]:
        return CheckResult(name, True, f"activity rises from {values[0]:.3f} (quiet) to {values[-1]:.3f} (active)")
    return CheckResult(name, False, f"expected the weakest coupling to give activity below {THRESHOLD} and the strongest "
                                    f"above it; got {values[0]:.3f} at G={STRENGTHS[0]:g} and {values[-1]:.3f} at G={STRENGTHS[-1]:g}")


def transition_found(ctx):
    name = "transition_found"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    value = number(ctx, "transition_coupling")
    if value is None:
        return CheckResult(name, False, f"results.json 'transition_coupling' must be a number, got "
                                        f"{ctx.results.get('transition_coupling')!r}")
    if abs(value - TRANSITION) <= 1e-6:
        return CheckResult(name, True, f"transition_coupling = {value:g}")
    return CheckResult(name, False, f"transition_coupling = {value:g}, expected {TRANSITION:g}: the first swept G whose "
                                    f"mean activity (last 1000 ms) exceeds {THRESHOLD}")


def _coupling_a(run):
    cpl = run.get("coupling")
    if not isinstance(cpl, dict):
        return None
    a = (cpl.get("params") or {}).get("a")
    return round(float(a), 9) if isinstance(a, (int, float)) and not isinstance(a, bool) else None


def sweep_in_trace(ctx):
    name = "sweep_in_trace"
    if (fail := _no_run(name, ctx)):
        return fail
    runs = [r for r in completed_runs(ctx.trace)
            if isinstance(r.get("simulated_ms"), (int, float)) and r["simulated_ms"] >= RUN_MS * (1 - 1e-6)]
    strengths = sorted({a for a in (_coupling_a(r) for r in runs) if a is not None})
    if len(strengths) >= len(STRENGTHS):
        return CheckResult(name, True, f"{len(runs)} runs of ≥ {RUN_MS:g} ms with coupling strengths {strengths}")
    return CheckResult(name, False, f"expected five runs of at least {RUN_MS:g} ms, one per coupling strength "
                                    f"{STRENGTHS}; the trace shows {len(runs)} such run(s) with strengths {strengths or 'none'} "
                                    f"(build a new simulator for each strength)")


def check(ctx):
    return [activity_profile(ctx), activity_jumps(ctx), transition_found(ctx), sweep_in_trace(ctx)]
