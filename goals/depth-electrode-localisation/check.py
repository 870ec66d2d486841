"""Checks for depth-electrode-localisation.

Calibration: reference.py (np.random.seed 0 before each run; the deterministic network rests at a fixed point before
the pulse, so the seed does not matter) gave strongest contacts GPH1 (rHC pulse: the parahippocampal shaft's deepest
contact, with the hippocampal shaft H next) and GL5 (rV1 pulse: the lingual-gyrus shaft), focality 48.7 (rHC) and
93.6 (rV1). The strongest contacts are those of the largest analytic gain of each region, so they do not depend on
the analysis window. Labels are exact; each focality is accepted within ± 15 % ([41.4, 56.0] and [79.5, 107.6]) for
another baseline or window. Leaving the default observation noise on (std ~0.3 against responses ~1e-4) makes the
strongest contact a random one and the focality ~1; stimulating the left-hemisphere homologues gives primed
(left) shafts. The stimulated regions and the monitor are read from the simulation trace.
"""
from evaluators.tvb.checks import _no_run, sensor_monitor
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range

EXPECTED = {"strongest_contact_rhc": "GPH1", "strongest_contact_rv1": "GL5"}
FOCALITY = {"focality_rhc": (41.4, 56.0), "focality_rv1": (79.5, 107.6)}


def _runs(ctx):
    name = "pulses_recorded_by_depth_contacts"
    if (fail := _no_run(name, ctx)):
        return fail
    depth = sensor_monitor(name, ctx, "iEEG", 588)
    if not depth.passed:
        return depth
    targets = []
    for r in completed_runs(ctx.trace):
        stim = r.get("stimulus")
        has_depth = any(isinstance(m, dict) and m.get("class") == "iEEG" for m in r.get("monitors") or [])
        if isinstance(stim, dict) and has_depth:
            targets.append(tuple(str(x) for x in stim.get("labels") or []))
    missing = [lab for lab in ("rHC", "rV1") if (lab,) not in targets]
    if not missing:
        return CheckResult(name, True, "one depth-recorded run stimulated rHC alone and one rV1 alone")
    seen = "; ".join(", ".join(t) or "(no region weights)" for t in targets) or "no depth-recorded run had a stimulus"
    return CheckResult(name, False, f"expected one run recorded by the depth contacts with a pulse on rHC only and "
                                    f"one on rV1 only; missing {' and '.join(missing)}. Stimulated regions per run: "
                                    f"{seen} (find indices by label in the connectome's region labels)")


def _contacts(ctx):
    name = "strongest_contacts"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written")
    for key, want in EXPECTED.items():
        got = ctx.results.get(key)
        if got != want:
            return CheckResult(name, False, f"'{key}' = {got!r}, not the contact the reference finds; it must be a "
                                            "contact label of seeg_588.txt (in the monitor's channel order), the one "
                                            "with the largest evoked response, recorded without measurement noise")
    return CheckResult(name, True, "strongest contacts: rHC → GPH1, rV1 → GL5")


def _focality(ctx):
    name = "focality_in_range"
    for key, (low, high) in FOCALITY.items():
        result = in_range(name, ctx, key, low, high, unit="")
        if not result.passed:
            return CheckResult(name, False, result.message + " (largest evoked response divided by the median over "
                                                             "all 588 contacts, without measurement noise)")
    return CheckResult(name, True, "both focality ratios match the reference")


def check(ctx):
    return [_runs(ctx), _contacts(ctx), _focality(ctx)]
