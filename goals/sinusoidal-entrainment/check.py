"""Checks for sinusoidal-entrainment.

Calibration: reference.py (np.random.seed 42 before each configure) gave rV1 amplitudes 0.431, 1.339, 1.012, 0.682,
0.495 at 4, 8, 12, 16, 20 Hz, rV2 amplitudes 0.0032, 0.0220, 0.0193, 0.0087, 0.0046, resonance at 8 Hz and a
transfer ratio of 0.01644; the same script with np.random.seed(7) gave the same values to 3 digits (the
deterministic network forgets its random start in the 500 ms discarded; `evolve goals spread` cannot vary it, as
the reference seeds numpy itself). A finer sweep put the peak between 8 and 10 Hz (8 Hz: 1.339,
10 Hz: 1.239). Each rV1 amplitude is accepted within ± 15 % of the reference, the transfer ratio within ± 20 %
([0.0132, 0.0197]): room for another analysis window or a sine fit in place of the Fourier amplitude, while a
frequency given in Hz instead of cycles per ms (an 8 kHz drive, aliased at dt 0.1) or a stimulus on another
region gives amplitudes far outside. The stimuli are read from the simulation trace.
"""
from evaluators.tvb.checks import stimulus_equation
from evolve.checks import CheckResult, number

FREQS_KHZ = (0.004, 0.008, 0.012, 0.016, 0.020)
RV1 = (0.4314, 1.3391, 1.0119, 0.6816, 0.4954)
AMP_TOL = 0.15
RATIO = (0.0132, 0.0197)


def _sinusoids(ctx):
    name = "sinusoids_on_rv1"
    for f in FREQS_KHZ:
        result = stimulus_equation(name, ctx, "rV1", "Sinusoid", {"frequency": f})
        if not result.passed:
            return CheckResult(name, False, result.message + f" (missing a run at {f * 1000:g} Hz: frequency = "
                                                             f"{f:g} cycles per ms)")
    return CheckResult(name, True, "Sinusoid stimuli on rV1 at 4, 8, 12, 16 and 20 Hz were simulated")


def _list(ctx, key):
    value = (ctx.results or {}).get(key)
    if isinstance(value, list) and len(value) == 5 and all(isinstance(v, (int, float)) for v in value):
        return [float(v) for v in value]
    return None


def _resonance(ctx):
    name = "resonance"
    got = number(ctx, "resonant_frequency_hz")
    if got is not None and abs(got - 8.0) < 1e-6:
        return CheckResult(name, True, "rV1 responds most to the 8 Hz drive")
    return CheckResult(name, False, f"'resonant_frequency_hz' = {got}, not the drive frequency with the largest "
                                    "rV1 response in the reference; check the stimulus frequency units (cycles per ms)")


def _amplitudes(ctx):
    name = "rv1_amplitudes_in_range"
    got = _list(ctx, "rv1_amplitude")
    if got is None:
        return CheckResult(name, False, "'rv1_amplitude' must be a list of 5 numbers (4, 8, 12, 16, 20 Hz)")
    for f, g, ref in zip((4, 8, 12, 16, 20), got, RV1, strict=True):
        if abs(g - ref) > AMP_TOL * ref:
            return CheckResult(name, False, f"rV1 amplitude at {f} Hz = {g:g}, outside the range the reference "
                                            "produces (Fourier amplitude 2·|mean(v·exp(-2πi f t))| of rV1's V over "
                                            "the last 1000 ms, mean removed)")
    return CheckResult(name, True, "the five rV1 amplitudes match the reference")


def _ratio(ctx):
    name = "transfer_ratio_in_range"
    got = number(ctx, "transfer_ratio_at_resonance")
    if got is not None and RATIO[0] <= got <= RATIO[1]:
        return CheckResult(name, True, f"transfer ratio {got:g}")
    return CheckResult(name, False, f"'transfer_ratio_at_resonance' = {got}, outside the range the reference "
                                    "produces (rV2 amplitude / rV1 amplitude at the resonant frequency)")


def check(ctx):
    return [_sinusoids(ctx), _resonance(ctx), _amplitudes(ctx), _ratio(ctx)]
