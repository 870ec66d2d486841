"""Checks for conduction-delay (abstract tier: any model with a resting steady state may pass).

Calibration: the rV1-rV2 tract in connectivity_76 is 29.4 mm, so the direct conduction delay is 9.81 ms at
3 mm/ms and 2.94 ms at 10 mm/ms (difference 6.87 ms). reference.py (Generic2dOscillator defaults, Linear
a = 0.0154, 5 ms pulse of amplitude 1 at 1000 ms, dt 0.1) gave latency_slow 12.65, latency_fast 5.75, difference
6.90 ms, identical for np.random.seed 42 and 1 (the network sits at its fixed point before the pulse).
Variants: thresholds of 5% / 20% gave slow 11.9 / 13.8 and fast 5.0 / 6.9 (difference 6.9 both); a 1 ms pulse
of amplitude 5 with a = 0.005 gave difference 7.0; a 20 ms pulse with a = 0.03 after 500 ms gave 6.7-6.8.
Accepted: difference [5.0, 9.0] ms (±2 ms around the tract-set 6.9 ms, room for another model's rise time);
slow latency [9.0, 40] ms and fast [2.5, 35] ms (no signal can beat the conduction delay, minus ~0.5-0.8 ms for
sampling and threshold choices; the upper bounds leave room for slower-rising models).
Measuring at rV1 instead of rV2 gives ~0.6 ms for both; setting Simulator(conduction_speed=...) instead of the
connectome's velocity leaves both runs at 3 mm/ms (equal latencies, and the trace shows one velocity).
"""
from evaluators.tvb.checks import stimulated_regions
from evaluators.tvb.trace import completed_runs
from evolve.checks import CheckResult, in_range, number

DIFF_MS = (5.0, 9.0)
SLOW_MS = (9.0, 40.0)
FAST_MS = (2.5, 35.0)
VELOCITIES = (3.0, 10.0)


def _later(ctx):
    slow, fast = number(ctx, "latency_slow_ms"), number(ctx, "latency_fast_ms")
    if slow is None or fast is None:
        return CheckResult("slower_arrives_later", False,
                           "results.json needs finite numbers 'latency_slow_ms' and 'latency_fast_ms'")
    ok = slow > fast
    return CheckResult("slower_arrives_later", ok,
                       f"latency_slow_ms = {slow:g} ms {'>' if ok else '≤'} latency_fast_ms = {fast:g} ms"
                       + ("" if ok else " (slower conduction must delay the arrival at rV2: set the velocity on "
                                        "the connectome itself, before building the model, for each run)"))


def _plausible(ctx):
    slow = in_range("latencies_plausible", ctx, "latency_slow_ms", *SLOW_MS, unit="ms")
    fast = in_range("latencies_plausible", ctx, "latency_fast_ms", *FAST_MS, unit="ms")
    if slow.passed and fast.passed:
        return CheckResult("latencies_plausible", True, f"{slow.message}; {fast.message}")
    bad = "; ".join(r.message for r in (slow, fast) if not r.passed)
    return CheckResult("latencies_plausible", False, bad + " (the rV1-rV2 conduction delay alone is 9.8 ms at "
                                                          "3 mm/ms and 2.9 ms at 10 mm/ms; measure at rV2)")


def _velocities(ctx):
    name = "velocities_differ"
    done = completed_runs(ctx.trace)
    if not done:
        return CheckResult(name, False, "no simulation ran to completion (no sim.run() finished)")
    speeds = []
    for r in done:
        if not isinstance(r.get("stimulus"), dict):
            continue
        speed = (r.get("connectivity") or {}).get("speed")
        if isinstance(speed, (int, float)):
            speeds.append(float(speed))
    missing = [v for v in VELOCITIES if not any(abs(s - v) <= 1e-6 * v for s in speeds)]
    shown = ", ".join(f"{s:g}" for s in sorted(set(speeds))) or "none recorded"
    if not missing:
        return CheckResult(name, True, f"stimulated runs used conduction velocities {shown} mm/ms")
    return CheckResult(name, False, f"expected stimulated runs at 3 and 10 mm/ms; the connectome velocities in the "
                                    f"stimulated runs were: {shown} (the velocity must be set on the connectome "
                                    f"that is simulated, then the connectome configured)")


def check(ctx):
    return [
        _later(ctx),
        in_range("delay_difference", ctx, "latency_difference_ms", *DIFF_MS, unit="ms"),
        _plausible(ctx),
        stimulated_regions("pulse_into_rv1", ctx, "rV1"),
        _velocities(ctx),
    ]
