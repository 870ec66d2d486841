"""Checks for resting-rhythm (abstract tier: any model that answers the question may pass).

Calibration: reference.py (Jansen-Rit columns, SigmoidalJansenRit a = 10, dt 0.1, 2000 ms, Welch 1024 samples
after 500 ms) with np.random.seed 42, 5 and 6 gave 10.742 Hz every time (goals/jansen-rit-alpha found the same for
seeds 0-4: the deterministic network forgets its random start within the transient). With 512-sample segments
the peak is 9.766 Hz. Accepted band: 10.742 Hz ± two 1 Hz bins, [8.7, 12.7] Hz, i.e. the alpha band; another
column model that produces alpha passes, a model at a fixed point (0 Hz), the first state variable alone
(6.84 Hz), or keeping the start-up transient (0 Hz) does not. 256-sample segments (3.9 Hz bins) give 7.81 Hz,
which is why GOAL.md asks for about 1 Hz resolution.
The model is not checked (the question does not name one); length and network size come from the trace.
"""
from evaluators.tvb.checks import no_nan, simulated_at_least
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range

PEAK_HZ = (8.7, 12.7)
MIN_REGIONS = 60


def _whole_brain(ctx):
    name = "whole_brain"
    done = completed_runs(ctx.trace)
    if not done:
        return CheckResult(name, False, "no simulation ran to completion (no sim.run() finished)")
    sizes = [(r.get("connectivity") or {}).get("number_of_regions") for r in done]
    sizes = [s for s in sizes if isinstance(s, int)]
    best = max(sizes, default=0)
    if best >= MIN_REGIONS:
        return CheckResult(name, True, f"a run simulated a {best}-region connectome")
    return CheckResult(name, False, f"expected a whole-brain run on the 76-region connectome (at least {MIN_REGIONS} "
                                    f"regions); the largest run had {best} regions")


def check(ctx):
    return [
        in_range("rhythm_in_alpha", ctx, "dominant_frequency_hz", *PEAK_HZ, unit="Hz"),
        simulated_at_least("long_enough", ctx, 2000.0),
        _whole_brain(ctx),
        no_nan("finite_output", ctx),
    ]
