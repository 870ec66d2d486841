"""Checks for rtms-depression.

Calibration (reference.py with noise_seed 42, 1, 2):
  mean_e_healthy         0.500, 0.497, 0.501    -> accepted ≥ 0.40
  mean_e_depressed       0.000, -0.008, 0.002   -> accepted ≤ 0.08
  mean_e_depressed_rtms  0.159, 0.152, 0.161    (rise over depressed 0.159, 0.159, 0.159)
                                                -> rise accepted in [0.10, 0.22] (observed ± ~0.06) and below healthy
Exploration: pulse amplitude 0.5 instead of 1 gave a rise of ~0.08, 0.3 gave ~0.05, so the range pins the
requested protocol; a 1 Hz train (T = 1000 ms) delivers a tenth of the pulses; a stimulus on another region
leaves lPFCDL at the depressed level. The stimulus and the region-wise drive are read from the trace.
"""
from evaluators.tvb.checks import pulse_train_on, used_model
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, number

HEALTHY_MIN = 0.40
DEPRESSED_MAX = 0.08
RTMS_GAIN = (0.10, 0.22)     # mean_e_depressed_rtms - mean_e_depressed
THESIS = {"c_ee": 14.05, "c_ei": 12.44, "c_ie": 16.76, "c_ii": 2.0, "tau_e": 16.07, "tau_i": 33.71}


def _values(ctx):
    keys = ("mean_e_healthy", "mean_e_depressed", "mean_e_depressed_rtms")
    vals = [number(ctx, k) for k in keys]
    return None if any(v is None for v in vals) else vals


def _missing(name):
    return CheckResult(name, False, "results.json needs finite numbers 'mean_e_healthy', 'mean_e_depressed' and "
                                    "'mean_e_depressed_rtms'")


def _depression(ctx):
    name = "depression_silences_dlpfc"
    vals = _values(ctx)
    if vals is None:
        return _missing(name)
    healthy, depressed, _ = vals
    if healthy < HEALTHY_MIN:
        return CheckResult(name, False, f"'mean_e_healthy' = {healthy:g}; with P = 2.22 everywhere lPFCDL should be "
                                        f"active (≥ {HEALTHY_MIN:g}); check the thesis parameters and the region index")
    if depressed > DEPRESSED_MAX:
        return CheckResult(name, False, f"'mean_e_depressed' = {depressed:g}; with P = -2.0 at lPFCDL its activity "
                                        f"should collapse (≤ {DEPRESSED_MAX:g}); set P region-wise at lPFCDL's index")
    return CheckResult(name, True, f"mean E of lPFCDL: healthy {healthy:g}, depressed {depressed:g}")


def _rtms(ctx):
    name = "rtms_partially_restores"
    vals = _values(ctx)
    if vals is None:
        return _missing(name)
    healthy, depressed, rtms = vals
    gain = rtms - depressed
    if not RTMS_GAIN[0] <= gain <= RTMS_GAIN[1]:
        return CheckResult(name, False, f"rTMS raised mean E of lPFCDL by {gain:g} (from {depressed:g} to {rtms:g}); "
                                        f"expected a rise of {RTMS_GAIN[0]:g} to {RTMS_GAIN[1]:g} from 1 ms pulses "
                                        "of amplitude 1 every 100 ms on lPFCDL from 500 ms on")
    if rtms >= healthy:
        return CheckResult(name, False, f"'mean_e_depressed_rtms' = {rtms:g} reaches the healthy {healthy:g}; the "
                                        "reference restores only part of the activity")
    return CheckResult(name, True, f"rTMS raised mean E from {depressed:g} to {rtms:g} (healthy {healthy:g})")


def _stimulus(ctx):
    return pulse_train_on("stimulus_on_lpfcdl_at_10hz", ctx, "lPFCDL", period_ms=100.0)


def _drive(ctx):
    name = "focal_drive_in_trace"
    model = used_model(name, ctx, "WilsonCowan")
    if not model.passed:
        return model
    runs = [r for r in completed_runs(ctx.trace) if (r.get("model") or {}).get("class") == "WilsonCowan"]
    for r in runs:
        params = r["model"].get("params") or {}
        thesis = all(isinstance(params.get(k), (int, float)) and abs(params[k] - v) < 1e-6 for k, v in THESIS.items())
        p = params.get("P")
        if thesis and isinstance(p, dict) and p.get("shape") == [76] and abs(float(p.get("min", 0)) + 2.0) < 1e-6 \
                and abs(float(p.get("max", 0)) - 2.22) < 1e-6:
            return CheckResult(name, True, "a WilsonCowan run with the thesis parameters and P = -2.0 at one region")
    return CheckResult(name, False, "expected a WilsonCowan run with c_ee=14.05, c_ei=12.44, c_ie=16.76, c_ii=2.0, "
                                    "tau_e=16.07, tau_i=33.71 and P a (76,) array equal to 2.22 except -2.0 at "
                                    "lPFCDL; no run matched")


def check(ctx):
    return [_depression(ctx), _rtms(ctx), _stimulus(ctx), _drive(ctx)]
