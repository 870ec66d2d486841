import numpy as np

from skill_scripts.spectra import as_regions, band_power, peak_frequency, region_spectrum


def sine(freq_hz, seconds=3.0, period_ms=1.0, regions=3):
    t = np.arange(0.0, seconds * 1000.0, period_ms)
    x = np.sin(2 * np.pi * freq_hz * t / 1000.0)[:, None] * np.ones(regions)
    return t, x[:, None, :, None]  # (time, voi, region, mode), like sim.run()


def test_the_peak_of_a_10_hz_rhythm_is_found_within_the_resolution():
    t, y = sine(10.0)
    f, p = region_spectrum(t, y, period_ms=1.0, burn_ms=500.0)
    assert abs(peak_frequency(f, p, 2.0, 40.0) - 10.0) <= 1.0
    assert band_power(f, p, 8.0, 12.0) > 10 * band_power(f, p, 20.0, 30.0)


def test_every_layout_of_monitor_data_becomes_time_by_region():
    y = np.zeros((50, 2, 4, 1))
    assert as_regions(y).shape == (50, 4) and as_regions(y[:, 1] - y[:, 0]).shape == (50, 4)
    assert as_regions(np.zeros(50)).shape == (50, 1)


def test_too_short_a_run_or_an_empty_band_is_a_clear_error():
    t, y = sine(10.0, seconds=0.01)
    try:
        region_spectrum(t, y, period_ms=1.0)
        raise AssertionError("a 10-sample run should be refused")
    except ValueError as error:
        assert "simulate longer" in str(error)
    f, p = region_spectrum(*sine(10.0), period_ms=1.0)
    try:
        peak_frequency(f, p, 10.2, 10.4)
        raise AssertionError("a band between two frequency bins should be refused")
    except ValueError as error:
        assert "resolution" in str(error)
