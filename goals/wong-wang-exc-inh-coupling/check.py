"""Checks for wong-wang-exc-inh-coupling.

Calibration (deterministic network; numpy seeded before configure): reference.py gave mean_s_e 0.1687, 0.4508,
0.7309 and mean_s_i 0.0396, 0.0665, 0.0962 at G = 0, 0.01, 0.03 (wall 29 s under load ~5, 8 s CPU); np.random.seed
1 and 2 gave S_e 0.1680 / 0.1683, 0.4491 / 0.4493, 0.7308 / 0.7309 and S_i within 0.0002 of the reference (seed
spread ≤ 0.002); averaging the whole run instead of the last 500 ms gives S_e 0.209, 0.442, 0.712. Tolerances are
±0.03 on S_e and ±0.01 on S_i: over 10x the seed spread, well below the gaps between neighbouring G values (0.28,
0.03), and the whole-run average fails at G = 0. The traps: the Linear slope a = G with the model's default G = 2
doubles the strength (S_e 0.65, 0.83 at G = 0.01, 0.03); the default Linear slope 2**-8 leaves S_e near its
uncoupled 0.17 for every G; swapping the two variables fails both profiles.
"""
import math

from evaluators.tvb.checks import swept_values
from evolve.checks import CheckResult

STRENGTHS = [0.0, 0.01, 0.03]
REFERENCE = {"mean_s_e": ([0.1687, 0.4508, 0.7309], 0.03), "mean_s_i": ([0.0396, 0.0665, 0.0962], 0.01)}


def _profile(name, ctx, key):
    expected, tol = REFERENCE[key]
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    value = ctx.results.get(key)
    try:
        values = [float(v) for v in value]
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != len(STRENGTHS) or not all(math.isfinite(v) for v in values):
        return CheckResult(name, False, f"results.json '{key}' must be a list of {len(STRENGTHS)} finite numbers "
                                        f"(one per G in {STRENGTHS}), got {value!r}")
    off = [(g, v, r) for g, v, r in zip(STRENGTHS, values, expected, strict=True) if abs(v - r) > tol]
    if not off:
        return CheckResult(name, True, f"{key} {[round(v, 4) for v in values]} matches the expected values")
    shown = "; ".join(f"G={g:g}: {v:.4f} (expected {r:.4f} ± {tol})" for g, v, r in off)
    return CheckResult(name, False, f"{key} differs from the expected sweep at {shown}. Set G on the model "
                                    f"(ReducedWongWangExcInh(G=np.array([g]))) with coupling.Linear(a=np.array([1.0])), "
                                    f"run 1000 ms and average over all regions and the last 500 ms")


def check(ctx):
    return [
        _profile("excitatory_profile", ctx, "mean_s_e"),
        _profile("inhibitory_profile", ctx, "mean_s_i"),
        swept_values("coupling_set_in_model_g", ctx, "model", "G", STRENGTHS,
                     model_class="ReducedWongWangExcInh", min_ms=1000.0),
    ]
