"""Checks for paired-pulse-inhibition.

Calibration: reference.py (np.random.seed 42 before each configure; the network rests at a fixed point, so the seed
does not matter: the same script with np.random.seed(7) gave the same values to 9 digits) gave single_ptp_mv 12.877 and test ratios 1.031, 0.519, 0.689, 0.360, 0.888 at ISIs 20, 50, 100,
150, 200 ms, strongest inhibition at 150 ms. Accepted: the single response within ± 10 % ([11.6, 14.2] mV) and each
ratio within ± 0.12 of the reference (room for another window end or a 1 ms rectangular pulse of the same area),
while forgetting to subtract the conditioning response (ratios 1.44, 1.46, 0.12, 0.28, 0.89) or a second pulse of
the wrong sign fails. The inhibition window is the reference's qualitative result: ratio ≥ 0.9 at 20 ms, < 0.8 at
50, 100 and 150 ms, minimum at 150 ms. The stimuli are read from the simulation trace.
"""
from evaluators.tvb.checks import stimulus_equation
from evolve.checks import CheckResult, in_range, number

ISIS = (20.0, 50.0, 100.0, 150.0, 200.0)
RATIOS = (1.031, 0.519, 0.689, 0.360, 0.888)
RATIO_TOL = 0.12
SINGLE = (11.6, 14.2)


def _pulses(ctx):
    name = "paired_pulses_on_lm1"
    base = {"amp_1": -10.0, "sigma_1": 0.5, "midpoint_1": 1000.0, "sigma_2": 0.5}
    result = stimulus_equation(name, ctx, "lM1", "DoubleGaussian", {**base, "amp_2": 0.0})
    if not result.passed:
        return CheckResult(name, False, result.message + " (missing the single pulse: amp_2 = 0)")
    for d in ISIS:
        result = stimulus_equation(name, ctx, "lM1", "DoubleGaussian",
                                   {**base, "amp_2": 10.0, "midpoint_2": 1000.0 + d})
        if not result.passed:
            return CheckResult(name, False, result.message + f" (missing the pair at ISI {d:g} ms: amp_2 = 10, "
                                                             f"since the second Gaussian is subtracted, midpoint_2 = "
                                                             f"{1000 + d:g})")
    return CheckResult(name, True, "a single pulse and pairs at 20-200 ms were delivered to lM1")


def _ratios(ctx):
    name = "test_ratios_in_range"
    value = (ctx.results or {}).get("test_ratio")
    if not (isinstance(value, list) and len(value) == 5 and all(isinstance(v, (int, float)) for v in value)):
        return CheckResult(name, False, "'test_ratio' must be a list of 5 numbers (ISIs 20, 50, 100, 150, 200 ms)")
    for d, got, ref in zip(ISIS, value, RATIOS, strict=True):
        if abs(got - ref) > RATIO_TOL:
            return CheckResult(name, False, f"test ratio at ISI {d:g} ms = {got:g}, outside the range the reference "
                                            "produces (ptp of paired minus single-pulse y1 - y2 of lM1 over "
                                            "[1000 + d, 1200 + d), divided by the single-pulse ptp over 1000-1200 ms)")
    return CheckResult(name, True, "the five test ratios match the reference")


def _window(ctx):
    name = "inhibition_window"
    value = (ctx.results or {}).get("test_ratio")
    best = number(ctx, "strongest_inhibition_isi_ms")
    if not (isinstance(value, list) and len(value) == 5 and all(isinstance(v, (int, float)) for v in value)):
        return CheckResult(name, False, "'test_ratio' must be a list of 5 numbers")
    if value[0] < 0.9 or not all(v < 0.8 for v in value[1:4]):
        return CheckResult(name, False, f"test ratios {[round(v, 3) for v in value]}: the reference shows no "
                                        "inhibition at 20 ms and inhibition (ratio < 0.8) at 50, 100 and 150 ms")
    if best is None or abs(best - 150.0) > 1e-6:
        return CheckResult(name, False, f"'strongest_inhibition_isi_ms' = {best}, not the ISI with the smallest ratio "
                                        "in the reference")
    return CheckResult(name, True, "inhibition at 50-150 ms, none at 20 ms, strongest at 150 ms")


def check(ctx):
    return [_pulses(ctx), in_range("single_response_in_range", ctx, "single_ptp_mv", *SINGLE, unit="mV"),
            _ratios(ctx), _window(ctx)]
