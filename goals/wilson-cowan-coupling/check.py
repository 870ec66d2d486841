"""Checks for wilson-cowan-coupling.

Calibration: reference.py with numpy seeds 0, 1, 2, 3, 4 and 42 gave mean E after 500 ms of
- a = 0.005: 0.3015-0.3566 (the widest spread: at weak coupling each region settles in a low or a high state
  depending on its random initial condition, so the fraction of "up" regions varies with the seed);
- a = 0.02:  0.4055-0.4468;
- a = 0.2:   0.4771-0.4891 (close to the ~0.49 ceiling of a region in its high state).
Mean E increased with coupling for every seed. Accepted ranges are the observed spread plus about 0.05
(weak), 0.035 (medium) and 0.02 (strong, capped by the ceiling): [0.25, 0.40], [0.37, 0.48], [0.455, 0.495];
the weak-coupling range is the widest tolerance, for a student who seeds differently or not at all.
The strict increase is checked separately, on the values sorted by coupling strength.
Model and coupling strengths are read from the simulation trace.
"""
from evaluators.tvb.checks import used_model
from evaluators.tvb.trace import completed_runs, fmt
from evolve.checks import CheckResult

STRENGTHS = [0.005, 0.02, 0.2]
MEAN_E = [(0.25, 0.40), (0.37, 0.48), (0.455, 0.495)]


def _is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _lists(ctx):
    """(strengths, means) as float lists of equal length >= 1, or an error message."""
    res = ctx.results
    if res is None:
        return None, "no results.json was written (write it with json.dump in the notebook)"
    s, m = res.get("coupling_strengths"), res.get("mean_e_by_coupling")
    if not isinstance(s, list) or not isinstance(m, list):
        return None, ("results.json needs 'coupling_strengths' and 'mean_e_by_coupling' as lists of numbers "
                      f"(convert with [float(x) for x in ...]); got {type(s).__name__} and {type(m).__name__}")
    if len(s) != 3 or len(m) != 3 or not all(_is_num(x) for x in s + m):
        return None, (f"expected two lists of 3 numbers, one mean E per coupling strength; got coupling_strengths={s!r}, "
                      f"mean_e_by_coupling={m!r}")
    return ([float(x) for x in s], [float(x) for x in m]), None


def _coupling_a(run):
    cpl = run.get("coupling") or {}
    a = (cpl.get("params") or {}).get("a")
    if isinstance(a, dict):
        a = a.get("max") if a.get("min") == a.get("max") else None
    return cpl.get("class"), a


def _three_runs(ctx):
    name = "three_coupling_runs"
    done = [r for r in completed_runs(ctx.trace) if (r.get("model") or {}).get("class") == "WilsonCowan"]
    seen = [_coupling_a(r) for r in done]
    found = [s for s in STRENGTHS if any(cls == "Linear" and _is_num(a) and abs(a - s) <= 1e-6 * max(1.0, s) + 1e-9
                                         for cls, a in seen)]
    if len(found) == len(STRENGTHS):
        return CheckResult(name, True, f"WilsonCowan runs with Linear coupling {', '.join(f'{s:g}' for s in STRENGTHS)}")
    shown = ", ".join(f"{cls}(a={fmt(a)})" for cls, a in seen) or "none"
    return CheckResult(name, False, f"expected three WilsonCowan runs with coupling.Linear(a=np.array([s])) for s in "
                                    f"{STRENGTHS}; the WilsonCowan runs used: {shown}")


def _increases(ctx):
    name = "mean_e_increases"
    lists, err = _lists(ctx)
    if err:
        return CheckResult(name, False, err)
    pairs = sorted(zip(*lists, strict=False))
    means = [m for _, m in pairs]
    if all(a < b for a, b in zip(means, means[1:], strict=False)):
        return CheckResult(name, True, "mean E rises with coupling: " + ", ".join(f"{m:.3f}" for m in means))
    return CheckResult(name, False, "expected mean E to rise with coupling strength; sorted by strength got "
                                    + ", ".join(f"a={s:g}: {m:.4g}" for s, m in pairs))


def _values(ctx):
    name = "values_in_range"
    lists, err = _lists(ctx)
    if err:
        return CheckResult(name, False, err)
    strengths, means = lists
    if any(abs(a - b) > 1e-9 + 1e-6 * b for a, b in zip(strengths, STRENGTHS, strict=False)):
        return CheckResult(name, False, f"expected coupling_strengths = {STRENGTHS}; got {strengths}")
    for s, m, (lo, hi) in zip(strengths, means, MEAN_E, strict=False):
        if not lo <= m <= hi:
            return CheckResult(name, False, f"mean E at coupling {s:g} = {m:.4g} is outside the expected range "
                                            f"[{lo:g}, {hi:g}] (average E over time after 500 ms and over all regions)")
    return CheckResult(name, True, "strengths and mean E values are within the reference ranges")


def check(ctx):
    return [used_model("used_wilson_cowan", ctx, "WilsonCowan"), _three_runs(ctx), _increases(ctx), _values(ctx)]
