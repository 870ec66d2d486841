"""Comparing what a run record claims with itself (before any re-run) and with the re-run's outputs.

`_check_claims`: outputs whose number, sample shape or sample count the described monitors cannot produce, or a
`simulated_ms` above what its samples cover, are forged. `_compare`: after the re-run, a monitor whose sample
count, times, mean, std, min or max differ from the claim (beyond RTOL), or a different `steps` /
`simulated_ms`, is forged (unconfirmed for monitors rebuilt with assumed defaults, ASSUMED_DEFAULTS).

Tolerance (RTOL = 1e-6 on mean/std/min/max, relative to the larger of the value and the data's range):
re-running the same simulation on the same machine and library is bitwise identical (measured: the replays of
the jansen-rit-alpha, stimulus-evoked-response and epileptor-focus references, and of stochastic, generator,
continuation and Bold runs in the tests, all matched the traced sha256), so the details say "bitwise" when the
sha256 of the output bytes matches; the statistics are compared within RTOL either way, and the tolerance only
absorbs platform noise (e.g. a BLAS with another thread count). How far the last bits can drift: perturbing the initial state by 1e-15
(relative) and the coupling strength by one ulp for the whole run, 2000 ms at dt 0.1 ms, 76 regions, 1 ms
temporal average, gave these relative differences of the output mean/std/min/max: Jansen-Rit (a = 10) <= 1.1e-15
(max |dy| 7e-12 at 2000 ms, growing slowly), Generic2dOscillator <= 1e-15, Larter-Breakspear <= 6.3e-13;
Epileptor (x0 focus, 3000 ms, dt 0.05, initial perturbation only) <= 8.1e-16. RTOL leaves a margin of > 1e6
over the worst case, and is still far below any difference a memorised or hand-edited number shows. A
truly chaotic simulation whose bits differ between the notebook and the replay would exceed it; on the same
machine this does not happen (bitwise identical re-runs), and the reason would name the statistic.
"""
from __future__ import annotations

from typing import Any

from .errors import Forged, Unconfirmed
from .evidence import _num, _sha
from .rebuild import ASSUMED_DEFAULTS, PROJECTION_MONITORS, SUPPORTED_MONITORS
from .rerun import _SimState

RTOL = 1e-6                               # see the module docstring for the measurement
TIME_RTOL = 1e-9                          # sample times: same dt, same step counts


def _stats(times, data) -> dict:
    import numpy

    a64 = numpy.ascontiguousarray(data, dtype=numpy.float64)
    n = int(len(times))
    out = {"samples": n, "shape": [int(s) for s in a64.shape[1:]] if n else None,
           "first_t": float(times[0]) if n else None, "last_t": float(times[-1]) if n else None,
           "sha256": _sha(a64) if n else _sha(numpy.zeros(0))}
    with numpy.errstate(all="ignore"):
        out.update(nan=bool(n and not numpy.isfinite(a64).all()),
                   mean=float(a64.mean()) if n else None, std=float(a64.std()) if n else None,
                   min=float(a64.min()) if n else None, max=float(a64.max()) if n else None)
    return out


def _close(claimed: Any, actual: float | None, scale: float, rtol: float) -> bool:
    if actual is None or claimed is None:
        return claimed is None and actual is None
    try:
        c = _num(claimed, "")
    except Forged:
        return False
    if c != c or actual != actual:
        return c != c and actual != actual
    if c == actual:
        return True
    return abs(c - actual) <= rtol * max(abs(actual), scale)


def _table(value: Any) -> dict:
    """`value` when it is a dict, else {} (a record's sub-table that is absent or garbled)."""
    return value if isinstance(value, dict) else {}


def _check_claims(record: dict, what: str) -> None:
    """Cheap consistency of a run record with itself (before any re-run)."""
    monitors = record.get("monitors")
    outputs = record.get("outputs")
    if record.get("error") or outputs is None or not isinstance(monitors, list):
        return          # nothing claimed, or the hook could not describe the monitors (the replay decides)
    if not isinstance(outputs, list) or len(outputs) != len(monitors):
        raise Forged(f"{what}: {len(outputs) if isinstance(outputs, list) else '?'} outputs for {len(monitors)} monitors")
    dt = _table(record.get("integrator")).get("dt")
    steps = record.get("steps")
    conn, model = _table(record.get("connectivity")), _table(record.get("model"))
    best = 0.0
    for k, (out, mon) in enumerate(zip(outputs, monitors, strict=False)):
        if not isinstance(out, dict) or not isinstance(mon, dict):
            raise Forged(f"{what}: malformed output {k + 1}")
        samples = out.get("samples")
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 0:
            raise Forged(f"{what}: monitor {k + 1} claims {str(samples)[:20]} samples")
        istep = mon.get("istep")
        if isinstance(steps, int) and isinstance(istep, int) and istep > 0 and samples > steps // istep + 1:
            raise Forged(f"{what}: monitor {k + 1} ({mon.get('class')}) claims {samples} samples from {steps} "
                         f"integration steps of {istep} per sample")
        shape = out.get("shape")
        if samples and mon.get("class") in SUPPORTED_MONITORS and mon.get("class") != "Bold":
            nodes = 1 if mon.get("class") == "GlobalAverage" else conn.get("number_of_regions")
            modes = model.get("number_of_modes")
            if mon.get("class") in PROJECTION_MONITORS:     # one entry per sensor; the modes are summed into one
                sensors = _table(mon.get("sensors"))
                nodes, modes = sensors.get("number_of_sensors"), 1
            nvoi = len(mon.get("variables_of_interest") or []) or (
                None if str(mon.get("class")).startswith("AfferentCoupling") else len(model.get("variables_of_interest") or []))
            expected = [nvoi, nodes, modes]
            if not isinstance(shape, list) or len(shape) != 3 or any(
                    e is not None and s != e for s, e in zip(shape, expected, strict=False)):
                raise Forged(f"{what}: monitor {k + 1} ({mon.get('class')}) claims samples of shape {shape}; the "
                             f"described monitor produces {expected}")
        period = out.get("period")
        if samples and isinstance(period, (int, float)):
            best = max(best, samples * period)
    if isinstance(steps, int) and isinstance(dt, (int, float)):
        best = min(best, steps * dt)
    claimed = record.get("simulated_ms")
    if isinstance(claimed, (int, float)) and claimed > best * (1 + 1e-9) + 1e-9:
        raise Forged(f"{what}: claims simulated_ms = {claimed} but its outputs cover {best} ms")


def _compare(record: dict, outputs: list, taken: int, state: _SimState, what: str) -> tuple[str, float]:
    """Forged unless the re-run outputs are those the record claims; (a detail line, simulated ms produced)."""
    claimed = record.get("outputs")
    if not isinstance(claimed, list) or len(claimed) != len(outputs):
        raise Forged(f"{what}: claims {len(claimed) if isinstance(claimed, list) else 'no'} outputs, the re-run has "
                     f"{len(outputs)}")
    if record.get("steps") is not None and record.get("steps") != taken:
        raise Forged(f"{what}: claims {record.get('steps')} integration steps, the re-run took {taken}")
    bitwise, worst, produced = 0, 0.0, 0.0
    dt = float(state.sim.integrator.dt)
    for k, ((times, data), claim, monitor) in enumerate(zip(outputs, claimed, state.sim.monitors, strict=False)):
        mname = f"monitor {k + 1} ({type(monitor).__name__})"
        actual = _stats(times, data)
        reused = state.assumed if k < len(state.provenance) and state.provenance[k] is not None else None
        if reused and any(claim.get(key) != actual[key] for key in ("samples", "shape", "first_t", "last_t")):
            raise Unconfirmed(f"{what}: {mname} sampled differently from the re-run (claimed {claim.get('samples')} "
                              f"samples from {claim.get('first_t')} ms); {reused}")
        if claim.get("samples") != actual["samples"]:
            raise Forged(f"{what}: {mname} claims {claim.get('samples')} samples, the re-run produced "
                         f"{actual['samples']}")
        if actual["samples"] == 0:
            bitwise += 1
            continue
        if claim.get("shape") != actual["shape"]:
            raise Forged(f"{what}: {mname} claims samples of shape {claim.get('shape')}, the re-run's are "
                         f"{actual['shape']}")
        for key in ("first_t", "last_t"):
            if not _close(claim.get(key), actual[key], 1.0, TIME_RTOL):
                raise Forged(f"{what}: {mname} claims {key} = {claim.get(key)}, the re-run has {actual[key]!r}")
        if bool(claim.get("nan")) != actual["nan"]:
            raise Forged(f"{what}: {mname} claims nan = {claim.get('nan')}, the re-run has {actual['nan']}")
        produced = max(produced, actual["samples"] * int(monitor.istep) * dt)
        if claim.get("sha256") == actual["sha256"]:
            bitwise += 1      # the statistics are still compared: a record may be edited in one field only
        scale = max(abs(actual["min"]), abs(actual["max"])) if actual["nan"] is False else 0.0
        for key in ("mean", "std", "min", "max"):
            if not _close(claim.get(key), actual[key], scale, RTOL):
                assumed = ASSUMED_DEFAULTS.get(type(monitor).__name__) or reused
                if assumed:
                    raise Unconfirmed(f"{what}: {mname} {key} differs from the re-run (claimed {claim.get(key)}, "
                                      f"re-run {actual[key]!r}); {assumed}")
                raise Forged(f"{what}: {mname} claims {key} = {claim.get(key)}, the re-run gives {actual[key]!r}")
            c = _num(claim.get(key), "")
            if c == c and actual[key] == actual[key] and c != actual[key]:
                worst = max(worst, abs(c - actual[key]) / max(abs(actual[key]), scale, 1e-300))
    produced = min(produced, taken * dt)
    sim_ms = record.get("simulated_ms")
    if sim_ms is not None and not _close(sim_ms, produced, 1.0, 1e-9):
        raise Forged(f"{what}: claims simulated_ms = {sim_ms}, the re-run produced {produced!r} ms")
    if bitwise == len(outputs):
        return f"{what}: re-run matches, bitwise", produced
    return f"{what}: re-run matches within tolerance (largest relative difference {worst:.1e})", produced
