"""Checks for tumour-virtual-resection.

Calibration (reference.py with noise_seed 42, 1, 2; same seed for both conditions):
  mean_fc_pre     0.806, 0.792, 0.791     -> accepted [0.65, 0.92]   (observed ±0.01, margin ±0.12 for other
                                                                       reasonable burn-ins / FC code)
  mean_fc_change -0.133, -0.139, -0.138   -> accepted [-0.22, -0.06]  (margin ±0.07; a resection done on both
                                                                       conditions or on no condition gives ~0)
  tumour_fc_pre   0.848, 0.854, 0.858     -> accepted >= 0.6
  tumour_fc_post -0.000, 0.086, -0.004    -> accepted [-0.2, 0.25]   (an uncoupled node's FC is noise around 0)
The trace check reads what was simulated instead of trusting the notebook.
"""
from evaluators.tvb.checks import used_model
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range, number

PRE_FC = (0.65, 0.92)
FC_CHANGE = (-0.22, -0.06)
TUMOUR_PRE_MIN = 0.6
TUMOUR_POST = (-0.2, 0.25)


def _tumour(ctx):
    name = "tumour_region_decoupled"
    pre, post = number(ctx, "tumour_fc_pre"), number(ctx, "tumour_fc_post")
    if pre is None or post is None:
        return CheckResult(name, False, "results.json needs finite numbers 'tumour_fc_pre' and 'tumour_fc_post' "
                                        "(mean FC of lPFCCL with the 75 other regions)")
    if pre < TUMOUR_PRE_MIN:
        return CheckResult(name, False, f"'tumour_fc_pre' = {pre:g}; before surgery lPFCCL should be strongly "
                                        f"correlated with the network (≥ {TUMOUR_PRE_MIN:g}); check the coupling "
                                        "and that the pre-surgery connectome is intact")
    if not TUMOUR_POST[0] <= post <= TUMOUR_POST[1]:
        return CheckResult(name, False, f"'tumour_fc_post' = {post:g}; after removing every connection to and "
                                        f"from lPFCCL its FC should be near 0 (expected {TUMOUR_POST}); check that "
                                        "you zeroed the row and column of lPFCCL (index from conn.region_labels)")
    return CheckResult(name, True, f"lPFCCL FC {pre:g} before and {post:g} after resection")


def _runs(ctx):
    name = "ran_pre_and_post"
    model = used_model(name, ctx, "Generic2dOscillator")
    if not model.passed:
        return model
    good = []
    for r in completed_runs(ctx.trace):
        integ = r.get("integrator") or {}
        length = r.get("simulated_ms")
        if ((r.get("model") or {}).get("class") == "Generic2dOscillator" and integ.get("stochastic")
                and isinstance(integ.get("dt"), (int, float)) and abs(integ["dt"] - 0.1) < 1e-6
                and isinstance(length, (int, float)) and length >= 3000.0 - 1e-6):
            good.append(r)
    if len(good) >= 2:
        return CheckResult(name, True, f"{len(good)} stochastic Generic2dOscillator runs of ≥ 3000 ms at dt 0.1")
    return CheckResult(name, False, f"expected two stochastic Generic2dOscillator runs (pre and post surgery) of at "
                                    f"least 3000 ms with HeunStochastic(dt=0.1); the trace shows {len(good)}")


def check(ctx):
    return [
        in_range("network_fc_regime", ctx, "mean_fc_pre", *PRE_FC, unit=""),
        in_range("network_fc_drops", ctx, "mean_fc_change", *FC_CHANGE, unit=""),
        _tumour(ctx),
        _runs(ctx),
    ]
