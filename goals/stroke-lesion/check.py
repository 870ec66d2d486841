"""Checks for stroke-lesion.

Calibration (reference.py with noise_seed 42, 1, 2; same seed for both conditions):
  homotopic_fc_intact    0.981, 0.989, 0.980   -> accepted >= 0.6
  homotopic_fc_lesioned -0.008, -0.052, 0.008  -> accepted [-0.25, 0.25] (a decoupled region's FC is noise around 0)
  rm1_fc_intact          0.893, 0.896, 0.897   -> accepted [0.75, 0.97] (spread 0.004, margin ~0.1 for other
                                                  reasonable burn-ins / FC code)
  rm1_fc_change         -0.007, -0.006, -0.013 -> accepted [-0.045, 0.02] (margin 0.03; lesioning rM1 instead
                                                  of lM1 drops it to ~-0.9)
The trace check verifies speed, dt, length and model instead of trusting the notebook.
"""
from evaluators.tvb.checks import used_model
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, number

HOMOTOPIC_INTACT_MIN = 0.6
HOMOTOPIC_LESIONED = (-0.25, 0.25)
RM1_INTACT = (0.75, 0.97)
RM1_CHANGE = (-0.045, 0.02)


def _homotopic(ctx):
    name = "homotopic_fc_lost"
    intact, lesioned = number(ctx, "homotopic_fc_intact"), number(ctx, "homotopic_fc_lesioned")
    if intact is None or lesioned is None:
        return CheckResult(name, False, "results.json needs finite numbers 'homotopic_fc_intact' and "
                                        "'homotopic_fc_lesioned' (FC between lM1 and rM1)")
    if intact < HOMOTOPIC_INTACT_MIN:
        return CheckResult(name, False, f"'homotopic_fc_intact' = {intact:g}; in the intact brain lM1 and rM1 should "
                                        f"be strongly correlated (≥ {HOMOTOPIC_INTACT_MIN:g}); check coupling 0.2, "
                                        "speed 4 and that the intact run used the unlesioned connectome")
    if not HOMOTOPIC_LESIONED[0] <= lesioned <= HOMOTOPIC_LESIONED[1]:
        return CheckResult(name, False, f"'homotopic_fc_lesioned' = {lesioned:g}; once every connection of lM1 is "
                                        f"removed, lM1 should be uncorrelated with rM1 (expected {HOMOTOPIC_LESIONED}); "
                                        "zero the row and the column of lM1 (index from conn.region_labels)")
    return CheckResult(name, True, f"lM1-rM1 FC {intact:g} intact, {lesioned:g} after the lesion")


def _rm1(ctx):
    name = "rm1_network_fc"
    intact, change = number(ctx, "rm1_fc_intact"), number(ctx, "rm1_fc_change")
    lesioned = number(ctx, "rm1_fc_lesioned")
    if None in (intact, change, lesioned):
        return CheckResult(name, False, "results.json needs finite numbers 'rm1_fc_intact', 'rm1_fc_lesioned' and "
                                        "'rm1_fc_change'")
    if abs(change - (lesioned - intact)) > 1e-6:
        return CheckResult(name, False, f"'rm1_fc_change' = {change:g} but rm1_fc_lesioned - rm1_fc_intact = "
                                        f"{lesioned - intact:g}")
    if not RM1_INTACT[0] <= intact <= RM1_INTACT[1]:
        return CheckResult(name, False, f"'rm1_fc_intact' = {intact:g}; expected {RM1_INTACT} (mean FC of rM1 with "
                                        "the 74 regions other than lM1 and rM1)")
    if not RM1_CHANGE[0] <= change <= RM1_CHANGE[1]:
        return CheckResult(name, False, f"'rm1_fc_change' = {change:g}; in the reference rM1 stays about as "
                                        f"correlated with the rest of the brain after the lesion (expected {RM1_CHANGE})")
    return CheckResult(name, True, f"rM1 network FC {intact:g} -> {lesioned:g} (change {change:g})")


def _trace(ctx):
    name = "lesioned_pair_in_trace"
    model = used_model(name, ctx, "Generic2dOscillator")
    if not model.passed:
        return model
    good, speeds = 0, set()
    for r in completed_runs(ctx.trace):
        integ, conn = r.get("integrator") or {}, r.get("connectivity") or {}
        speed, length, dt = conn.get("speed"), r.get("simulated_ms"), integ.get("dt")
        speeds.add(str(speed))
        if ((r.get("model") or {}).get("class") == "Generic2dOscillator" and integ.get("stochastic")
                and isinstance(dt, (int, float)) and abs(dt - 0.1) < 1e-6
                and isinstance(length, (int, float)) and length >= 4000.0 - 1e-6
                and isinstance(speed, (int, float)) and abs(speed - 4.0) < 1e-6):
            good += 1
    if good >= 2:
        return CheckResult(name, True, f"{good} stochastic Generic2dOscillator runs of ≥ 4000 ms at dt 0.1, speed 4")
    return CheckResult(name, False, f"expected two stochastic Generic2dOscillator runs (intact and lesioned) of ≥ 4000 ms "
                                    f"with HeunStochastic(dt=0.1) and conn.speed = np.array([4.0]); found {good} "
                                    f"(connection speeds seen: {', '.join(sorted(speeds))})")


def check(ctx):
    return [_homotopic(ctx), _rm1(ctx), _trace(ctx)]
