"""Checks for alzheimers-abeta-excitability.

Calibration: the reference set-up with noise seeds 42 (the default, reference.py), 1, 2, 3, 4, 5 and 6 gave
peak_control_hz 10.0 and peak_abeta_hz 9.0 every time (1 Hz Welch bins), so peak_shift_hz = -1.0. In the
control network every region is a noise-driven damped ~10 Hz oscillator; with Abeta the hubs (a = 3.0) cross
into large-amplitude ~9 Hz oscillations that dominate the region-averaged spectrum. Accepted: control peak
within one bin of 10 Hz ([9, 11]), Abeta peak in [8, 9.5], and a shift of at least -0.5 Hz (one bin,
slowing). A sign error in a = a_base + k * Abeta or a single (homogeneous) value of a removes the hub
oscillators and fails. Runs, noise and the region-wise a are read from the trace (the hook keeps every value of an array,
including the hubs rCCP = 4 and rHC = 9, and its min and max); run length is the simulated time produced.
Reference wall time: 69-98 s under a load of ~5 on 2 cores (35-44 s CPU), so about 20-30 s alone.
"""
from evaluators.tvb.checks import _no_run
from evaluators.tvb.trace import completed_runs, fmt
from evolve.checks import CheckResult, in_range, number

CONTROL_HZ = (9.0, 11.0)
ABETA_HZ = (8.0, 9.5)
MAX_SHIFT_HZ = -0.5     # at least one 1 Hz Welch bin slower
RUN_MS = 5000.0
HUB_INDEX = {"rCCP": 4, "rHC": 9}    # hub indices in connectivity_76
NON_HUB_INDEX = {"rA1": 0}
HUB_A, NON_HUB_A, CONTROL_A = 3.0, -1.0, -2.0
TOL = 1e-3


def _g2d_noisy_runs(ctx):
    return [r for r in completed_runs(ctx.trace)
            if (r.get("model") or {}).get("class") == "Generic2dOscillator" and isinstance(r.get("noise"), dict)
            and isinstance(r.get("simulated_ms"), (int, float)) and r["simulated_ms"] >= RUN_MS * (1 - 1e-6)]


def _a_of(run):
    model = run.get("model") or {}
    return (model.get("params") or {}).get("a", (model.get("defaults") or {}).get("a"))


def _is_abeta_map(a):
    if not isinstance(a, dict) or a.get("shape") != [76]:
        return False
    values = a.get("values") or []
    if len(values) < 10:
        return False
    return (all(abs(values[i] - HUB_A) <= TOL for i in HUB_INDEX.values())
            and all(abs(values[i] - NON_HUB_A) <= TOL for i in NON_HUB_INDEX.values())
            and abs(a.get("max", 0) - HUB_A) <= TOL and abs(a.get("min", 0) - NON_HUB_A) <= TOL)


def _is_control(a):
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return abs(a - CONTROL_A) <= TOL
    return isinstance(a, dict) and abs(a.get("min", 0) - CONTROL_A) <= TOL and abs(a.get("max", 0) - CONTROL_A) <= TOL


def peaks_in_range(ctx):
    name = "peaks_in_range"
    control = in_range(name, ctx, "peak_control_hz", *CONTROL_HZ, unit="Hz")
    abeta = in_range(name, ctx, "peak_abeta_hz", *ABETA_HZ, unit="Hz")
    return CheckResult(name, control.passed and abeta.passed, f"{control.message}; {abeta.message}")


def eeg_slowing(ctx):
    name = "eeg_slowing"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written (write it with json.dump in the notebook)")
    shift = number(ctx, "peak_shift_hz")
    control, abeta = number(ctx, "peak_control_hz"), number(ctx, "peak_abeta_hz")
    if shift is None or control is None or abeta is None:
        return CheckResult(name, False, "results.json needs numbers under 'peak_shift_hz', 'peak_control_hz' and 'peak_abeta_hz'")
    if abs(shift - (abeta - control)) > 1e-6:
        return CheckResult(name, False, f"peak_shift_hz = {shift:g} Hz but peak_abeta_hz - peak_control_hz = {abeta - control:g} Hz")
    if shift <= MAX_SHIFT_HZ:
        return CheckResult(name, True, f"the Abeta network peaks {abs(shift):g} Hz lower than the control (slowing)")
    return CheckResult(name, False, f"expected slowing (peak_shift_hz ≤ {MAX_SHIFT_HZ:g} Hz); got {shift:g} Hz. Raise `a` "
                                    f"with Abeta (a = -2.0 + 5.0 * Abeta) in a per-region array, with noise in both runs")


def abeta_on_hub_regions(ctx):
    name = "abeta_on_hub_regions"
    if (fail := _no_run(name, ctx)):
        return fail
    g2d = [r for r in completed_runs(ctx.trace) if (r.get("model") or {}).get("class") == "Generic2dOscillator"]
    if any(_is_abeta_map(_a_of(r)) for r in g2d):
        return CheckResult(name, True, "a Generic2dOscillator run had a = 3.0 in the hubs (rCCP, rHC) and -1.0 elsewhere")
    seen = ", ".join(fmt(_a_of(r)) for r in g2d) or "no Generic2dOscillator run"
    return CheckResult(name, False, f"expected a Generic2dOscillator run with a per-region array a of length 76: 3.0 in the "
                                    f"hub regions (e.g. rCCP index 4, rHC index 9) and -1.0 in non-hub regions (e.g. rA1 "
                                    f"index 0); the runs used a = {seen}")


def two_conditions_in_trace(ctx):
    name = "two_conditions_in_trace"
    if (fail := _no_run(name, ctx)):
        return fail
    runs = _g2d_noisy_runs(ctx)
    has_control = any(_is_control(_a_of(r)) for r in runs)
    has_abeta = any(_is_abeta_map(_a_of(r)) for r in runs)
    if has_control and has_abeta:
        return CheckResult(name, True, "stochastic runs of ≥ 5000 ms for the control (a = -2) and the Abeta map")
    missing = [label for label, ok in (("control (a = -2.0 everywhere)", has_control),
                                       ("heterogeneous Abeta (region-wise a)", has_abeta)) if not ok]
    return CheckResult(name, False, f"expected stochastic Generic2dOscillator runs of at least {RUN_MS:g} ms with noise for "
                                    f"both conditions; missing: {'; '.join(missing)} (found {len(runs)} such run(s))")


def check(ctx):
    return [peaks_in_range(ctx), eeg_slowing(ctx), abeta_on_hub_regions(ctx), two_conditions_in_trace(ctx)]
