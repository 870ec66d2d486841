"""Checks for noise-reliability.

Calibration: reference.py run with four noise-seed triplets (1,2,3 = the reference; 4,5,6; 7,8,9; 10,11,12)
gave fc_reliability 0.504, 0.346, 0.446, 0.431 (mean 0.43, sd 0.07) and mean_fc 0.0386, 0.0308, 0.0327,
0.0359 (mean 0.035, sd 0.004). Accepted ranges are about mean ± 3 sd: [0.2, 0.65] and [0.018, 0.055]. The
reliability of FC from 9 s of data is genuinely moderate, so triplet-to-triplet spread is large; a run with
one noise seed for all three realisations gives exactly 1.0 and fails, as does a diverging (too strongly
coupled) network. The number of runs, their noise seeds and their lengths are read from the simulation
trace (the hook records noise_seed), not from what the notebook reports.
Reference wall time: 37-51 s under a load of ~5 on 2 cores (17-21 s CPU), so about 20 s alone.
"""
from evaluators.tvb.checks import _no_run
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range

RELIABILITY = (0.2, 0.65)
MEAN_FC = (0.018, 0.055)
RUN_MS = 10000.0


def _stochastic_runs(ctx):
    return [r for r in completed_runs(ctx.trace) if isinstance(r.get("noise"), dict)]


def three_noise_seeds(ctx):
    name = "three_noise_seeds"
    if (fail := _no_run(name, ctx)):
        return fail
    runs = _stochastic_runs(ctx)
    seeds = {r["noise"].get("noise_seed") for r in runs}
    if len(runs) >= 3 and len(seeds) >= 3:
        return CheckResult(name, True, f"{len(runs)} stochastic runs with noise seeds {sorted(seeds, key=str)}")
    if len(runs) < 3:
        return CheckResult(name, False, f"expected three stochastic runs (a stochastic integrator with additive noise); "
                                        f"the trace shows {len(runs)} run(s) with noise")
    return CheckResult(name, False, f"expected three runs with different noise seeds (e.g. noise_seed 1, 2, 3 on the "
                                    f"noise object); the runs used seeds {sorted(seeds, key=str)}, so their noise was identical")


def runs_long_enough(ctx):
    name = "runs_long_enough"
    if (fail := _no_run(name, ctx)):
        return fail
    lengths = [r.get("simulated_ms") for r in completed_runs(ctx.trace)]
    long_runs = [x for x in lengths if isinstance(x, (int, float)) and x >= RUN_MS * (1 - 1e-6)]
    if len(long_runs) >= 3:
        return CheckResult(name, True, f"{len(long_runs)} runs of at least {RUN_MS:g} ms")
    return CheckResult(name, False, f"expected three runs of at least {RUN_MS:g} ms each; the simulated lengths were "
                                    f"{', '.join(str(x) for x in lengths)} ms")


def check(ctx):
    return [
        in_range("reliability_in_range", ctx, "fc_reliability", *RELIABILITY, unit=""),
        in_range("mean_fc_in_range", ctx, "mean_fc", *MEAN_FC, unit=""),
        three_noise_seeds(ctx),
        runs_long_enough(ctx),
    ]
