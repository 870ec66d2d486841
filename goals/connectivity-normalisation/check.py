"""Checks for connectivity-normalisation.

Calibration: the weight statistics are properties of tvb-data's connectivity_76 (no randomness):
raw max 3.0, raw mean 0.51746, normalised max 1.0, normalised mean 0.17249; accepted to +-1 % (rounding only).
reference.py with numpy seeds 0, 1, 2, 3 and 42 gave std_activity_raw = 1.607-1.609 (the raw weights, three
times stronger at the same coupling 0.2, push the network into large oscillations) and
std_activity_norm = 0.0013-0.0016 (the normalised network is still relaxing towards rest).
- std_activity_raw: accepted [1.2, 2.0], about +-25 % (the widest tolerance; other burn-ins and seeds pass,
  a raw run that is secretly normalised, about 0.0015, fails);
- std_activity_norm: at most 0.05 (30x the observed value) and below a tenth of std_activity_raw (a
  "normalised" run that still used raw weights gives about 1.6 and fails).
The coupling strength of both runs is read from the simulation trace.
"""
from evaluators.tvb.trace import completed_runs, fmt
from evolve.checks import CheckResult, in_range, number

WEIGHTS = {
    "raw_max_weight": (2.97, 3.03),
    "raw_mean_weight": (0.512, 0.523),
    "norm_max_weight": (0.99, 1.01),
    "norm_mean_weight": (0.1707, 0.1743),
}
STD_RAW = (1.2, 2.0)
MAX_STD_NORM = 0.05
COUPLING = 0.2


def _weights(ctx):
    name = "weight_statistics"
    for key, (low, high) in WEIGHTS.items():
        result = in_range(name, ctx, key, low, high, unit="")
        if not result.passed:
            return CheckResult(name, False, result.message + " (raw default weights have max 3.0; normalised = weights "
                                                             "/ max, so max 1.0; means are over all 76 x 76 entries)")
    return CheckResult(name, True, "raw and normalised weight maxima and means match the default connectome")


def _coupling_a(run):
    cpl = run.get("coupling") or {}
    a = (cpl.get("params") or {}).get("a")
    if isinstance(a, dict):
        a = a.get("max") if a.get("min") == a.get("max") else None
    return cpl.get("class"), a


def _two_runs(ctx):
    name = "same_coupling_two_runs"
    done = completed_runs(ctx.trace)
    seen = [_coupling_a(r) for r in done]
    good = [a for cls, a in seen if cls == "Linear" and isinstance(a, (int, float)) and abs(a - COUPLING) <= 1e-6]
    if len(good) >= 2:
        return CheckResult(name, True, f"{len(good)} runs used Linear coupling a = {COUPLING:g}")
    shown = ", ".join(f"{cls}(a={fmt(a)})" for cls, a in seen) or "no completed run"
    return CheckResult(name, False, f"expected two runs (raw and normalised weights) both with "
                                    f"coupling.Linear(a=np.array([{COUPLING:g}])); the trace shows: {shown}")


def _raw(ctx):
    name = "raw_weights_oscillate"
    result = in_range(name, ctx, "std_activity_raw", *STD_RAW, unit="model units")
    if result.passed:
        return result
    return CheckResult(name, False, result.message + " (the run with the raw, unnormalised weights at coupling 0.2 "
                                                     "should oscillate strongly)")


def _norm(ctx):
    name = "normalised_stays_at_rest"
    norm, raw = number(ctx, "std_activity_norm"), number(ctx, "std_activity_raw")
    if norm is None or raw is None:
        return CheckResult(name, False, "results.json needs finite numbers under std_activity_norm and std_activity_raw")
    if norm <= MAX_STD_NORM and norm < 0.1 * raw:
        return CheckResult(name, True, f"std_activity_norm = {norm:g} is small (<= {MAX_STD_NORM:g}) and far below "
                                       f"std_activity_raw = {raw:g}")
    return CheckResult(name, False, f"expected std_activity_norm <= {MAX_STD_NORM:g} and below a tenth of "
                                    f"std_activity_raw; got {norm:g} and {raw:g} (did the second simulation really use "
                                    f"the normalised weights? scaled_weights() returns a new array and does not change "
                                    f"conn.weights)")


def check(ctx):
    return [_weights(ctx), _two_runs(ctx), _raw(ctx), _norm(ctx)]
