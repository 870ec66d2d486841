"""What a goal's `recompute(runs)` receives and the helpers it picks outputs with (the goal authors' side).

`ReplayedRun` is one traced run as the replay re-ran it; `find_outputs` finds the runs and monitors that hold
some variables; `series` joins a run's output with the earlier runs of the same simulator it continues. The
contract for `goals/<slug>/replay.py` is in the package docstring (`evaluators/tvb/replay/__init__.py`).
Standard library only at import (numpy is imported where used): the evaluator imports this package.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REPLAY_FILE = "replay.py"                 # in a goal folder: defines recompute(runs)


@dataclass(frozen=True, eq=False)
class ReplayedRun:
    """One traced run of a simulation, re-run by the replay; what a goal's `recompute(runs)` receives.

    index          1-based position among the trace's run records ("run 3" in the trace summary).
    sim, pid       the traced simulator id (8 hex) and process id.
    record         the trace's run record (JSON). Its descriptive fields were the replay's input and its
                   claimed outputs matched the re-run, but prefer the fields below.
    model          model class name, e.g. "JansenRit"; `model_params`: every numeric model trait as re-run
                   (numpy arrays, e.g. x0 of shape (76, 1) after TVB's spatialisation).
    dt             integration step, ms. `start_ms`: simulated time before this run (a continuation of an
                   earlier run of the same simulator starts > 0). `simulated_ms`: what this run produced.
    monitors       per monitor, what the re-run simulator recorded: {"class", "period" (ms, istep * dt), "istep",
                   "voi" (indices), "voi_names"} (built from the re-run, not read from the trace). Sensor monitors
                   (EEG, MEG, iEEG) add the tvb_data files the replay rebuilt them from: "sensors" (file name),
                   "labels" (the sensors' labels, in channel order), "projection" (file name, or "analytic"),
                   "region_mapping" (file name or None), "reference", "obsnoise" (None or {class, nsig, ntau,
                   noise_seed}, as traced). Their data: (n, n_voi, n_sensors, 1).
    outputs        per monitor, in the Simulator's order: (times (n,), data (n, n_voi, n_nodes, n_modes)), as
                   the re-run produced them (same as `sim.run()` returns).
    region_labels  the connectivity's region labels (from its sidecar, verified against the default
                   connectivity when its weights are the default ones).
    stimulus       the trace's stimulus description (class, temporal {class, parameters}, regions, labels) or None.
    coupling       the trace's coupling description {class, params}.
    stochastic     whether the integrator had noise.
    connectivity   the replayed `Connectivity` as simulated (built from its sidecar, configured): weights,
                   tract_lengths, speed, ... Read it, do not modify it (later runs may share it).
    """

    index: int
    sim: str
    pid: int
    record: dict
    model: str
    model_params: dict
    dt: float
    start_ms: float
    simulated_ms: float
    monitors: tuple
    outputs: tuple
    region_labels: tuple
    stimulus: dict | None = None
    coupling: dict | None = None
    stochastic: bool = False
    connectivity: Any = None

    def output(self, monitor_class: str | tuple[str, ...] | None = None, voi: str | tuple[str, ...] = ()):
        """(index, times, data) of the first monitor of that class (any class when None) whose voi_names
        include every name in `voi`; None when there is none or it produced no sample."""
        classes = (monitor_class,) if isinstance(monitor_class, str) else monitor_class
        wanted = (voi,) if isinstance(voi, str) else tuple(voi)
        for i, (desc, (times, data)) in enumerate(zip(self.monitors, self.outputs, strict=False)):
            if classes and desc.get("class") not in classes:
                continue
            if any(name not in (desc.get("voi_names") or []) for name in wanted):
                continue
            if len(times):
                return i, times, data
        return None

    def voi(self, monitor_index: int, name: str) -> int | None:
        """Position of variable `name` in the data of monitor `monitor_index`, or None."""
        names = list(self.monitors[monitor_index].get("voi_names") or [])
        return names.index(name) if name in names else None

    def label_index(self, label: str) -> int | None:
        return self.region_labels.index(label) if label in self.region_labels else None


def find_outputs(runs: list[ReplayedRun], model: str | None = None, monitor_classes: tuple[str, ...] = (),
                 voi: str | tuple[str, ...] = ()):
    """(run, monitor_index) pairs, last run first (a notebook's results usually come from its last matching run):
    each run of `model` (any when None) with a monitor that produced samples of every variable in `voi`; within
    a run, a monitor of the first class in `monitor_classes` is preferred, then the next, then any class."""
    for run in reversed(runs):
        if model is not None and run.model != model:
            continue
        for classes in tuple((c,) for c in monitor_classes) + (None,):
            found = run.output(classes, voi=voi)
            if found is not None:
                yield run, found[0]
                break


def series(runs: list[ReplayedRun], run: ReplayedRun, monitor_index: int):
    """(times, data, total_ms) of monitor `monitor_index` over `run` and the earlier runs of the same simulator
    it continues without a gap (sim.run() called several times); just `run`'s own output when it starts fresh."""
    import numpy

    chain = [run]
    position = next(i for i, r in enumerate(runs) if r is run)
    for earlier in reversed(runs[:position]):
        first = chain[0]
        if (earlier.sim, earlier.pid) != (first.sim, first.pid):
            continue
        steps = earlier.record.get("steps")
        end = earlier.start_ms + (steps * earlier.dt if isinstance(steps, int) else earlier.simulated_ms)
        if earlier.record.get("complete") is not True or abs(end - first.start_ms) > 1e-6 * max(1.0, end):
            break
        chain.insert(0, earlier)
    parts = [r.outputs[monitor_index] for r in chain if len(r.outputs[monitor_index][0])]
    if not parts:
        return run.outputs[monitor_index][0], run.outputs[monitor_index][1], 0.0
    times = numpy.concatenate([p[0] for p in parts])
    data = numpy.concatenate([p[1] for p in parts])
    return times, data, float(sum(r.simulated_ms for r in chain))
