"""Welch power spectra of a simulation's monitor output: the region-averaged spectrum, its peak, band power."""
import numpy as np
from scipy import signal


def as_regions(data, voi=0):
    """(time, region) float array from a monitor's output: 4-D (time, voi, region, mode) as `sim.run()` returns it,
    3-D (time, region, mode) such as `y[:, 1] - y[:, 2]`, 2-D (time, region) or 1-D (time,)."""
    x = np.asarray(data, dtype=float)
    if x.ndim == 4:
        return x[:, voi, :, 0]
    if x.ndim == 3:
        return x[:, :, 0]
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x[:, None]
    raise ValueError(f"expected monitor data with 1 to 4 dimensions, got shape {x.shape}")


def region_spectrum(times, data, period_ms, burn_ms=0.0, voi=0, nperseg=None):
    """(freqs_hz, power): the Welch spectrum of each region after the burn-in, averaged over regions.

    `period_ms` is the monitor period (sampling rate 1000 / period_ms Hz). `nperseg` defaults to one second of
    samples (1 Hz resolution), and is never more than the samples there are."""
    times = np.asarray(times, dtype=float).ravel()
    x = as_regions(data, voi)
    if len(times) != x.shape[0]:
        raise ValueError(f"{len(times)} times but {x.shape[0]} samples: pass the t and y of the same monitor")
    x = x[times > burn_ms]
    if x.shape[0] < 16:
        raise ValueError(f"only {x.shape[0]} samples after the {burn_ms} ms burn-in: simulate longer")
    fs = 1000.0 / period_ms
    n = min(int(nperseg or fs), x.shape[0])
    freqs, power = signal.welch(x, fs=fs, nperseg=n, axis=0)
    return freqs, power.mean(axis=1)


def _band(freqs, lo_hz, hi_hz):
    band = (freqs >= lo_hz) & (freqs <= hi_hz) & (freqs > 0)
    if not band.any():
        step = freqs[1] - freqs[0] if len(freqs) > 1 else float("nan")
        raise ValueError(f"no frequency between {lo_hz} and {hi_hz} Hz (resolution {step:g} Hz): "
                         "simulate longer or widen the band")
    return band


def peak_frequency(freqs, power, lo_hz, hi_hz):
    """The frequency (Hz) of the largest power inside [lo_hz, hi_hz], 0 Hz excluded."""
    band = _band(freqs, lo_hz, hi_hz)
    return float(freqs[band][np.argmax(power[band])])


def band_power(freqs, power, lo_hz, hi_hz):
    """Power summed over [lo_hz, hi_hz] times the frequency step (the area under the spectrum there)."""
    band = _band(freqs, lo_hz, hi_hz)
    return float(power[band].sum() * (freqs[1] - freqs[0]))
