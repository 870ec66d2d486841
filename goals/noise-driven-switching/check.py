"""Checks for noise-driven-switching (abstract tier: any implementation of the stated equations may pass).

Calibration: see the numbers below (reference.py, np.random.seed 0 / noise_seed 1, and `evolve goals spread` seeds).
CALIBRATION
"""
import math

from evaluators.tvb.checks import swept_values
from evolve.checks import CheckResult

LEVELS = [1.5e-5, 3e-5, 6e-5]
RATES = [(0.005, 0.03), (0.06, 0.13), (0.25, 0.42)]
FRACTION_HIGH = (0.3, 0.65)
MIN_RATIO = 3.0


def _numbers(ctx, key):
    if ctx.results is None:
        return None, "no results.json was written (write it with json.dump in the notebook)"
    value = ctx.results.get(key)
    try:
        values = [float(v) for v in value]
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != len(LEVELS) or not all(math.isfinite(v) for v in values):
        return None, (f"results.json '{key}' must be a list of {len(LEVELS)} finite numbers (one per noise level "
                      f"{LEVELS}), got {value!r}")
    return values, None


def switch_rates(ctx):
    name = "switch_rates"
    values, error = _numbers(ctx, "switch_rate_per_s")
    if error:
        return CheckResult(name, False, error)
    off = [(d, v, r) for d, v, r in zip(LEVELS, values, RATES, strict=True) if not r[0] <= v <= r[1]]
    if not off:
        return CheckResult(name, True, f"switch_rate_per_s {[round(v, 4) for v in values]} lies in the expected ranges")
    shown = "; ".join(f"D={d:g}: {v:.4f} /s (expected {r[0]:g} to {r[1]:g})" for d, v, r in off)
    return CheckResult(name, False, f"switch_rate_per_s is off at {shown}. Count a switch only when a population goes "
                                    f"from below 0.2 to above 0.5 or back (samples in between keep the previous "
                                    f"class), per population and per second of the 19 s analysed, with w = 1.1 and "
                                    f"I_0 = 0.312 and D as the diffusion coefficient of the noise")


def steep(ctx):
    name = "noise_speeds_switching"
    values, error = _numbers(ctx, "switch_rate_per_s")
    if error:
        return CheckResult(name, False, error)
    ratios = [b / a if a > 0 else math.inf for a, b in zip(values, values[1:], strict=False)]
    if all(r >= MIN_RATIO for r in ratios) and values[0] > 0:
        return CheckResult(name, True, f"each doubling of D multiplies the switching rate by "
                                       f"{', '.join(f'{r:.1f}' for r in ratios)}")
    return CheckResult(name, False, f"expected the switching rate to rise at least {MIN_RATIO:g}-fold per doubling of D "
                                    f"(escape over a barrier) and to be above 0 at the weakest noise; got rates "
                                    f"{', '.join(f'{v:.4f}' for v in values)} /s")


def both_states(ctx):
    name = "both_states_visited"
    values, error = _numbers(ctx, "fraction_high")
    if error:
        return CheckResult(name, False, error)
    off = [(d, v) for d, v in zip(LEVELS, values, strict=True) if not FRACTION_HIGH[0] <= v <= FRACTION_HIGH[1]]
    if not off:
        return CheckResult(name, True, f"fraction_high {[round(v, 3) for v in values]} lies in the expected range")
    return CheckResult(name, False, f"fraction_high outside [{FRACTION_HIGH[0]}, {FRACTION_HIGH[1]}] at "
                                    f"{'; '.join(f'D={d:g}: {v:.3f}' for d, v in off)} (the fraction of analysed samples "
                                    f"with S above 0.36; both states are about equally stable)")


def check(ctx):
    return [
        switch_rates(ctx),
        steep(ctx),
        both_states(ctx),
        swept_values("noise_sweep_in_trace", ctx, "noise", "nsig", LEVELS, min_ms=20000.0),
    ]
