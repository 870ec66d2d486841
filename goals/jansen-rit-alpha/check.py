"""Checks for jansen-rit-alpha.

Calibration: reference.py with numpy seeds 0-4 gave a peak of 10.742 Hz every time (the deterministic
network forgets its random initial state within the 500 ms transient). The accepted band is that value
plus or minus two Welch bins (fs / nperseg = 1000 / 1024 ≈ 0.98 Hz each), so a student using another
reasonable segment length or transient still passes, while a wrong variable or model does not.
Duration and model are read from the simulation trace, not from what the notebook claims.
"""
from evaluators.tvb.checks import simulated_at_least, used_model
from evolve.checks import in_range

PEAK_HZ = (8.7, 12.7)


def check(ctx):
    return [
        in_range("peak_in_alpha", ctx, "peak_frequency_hz", *PEAK_HZ, unit="Hz"),
        simulated_at_least("long_enough", ctx, 2000.0),
        used_model("used_jansen_rit", ctx, "JansenRit"),
    ]
