"""Recompute epilepsy-x0-inference's numbers from the replayed simulations (contract: evaluators/tvb/replay/).

Mirrors reference.py on the notebook's own re-run simulations. Runs are identified by the Epileptor `x0` they
simulated at rHC (found by label; model_params as re-run), never by what the notebook says; runs whose other
regions are all at -2.4 (the focal map GOAL.md asks for) are preferred, any Epileptor run otherwise. Continued
runs of one simulator are joined; the monitor is one recording "x2 - x1" (1 ms TemporalAverage preferred).
Seizure fraction: the fraction of samples at or after 500 ms in which "x2 - x1" (the first recorded variable by
default) at rHC is below 0. The ground truth and the grid point x0 = -1.8 are the same simulation in GOAL.md: the truth is the
first run at -1.8 (the reference simulates the recording first), the grid point the last one (the same run when
there is only one). The inferred x0 is the grid value whose fraction is closest to the truth's.
"""
import numpy as np

from evaluators.tvb.replay import find_outputs, series

TRUE_X0 = -1.8
GRID_X0 = [-2.2, -2.0, -1.8, -1.6]
HEALTHY_X0 = -2.4
TRANSIENT_MS = 500.0
EZ = "rHC"
VOI = "x2 - x1"
TOL = 1e-9


def seizure_fraction(times, data, voi, ez):
    """The reference's analysis: fraction of samples (from 500 ms) with variable `voi` ("x2 - x1", the
    Epileptor's first by default) at region `ez` below 0."""
    lfp = data[times >= TRANSIENT_MS, voi, ez, 0]
    return float(np.mean(lfp < 0.0))


def infer(true_x0, grid_x0, truth, fractions):
    """The reference's inversion: (grid value whose fraction is closest to the truth's, |its error|)."""
    best = int(np.argmin([abs(f - truth) for f in fractions]))
    return grid_x0[best], abs(grid_x0[best] - true_x0)


def _x0(run, ez):
    """(x0 at rHC, whether every other region is at -2.4), or None."""
    x0 = run.model_params.get("x0")
    if x0 is None:
        return None
    x0 = np.asarray(x0, dtype=float).ravel()
    if x0.size == 1:
        return float(x0[0]), False
    if x0.size != len(run.region_labels):
        return None
    others = np.delete(x0, ez)
    return float(x0[ez]), bool(np.all(np.abs(others - HEALTHY_X0) <= TOL))


def _continued(run, runs):
    """Whether a later run of the same simulator continues `run` (then the joined series is that run's)."""
    steps = run.record.get("steps")
    end = run.start_ms + (steps * run.dt if isinstance(steps, int) else run.simulated_ms)
    return any((r.sim, r.pid) == (run.sim, run.pid) and r.index > run.index
               and abs(r.start_ms - end) <= 1e-6 * max(1.0, end) for r in runs)


def _measured(runs):
    """[(run, x0 at rHC, focal, fraction)] for every Epileptor run that can be analysed, in trace order (a run
    continued by a later one counts once, as the joined series of its last part)."""
    epileptor = [r for r in runs if r.model == "Epileptor"]
    out = []
    for run in epileptor:
        if _continued(run, epileptor):
            continue
        ez = run.label_index(EZ)
        found = next(find_outputs([run], monitor_classes=("TemporalAverage",), voi=VOI), None)
        x0 = _x0(run, ez) if ez is not None else None
        if found is None or x0 is None:
            continue
        times, data, _ = series(epileptor, run, found[1])
        if not (times >= TRANSIENT_MS).any():
            continue
        out.append((run, x0[0], x0[1], seizure_fraction(times, data, run.voi(found[1], VOI), ez)))
    return out


def recompute(runs):
    measured = _measured(runs)
    if any(focal for _, _, focal, _ in measured):
        measured = [m for m in measured if m[2]]

    def at(value):
        return [(x0, f) for _, x0, _, f in measured if abs(x0 - value) <= TOL]

    truths = at(TRUE_X0)
    grid = [at(v) for v in GRID_X0]
    out = {}
    if truths:
        out["truth_seizure_fraction"] = truths[0][1]
    if all(grid):
        xs, fractions = [g[-1][0] for g in grid], [g[-1][1] for g in grid]
        out["grid_x0"] = xs
        out["grid_seizure_fractions"] = fractions
        if truths:
            out["inferred_x0"], out["x0_error"] = infer(TRUE_X0, xs, truths[0][1], fractions)
    return out
