"""Checks for noise-driven-switching (abstract tier: any implementation of the stated equations may pass).

Calibration: `evolve goals spread --seeds 4` (seed 0 = the reference's own noise) gave switching rates (per population
per s) at D = 1.5e-5 / 3e-5 / 6e-5 of 0.0145, 0.0139, 0.0166, 0.0180 / 0.0942, 0.0942, 0.0956, 0.1011 / 0.331, 0.308,
0.326, 0.320, and fraction_high 0.33-0.55 (seed 3 at 3e-5: 0.331; each population's state depends on where its random
start fell, so this fraction varies most). The rates rest on ~20, ~135 and ~460 counted switches, so the Poisson
error alone is about 22 %, 9 % and 5 %. Accepted: rates [0.005, 0.03], [0.06, 0.13], [0.25, 0.42] (about 3x the
Poisson error, and room for dt 0.5 instead of 1 ms, which gave 0.087 at 3e-5), fraction_high [0.2, 0.75], and each
doubling of D multiplying the rate by at least 3 (observed 5.2-6.8 and 3.2-3.5). Counting every crossing of 0.36
instead of switches with hysteresis gives 0.12 / 0.65 / 1.77 (flicker near the unstable state); the default
recurrence w = 0.6 has one stable state (no switches); passing sqrt(2 D) as the noise strength gives 12-17 per s.
Reference wall time: 35 s under a load of ~10 on the shared 2 cores (11 s of CPU).
"""
import math

from evaluators.tvb.checks import swept_values
from evolve.checks import CheckResult, numbers

LEVELS = [1.5e-5, 3e-5, 6e-5]
RATES = [(0.005, 0.03), (0.06, 0.13), (0.25, 0.42)]
FRACTION_HIGH = (0.2, 0.75)
MIN_RATIO = 3.0


def _numbers(ctx, key):
    return numbers(ctx, key, len(LEVELS), f"one per noise level {LEVELS}")


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
