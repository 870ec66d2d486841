"""Checks for parameter-space-exploration.

Calibration (reference.py with noise_seed 42, 1, 2), mean FC per grid point [nsig 1e-4, nsig 1e-3]:
  G=0.05: [0.002, 0.002] [0.005, 0.005] [0.002, 0.002]
  G=0.1:  [0.041, 0.015] [0.035, 0.020] [0.033, 0.012]
  G=0.2:  [0.832, 0.798] [0.829, 0.786] [0.830, 0.788]
  G=0.3:  [0.049, 0.027] [0.060, 0.027] [0.078, 0.042]
Accepted: couplings 0.05 and 0.1 ≤ 0.2, coupling 0.2 in [0.6, 0.95], coupling 0.3 ≤ 0.35, best_coupling = 0.2.
The gap between the synchronised point (0.2) and the others is > 0.7, so these ranges (observed spread plus a
margin of 0.1-0.25) only fail a wrong sweep (wrong axis order, wrong variable, no fresh simulator, no noise...).
best_noise is not checked against the reference (only for consistency with the reported grid): at G = 0.2 the
two noise levels differ by only ~0.03.
"""
import math

from evaluators.tvb.checks import used_model
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, number

COUPLINGS = [0.05, 0.1, 0.2, 0.3]
NOISES = [0.0001, 0.001]
LOW_MAX = 0.2          # rows 0.05 and 0.1
SYNC = (0.6, 0.95)     # row 0.2
HIGH_MAX = 0.35        # row 0.3


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _grid(ctx):
    grid = (ctx.results or {}).get("mean_fc_grid")
    if not (isinstance(grid, list) and len(grid) == 4 and all(isinstance(r, list) and len(r) == 2 for r in grid)
            and all(_num(v) for r in grid for v in r)):
        return None
    return [[float(v) for v in r] for r in grid]


def _same(values, expected):
    return isinstance(values, list) and len(values) == len(expected) and all(
        _num(v) and abs(v - e) <= 1e-9 + 1e-6 * abs(e) for v, e in zip(values, expected, strict=False))


def _reported(ctx):
    name = "grid_reported"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    if _grid(ctx) is None:
        return CheckResult(name, False, f"'mean_fc_grid' must be a nested list of 4 rows (one per coupling) of 2 "
                                        f"numbers (one per noise level); got {str(ctx.results.get('mean_fc_grid'))[:200]}")
    if not _same(ctx.results.get("coupling_values"), COUPLINGS) or not _same(ctx.results.get("noise_values"), NOISES):
        return CheckResult(name, False, f"expected 'coupling_values' = {COUPLINGS} and 'noise_values' = {NOISES}; got "
                                        f"{ctx.results.get('coupling_values')} and {ctx.results.get('noise_values')}")
    return CheckResult(name, True, "a 4 x 2 grid with the requested axes")


def _argmax(ctx):
    name = "best_is_argmax"
    grid = _grid(ctx)
    bc, bn, bf = number(ctx, "best_coupling"), number(ctx, "best_noise"), number(ctx, "best_mean_fc")
    if grid is None or None in (bc, bn, bf):
        return CheckResult(name, False, "needs a 4 x 2 'mean_fc_grid' and numbers 'best_coupling', 'best_noise', "
                                        "'best_mean_fc'")
    i, j = max(((i, j) for i in range(4) for j in range(2)), key=lambda ij: grid[ij[0]][ij[1]])
    if abs(bc - COUPLINGS[i]) > 1e-9 or abs(bn - NOISES[j]) > 1e-12 or abs(bf - grid[i][j]) > 1e-6:
        return CheckResult(name, False, f"the largest value of your grid is {grid[i][j]:g} at coupling {COUPLINGS[i]:g}, "
                                        f"nsig {NOISES[j]:g}, but you reported best_coupling={bc:g}, best_noise={bn:g}, "
                                        f"best_mean_fc={bf:g}")
    return CheckResult(name, True, f"best point coupling {bc:g}, nsig {bn:g}, mean FC {bf:g}")


def _science(ctx):
    name = "fc_peaks_at_intermediate_coupling"
    grid = _grid(ctx)
    if grid is None:
        return CheckResult(name, False, "needs a 4 x 2 'mean_fc_grid'")
    rows = ", ".join(f"G={g:g}: [{r[0]:.3f}, {r[1]:.3f}]" for g, r in zip(COUPLINGS, grid, strict=False))
    ok = (all(v <= LOW_MAX for v in grid[0] + grid[1]) and all(SYNC[0] <= v <= SYNC[1] for v in grid[2])
          and all(v <= HIGH_MAX for v in grid[3]))
    if not ok:
        return CheckResult(name, False, f"your grid ({rows}) differs from the reference: mean FC ≤ {LOW_MAX:g} at "
                                        f"couplings 0.05 and 0.1, {SYNC[0]:g}-{SYNC[1]:g} at 0.2 and ≤ {HIGH_MAX:g} at 0.3 "
                                        "(V after discarding 500 ms, upper triangle of np.corrcoef)")
    return CheckResult(name, True, f"mean FC peaks at coupling 0.2 ({rows})")


def _trace(ctx):
    name = "swept_in_trace"
    model = used_model(name, ctx, "Generic2dOscillator")
    if not model.passed:
        return model
    pairs = set()
    for r in completed_runs(ctx.trace):
        if (r.get("model") or {}).get("class") != "Generic2dOscillator":
            continue
        length = r.get("simulated_ms")
        a = ((r.get("coupling") or {}).get("params") or {}).get("a")
        nsig = (r.get("noise") or {}).get("nsig")
        if not (_num(length) and length >= 2000.0 - 1e-6 and _num(a) and _num(nsig)):
            continue
        for g in COUPLINGS:
            for d in NOISES:
                if abs(a - g) <= 1e-6 * g and abs(nsig - d) <= 1e-6 * d:
                    pairs.add((g, d))
    if len(pairs) == 8:
        return CheckResult(name, True, "all 8 (coupling, nsig) grid points were simulated for ≥ 2000 ms")
    missing = [(g, d) for g in COUPLINGS for d in NOISES if (g, d) not in pairs]
    return CheckResult(name, False, f"expected one stochastic run of ≥ 2000 ms per grid point; missing (coupling, "
                                    f"nsig): {missing} (use coupling.Linear(a=np.array([G])) and "
                                    "noise.Additive(nsig=np.array([D])))")


def check(ctx):
    return [_reported(ctx), _argmax(ctx), _science(ctx), _trace(ctx)]
