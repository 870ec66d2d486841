"""Checks for schizophrenia-ei-genotypes.

Calibration: reference.py with np.random.seed 0 (reference), 1 and 2 gave mean_e_aa 0.48064 (all three),
mean_e_ag 0.46026 (all three) and mean_e_gg 0.3757, 0.3760, 0.3765 (G/G is close to its bistable range
and converges slowly). With P = 0.5 each genotype has a single fixed point, so the values hardly depend on
the initial state. Tolerance ± 0.01 is about 10x the largest seed spread and half the smallest gap between
genotypes (0.020); without P (P = 0, bistable) or with c_ie changed instead of c_ei the values move far
outside it. The parameter sets and run lengths are read from the trace.
Reference wall time: 56-69 s under a load of ~5 on 2 cores (25-27 s CPU), so about 20 s alone.
"""
from evaluators.tvb.checks import _no_run
from evaluators.tvb.trace import completed_runs, fmt
from evolve.checks import CheckResult, number

REFERENCE = {"mean_e_aa": 0.4806, "mean_e_ag": 0.4603, "mean_e_gg": 0.376}
TOLERANCE = 0.01
MIN_STEP = 0.005
GENOTYPES = {"A/A": (12.0, 4.0), "A/G": (11.0, 5.0), "G/G": (10.0, 6.0)}
P_VALUE = 0.5
RUN_MS = 1500.0


def _wc_runs(ctx):
    return [r for r in completed_runs(ctx.trace) if (r.get("model") or {}).get("class") == "WilsonCowan"]


def _param(run, name):
    model = run.get("model") or {}
    value = (model.get("params") or {}).get(name, (model.get("defaults") or {}).get(name))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict) and value.get("min") == value.get("max") and isinstance(value.get("min"), (int, float)):
        return float(value["min"])
    return None


def _close(a, b):
    return a is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))


def activity_in_range(ctx):
    name = "activity_in_range"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    problems = []
    for key, ref in REFERENCE.items():
        value = number(ctx, key)
        if value is None:
            problems.append(f"'{key}' missing or not a number")
        elif abs(value - ref) > TOLERANCE:
            problems.append(f"'{key}' = {value:.4f}, expected {ref:.3f} ± {TOLERANCE}")
    if not problems:
        return CheckResult(name, True, "all three genotype means are within the calibrated tolerance")
    return CheckResult(name, False, "; ".join(problems) + " (mean of E over all regions after discarding the first 500 ms)")


def activity_ordered(ctx):
    name = "activity_ordered"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    aa, ag, gg = (number(ctx, k) for k in REFERENCE)
    if None in (aa, ag, gg):
        return CheckResult(name, False, f"results.json needs numbers under {', '.join(REFERENCE)}")
    if aa - ag >= MIN_STEP and ag - gg >= MIN_STEP:
        return CheckResult(name, True, f"mean E decreases A/A {aa:.4f} > A/G {ag:.4f} > G/G {gg:.4f}")
    return CheckResult(name, False, f"expected mean E to decrease from A/A to A/G to G/G by at least {MIN_STEP} each; "
                                    f"got A/A {aa:.4f}, A/G {ag:.4f}, G/G {gg:.4f}")


def genotype_parameters_in_trace(ctx):
    name = "genotype_parameters_in_trace"
    if (fail := _no_run(name, ctx)):
        return fail
    runs = _wc_runs(ctx)
    found = {g: any(_close(_param(r, "c_ee"), cee) and _close(_param(r, "c_ei"), cei) and _close(_param(r, "P"), P_VALUE)
                    for r in runs) for g, (cee, cei) in GENOTYPES.items()}
    if all(found.values()):
        return CheckResult(name, True, "WilsonCowan runs for all three genotype parameter sets (with P = 0.5)")
    seen = "; ".join(f"c_ee={fmt(_param(r, 'c_ee'))}, c_ei={fmt(_param(r, 'c_ei'))}, P={fmt(_param(r, 'P'))}"
                     for r in runs) or "no WilsonCowan run"
    missing = ", ".join(g for g, ok in found.items() if not ok)
    return CheckResult(name, False, f"missing WilsonCowan runs for {missing}: expected (c_ee, c_ei) = (12, 4), (11, 5), "
                                    f"(10, 6), each with P = np.array([0.5]); the trace shows {seen}")


def runs_long_enough(ctx):
    name = "runs_long_enough"
    if (fail := _no_run(name, ctx)):
        return fail
    lengths = [r.get("simulated_ms") for r in _wc_runs(ctx)]
    ok = [x for x in lengths if isinstance(x, (int, float)) and x >= RUN_MS * (1 - 1e-6)]
    if len(ok) >= 3:
        return CheckResult(name, True, f"{len(ok)} WilsonCowan runs of at least {RUN_MS:g} ms")
    return CheckResult(name, False, f"expected three WilsonCowan runs of at least {RUN_MS:g} ms; their simulated lengths were "
                                    f"{', '.join(str(x) for x in lengths) or 'none'} ms")


def check(ctx):
    return [activity_in_range(ctx), activity_ordered(ctx), genotype_parameters_in_trace(ctx), runs_long_enough(ctx)]
