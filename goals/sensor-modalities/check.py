"""Checks for sensor-modalities.

Calibration: reference.py (np.random.seed 42) and the same script with seeds 0 and 1 gave identical values:
eeg/meg/seeg peaks 10.742 Hz, strongest contact PM1 (the deterministic network forgets its random start within the
500 ms transient). Each peak is accepted within ± 2 Welch bins (1000 / 1024 ≈ 0.98 Hz each): [8.7, 12.7] Hz, as in
jansen-rit-alpha, so another segment length still passes. Leaving the default observation noise on moves the MEG
peak to noise (378.9 Hz in the reference set-up: the default noise has variance dt per sample). Channel counts are
exact (65, 276, 588). The strongest contact is exact: PM1 in every seed (a label from the same file is a string).
Monitors and sensor counts are read from the simulation trace.
"""
from evaluators.tvb.checks import sensor_monitor
from evolve.checks import CheckResult, in_range, number

PEAK_HZ = (8.7, 12.7)
COUNTS = {"n_eeg_channels": 65, "n_meg_channels": 276, "n_seeg_channels": 588}
CONTACT = "PM1"


def _monitors(ctx):
    name = "three_sensor_monitors"
    for cls, n in (("EEG", 65), ("MEG", 276), ("iEEG", 588)):
        result = sensor_monitor(name, ctx, cls, n)
        if not result.passed:
            return result
    return CheckResult(name, True, "EEG (65), MEG (276) and iEEG (588) monitors were used")


def _counts(ctx):
    name = "channel_counts"
    for key, n in COUNTS.items():
        got = number(ctx, key)
        if got != n:
            return CheckResult(name, False, f"'{key}' = {got}, expected {n} (the channel axis is the third axis, "
                                            "index 2, of a monitor's data)")
    return CheckResult(name, True, "65 EEG, 276 MEG and 588 depth channels")


def _peaks(ctx):
    name = "alpha_in_every_modality"
    for key in ("eeg_peak_hz", "meg_peak_hz", "seeg_peak_hz"):
        result = in_range(name, ctx, key, *PEAK_HZ, unit="Hz")
        if not result.passed:
            return CheckResult(name, False, result.message + " (the network oscillates in alpha; a peak elsewhere "
                                                             "means the channel signal is not the projected y1 - y2 "
                                                             "or observation noise was left on: obsnoise=None)")
    return CheckResult(name, True, "every modality peaks in the alpha band")


def _contact(ctx):
    name = "strongest_contact"
    if ctx.results is None:
        return CheckResult(name, False, "no results.json was written")
    got = ctx.results.get("strongest_seeg_contact")
    if got == CONTACT:
        return CheckResult(name, True, f"the strongest alpha depth contact is {got}")
    return CheckResult(name, False, f"'strongest_seeg_contact' = {got!r}, not the contact the reference finds; take "
                                    "the depth monitor's projected y1 - y2, sum each channel's Welch power over "
                                    "8-12 Hz and report sensors.labels at the largest")


def check(ctx):
    return [_monitors(ctx), _counts(ctx), _peaks(ctx), _contact(ctx)]
