"""Checks for persistent-activity (abstract tier: any implementation of the stated equations may pass).

Calibration: the set-up is deterministic (the whole history is given, no noise), so every seed gives the same
numbers: quiet level 0.0673, active level 0.6011, threshold 0.0032 per ms, 44 populations switched. The stable
states of dS/dt = 0 for w = 1.1, I_0 = 0.312 are S = 0.068 and 0.601 (unstable 0.360), computed from the equation
directly. Accepted: quiet [0.064, 0.071] and active [0.59, 0.61] (the fixed points ± 0.004-0.01; sampling and
averaging choices move them by less); threshold [0.0029, 0.0035] per ms and 41-47 populations (±3 steps of 0.0001:
another step size or pulse discretisation shifts the threshold slightly). Traps: a random start puts part of the
populations in the active state before any input (threshold 0, more switched); a 70 ms input needs a larger
strength; reading S during the input counts populations that fall back afterwards.
"""
from evaluators.tvb.checks import _no_run
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range


def _all(name, ctx, spec, hint):
    results = [in_range(name, ctx, key, low, high, unit=unit) for key, (low, high, unit) in spec.items()]
    if all(r.passed for r in results):
        return CheckResult(name, True, "; ".join(r.message for r in results))
    return CheckResult(name, False, "; ".join(r.message for r in results if not r.passed) + f" ({hint})")


def input_in_trace(ctx):
    name = "input_in_trace"
    if (fail := _no_run(name, ctx)):
        return fail
    seen = []
    for r in completed_runs(ctx.trace):
        stim = r.get("stimulus") if isinstance(r.get("stimulus"), dict) else None
        if not stim:
            continue
        params = (stim.get("temporal") or {}).get("parameters") or {}
        onset, width = params.get("onset"), params.get("tau")
        regions = stim.get("regions") if isinstance(stim.get("regions"), list) else []
        weights = [w for w in stim.get("region_weights") or [] if isinstance(w, (int, float))]
        seen.append(f"{(stim.get('temporal') or {}).get('class')} onset={onset} width={width} on {len(regions)} "
                    f"regions over {r.get('simulated_ms')} ms")
        if (isinstance(onset, (int, float)) and abs(onset - 1000.0) <= 1.0 and isinstance(width, (int, float))
                and abs(width - 100.0) <= 1.0 and len(regions) >= 70 and len(set(weights)) >= 70
                and (r.get("simulated_ms") or 0) >= 3000.0 * (1 - 1e-6)):
            return CheckResult(name, True, f"a {r['simulated_ms']:g} ms run with a 100 ms input from 1000 ms on "
                                           f"{len(regions)} populations with graded strengths")
    return CheckResult(name, False, "expected a run of at least 3000 ms whose input lasts 100 ms from 1000 ms (e.g. a "
                                    "pulse with onset 1000 and width 100) and reaches at least 70 populations with "
                                    f"different strengths 0.0001 i; the stimulated runs had: {'; '.join(seen) or 'none'}")


def check(ctx):
    return [
        _all("two_levels", ctx, {"quiet_level": (0.064, 0.071, ""), "active_level": (0.59, 0.61, "")},
             "start all populations at S = 0.05 (whole history), average 500-1000 ms for the quiet level and the "
             "switched populations after 2500 ms for the active level"),
        _all("threshold", ctx, {"switching_threshold_per_ms": (0.0029, 0.0035, "1/ms"),
                                "populations_switched": (41, 47, "")},
             "input u_i = 0.0001 i added to dS/dt from 1000 to 1100 ms; a population has switched when its mean S "
             "after 2500 ms exceeds 0.36"),
        input_in_trace(ctx),
    ]
