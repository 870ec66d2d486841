"""Checks for bold-monitor.

Calibration: reference.py with noise_seed 42, 1, 2, 3, 4 gave n_bold_volumes = 10 and first_volume_ms = 2000
every time, and bold_std = 0.0325, 0.0337, 0.0344, 0.0348, 0.0335 (spread 0.0325-0.0348). The accepted band
[0.025, 0.045] is that spread plus about 25 % either side, so dropping two start-up volumes instead of one
(0.0308-0.0326) or another noise seed still passes, while keeping the start-up volume (0.060-0.063), a
deterministic run (about 0) or the temporal-average data in place of BOLD do not.
Volume count and timing are exact: Bold(period=2000) over 20000 ms gives volumes at 2000, 4000, ..., 20000 ms.
The monitor and the duration are read from the simulation trace, not from what the notebook claims.
"""
from evaluators.tvb.checks import monitor_present, simulated_at_least
from evolve.checks import CheckResult, in_range, number

BOLD_STD = (0.025, 0.045)


def _volumes(ctx):
    name = "volumes_and_timing"
    for key, low, high, unit in (("n_bold_volumes", 10, 10, "volumes"), ("first_volume_ms", 1999.999, 2000.001, "ms")):
        result = in_range(name, ctx, key, low, high, unit)
        if not result.passed:
            return CheckResult(name, False, result.message + " (a Bold monitor with a 2000 ms period over 20000 ms gives "
                                                             "10 volumes, the first at 2000 ms; take them from the Bold "
                                                             "monitor's (times, data) pair, the second one returned)")
    return CheckResult(name, True, f"{number(ctx, 'n_bold_volumes'):g} BOLD volumes, the first at "
                                   f"{number(ctx, 'first_volume_ms'):g} ms")


def _bold_std(ctx):
    name = "bold_std_in_range"
    result = in_range(name, ctx, "bold_std", *BOLD_STD, unit="model units")
    if result.passed:
        return result
    return CheckResult(name, False, result.message + " (drop the first BOLD volume, take each region's standard "
                                                     "deviation over the remaining volumes, average over regions; "
                                                     "the run must be stochastic with nsig = 0.001)")


def check(ctx):
    return [
        monitor_present("bold_monitor_used", ctx, "Bold", 2000.0),
        simulated_at_least("long_enough", ctx, 20000.0),
        _volumes(ctx),
        _bold_std(ctx),
    ]
