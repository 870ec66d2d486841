"""Checks for epileptor-focus.

Calibration: reference.py (x0 -2.2 background, -1.6 at rHC/rPHC, Ks -0.2, Difference a = 1, dt 0.05, 3000 ms,
criterion min(x2 - x1) < 0 over 2000-3000 ms) with np.random.seed 42 and 0-4 gave exactly ['rHC', 'rPHC'] every
time. Over the window the focus minimum of x2 - x1 was -0.94 to -2.33 and every other region stayed at or above
+0.61, so the threshold 0 separates them by more than 0.9 on both sides.
Without the 2000 ms burn-in the start-up transient makes 45-66 regions cross the threshold; with a 1000 ms
burn-in one seed still had 3 non-focus regions. Accepted: both focus labels present, at most 2 non-focus
labels (a shorter burn-in or another reasonable threshold may add a straggler), n_seizing = len(list) in [2, 4].
The trace check reads x0 from what was simulated (a 76-value array with min ≈ -2.2 and max ≈ -1.6), not from
the notebook's claims; whether the high values sit at rHC/rPHC is shown by which regions seize.
"""
from evaluators.tvb.checks import integrator_dt
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, number

FOCUS = ("rHC", "rPHC")
MAX_OUTSIDE = 2
COUNT = (2, 4)
X0_BACKGROUND = (-2.3, -2.1)   # accepted minimum of x0 (background value -2.2)
X0_FOCUS = (-1.7, -1.5)        # accepted maximum of x0 (focus value -1.6)


def _labels(ctx):
    if ctx.results is None:
        return None, "no results.json was written (write it with json.dump in the notebook)"
    value = ctx.results.get("seizing_regions")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, (f"results.json 'seizing_regions' must be a list of label strings such as ['rHC', 'rPHC'], "
                      f"got {value!r}")
    return value, ""


def _focus(ctx):
    labels, why = _labels(ctx)
    if labels is None:
        return CheckResult("focus_seizes", False, why)
    missing = [f for f in FOCUS if f not in labels]
    if not missing:
        return CheckResult("focus_seizes", True, "rHC and rPHC are reported seizing")
    return CheckResult("focus_seizes", False, f"expected the focus regions rHC and rPHC among 'seizing_regions'; "
                                              f"missing {', '.join(missing)} (reported: {labels[:10]}). Set x0 = -1.6 at "
                                              f"list(conn.region_labels).index('rHC') and ('rPHC')")


def _outside(ctx):
    labels, why = _labels(ctx)
    if labels is None:
        return CheckResult("no_spread_outside_focus", False, why)
    outside = [label for label in labels if label not in FOCUS]
    ok = len(outside) <= MAX_OUTSIDE
    shown = ", ".join(outside[:8]) + (f" and {len(outside) - 8} more" if len(outside) > 8 else "")
    return CheckResult("no_spread_outside_focus", ok,
                       f"{len(outside)} region(s) outside rHC/rPHC reported seizing"
                       + (f" ({shown})" if outside else "") + f"; at most {MAX_OUTSIDE} expected"
                       + ("" if ok else " (ignore the first 2000 ms: the random start makes many regions fire; "
                                        "keep x0 = -2.2 outside the focus)"))


def _count(ctx):
    labels, why = _labels(ctx)
    n = number(ctx, "n_seizing")
    if labels is None or n is None:
        return CheckResult("count_matches", False, why or "results.json needs a number 'n_seizing'")
    ok = n == len(labels) and COUNT[0] <= n <= COUNT[1]
    return CheckResult("count_matches", ok, f"n_seizing = {n:g}, {len(labels)} labels reported; expected them "
                                            f"equal and between {COUNT[0]} and {COUNT[1]}")


def _focal_x0(ctx):
    name = "focal_x0"
    done = completed_runs(ctx.trace)
    if not done:
        return CheckResult(name, False, "no simulation ran to completion (no sim.run() finished)")
    seen = []
    for r in done:
        model = r.get("model") or {}
        if model.get("class") != "Epileptor":
            continue
        x0 = (model.get("params") or {}).get("x0", (model.get("defaults") or {}).get("x0"))
        seen.append(x0)
        if (isinstance(x0, dict) and isinstance(x0.get("min"), (int, float)) and isinstance(x0.get("max"), (int, float))
                and X0_BACKGROUND[0] <= x0["min"] <= X0_BACKGROUND[1] and X0_FOCUS[0] <= x0["max"] <= X0_FOCUS[1]):
            return CheckResult(name, True, f"Epileptor x0 ranged from {x0['min']:g} to {x0['max']:g} "
                                           f"across {x0.get('shape')} regions")
    if not seen:
        return CheckResult(name, False, "expected a models.Epileptor run; none was recorded")
    shown = "; ".join(f"{v.get('shape')} from {v.get('min')} to {v.get('max')}" if isinstance(v, dict) else str(v)
                      for v in seen[:3])
    return CheckResult(name, False, f"expected a region-wise Epileptor x0 (one value per region) with -2.2 in the "
                                    f"background and -1.6 at the focus; the runs used x0 = {shown}")


def check(ctx):
    return [
        _focus(ctx),
        _outside(ctx),
        _count(ctx),
        _focal_x0(ctx),
        integrator_dt("small_dt", ctx, max_dt=0.05),
    ]
