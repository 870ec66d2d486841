"""Recompute delay-collective-frequency's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations (abstract tier: any model that records a phase
called theta; in practice TVB's Kuramoto model). Each velocity is the last run whose simulated connectome had
that conduction speed (read from the replayed connectivity, never from what the notebook says), continued runs
of one simulator joined, with a monitor recording theta (a TemporalAverage preferred). Per velocity: the mean
field Z(t) of exp(i theta) over regions after 500 ms; frequency = unwrapped phase advance of Z / (2 pi elapsed
time) in Hz; synchrony = mean |Z|. Nothing is returned unless all three velocities were simulated.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series
from evaluators.tvb.replay.setup import uniform

VELOCITIES = [3.0, 10.0, 30.0]
TRANSIENT_MS = 500.0


def collective(times, theta):
    """The reference's analysis of theta (time x regions): (collective frequency in Hz, mean |Z|), or None."""
    late = times > TRANSIENT_MS
    if late.sum() < 2:
        return None
    z = np.exp(1j * theta[late]).mean(axis=1)
    phase = np.unwrap(np.angle(z))
    frequency = (phase[-1] - phase[0]) / (2 * np.pi * (times[late][-1] - times[late][0])) * 1000.0
    return float(frequency), float(np.abs(z).mean())


def _speed(run):
    return uniform(getattr(run.connectivity, "speed", None))


def _point(runs, velocity):
    pool = [r for r in runs if _speed(r) is not None and abs(_speed(r) - velocity) <= 1e-6 * velocity]
    for run, k in find_outputs(pool, monitor_classes=("TemporalAverage",), voi="theta"):
        times, data, _ = series(pool, run, k)
        value = collective(times, data[:, run.voi(k, "theta"), :, 0])
        if value is not None:
            return _speed(run), value
    return None


def recompute(runs):
    found = [_point(runs, v) for v in VELOCITIES]
    if any(f is None for f in found):
        return {}
    return {"velocities_mm_per_ms": [f[0] for f in found], "collective_frequency_hz": [f[1][0] for f in found],
            "mean_synchrony": [f[1][1] for f in found]}
