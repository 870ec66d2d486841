"""The replay of one evidence folder, inside the child process: `replay_evidence(evidence_dir, goal_dir,
budget_s) -> dict`, the report as JSON data (status, reason, recomputed, runs_replayed, wall_s, details).

Order: every configure/run record is checked for format v2 and a unique (pid, seq); every run record for
consistency with itself; then each run is re-run in trace order on the replayed simulator (its latest
configure() first) and compared with its claims; finally the goal's `replay.py` recomputes its numbers from
the confirmed runs. The status rules (forged, unconfirmed, confirmed) and the policy of re-running every run
are in the package docstring. Never raises: garbled evidence or a replay bug is `unconfirmed` with a traceback.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from .compare import _check_claims, _close, _compare
from .errors import Forged, Unconfirmed
from .evidence import TRACE_FILE, read_records
from .rerun import _align_components, _Budget, _configure, _execute, _monitor_descriptions, _Replay, _SimState
from .runs import REPLAY_FILE, ReplayedRun


def replay_evidence(evidence_dir: Path, goal_dir: Path | None, budget_s: float) -> dict:
    """The replay report (JSON data) for `evidence_dir`; `goal_dir/replay.py` recomputes the goal's numbers."""
    t0 = time.monotonic()
    try:
        fd = os.open(str(evidence_dir), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        return _report("unconfirmed", f"no evidence folder ({error.strerror})", t0)
    try:
        replay = _Replay(fd, t0 + budget_s)
        try:
            os.stat(TRACE_FILE, dir_fd=fd, follow_symlinks=False)
            records = read_records(fd)
        except FileNotFoundError:
            records = []      # nothing was simulated: nothing to re-run, and the goal's recompute finds no run
        return _replay_records(records, replay, goal_dir, t0)
    except Forged as error:
        return _report("forged", str(error), t0)
    except Unconfirmed as error:
        return _report("unconfirmed", str(error), t0)
    except MemoryError:
        return _report("unconfirmed", "the replay ran out of memory", t0)
    except Exception as error:   # garbled evidence the checks above did not anticipate, or a replay bug
        import traceback

        tail = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])
        return _report("unconfirmed", f"the replay failed: {type(error).__name__}: {error}\n{tail}", t0)
    finally:
        os.close(fd)


def _replay_records(records: list, replay: _Replay, goal_dir: Path | None, t0: float) -> dict:
    seen, configures = set(), {}
    order = []
    for record in records:
        event = record.get("event")
        if event == "hook_error":
            replay.hook_errors += 1
            continue
        if event not in ("configure", "run"):
            continue
        if record.get("v") != 2:
            raise Forged(f"a {event} record not written by the trace hook (format {record.get('v')!r}, expected 2)")
        pid, seq, sim = record.get("pid"), record.get("seq"), record.get("sim")
        if not (_is_int(pid) and _is_int(seq) and isinstance(sim, str) and re.fullmatch(r"[0-9a-f]{1,16}", sim)):
            raise Forged(f"a {event} record with a malformed header (pid {str(pid)[:20]}, seq {str(seq)[:20]}, "
                         f"sim {str(sim)[:20]})")
        ident = (pid, seq)
        if ident in seen:
            raise Forged(f"two {event} records with the same process and sequence number {ident}")
        seen.add(ident)
        order.append(record)
    n_runs = sum(1 for r in order if r.get("event") == "run")
    index = 0
    for record in order:               # cheap self-consistency of every run before any re-run
        if record.get("event") == "run":
            index += 1
            _check_claims(record, _describe(index, record))
    index = 0
    for record in order:
        key = (record.get("pid"), record.get("sim"))
        if record.get("event") == "configure":
            if not record.get("error"):
                configures[key] = record
            elif key in replay.sims:      # TVB's state after a configure() that raised is unknown
                replay.sims[key].broken = "a later configure() of its simulator raised"
            continue
        index += 1
        if time.monotonic() > replay.deadline:
            return _report("unconfirmed", f"replay budget exhausted after {index - 1} of {n_runs} runs", t0,
                           replay=replay)
        try:
            _replay_run(index, record, replay, configures)
        except _Budget:
            return _report("unconfirmed", f"replay budget exhausted during run {index} of {n_runs}", t0,
                           replay=replay)
        except Unconfirmed as error:
            replay.unconfirmed.append(str(error))
            replay.details.append(f"unconfirmed: {error}")
            state = replay.sims.get(key)
            if state is not None:
                state.broken = state.broken or "an earlier run of its simulator could not be replayed"
    if replay.unconfirmed:
        more = f" (+{len(replay.unconfirmed) - 1} more)" if len(replay.unconfirmed) > 1 else ""
        return _report("unconfirmed", replay.unconfirmed[0] + more, t0, replay=replay)
    try:
        recomputed = _recompute(goal_dir, replay.runs, replay.details)
    except Exception as error:
        import traceback

        tail = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-3:])
        return _report("unconfirmed", f"the goal's recompute raised {type(error).__name__}: {error}\n{tail}"[:2000],
                       t0, replay=replay)
    done = len(replay.runs)
    reason = f"{done} run(s) re-run and matched the trace"
    if n_runs and not recomputed and goal_dir is not None:
        kinds = ", ".join(f"{r.model} {r.simulated_ms:g} ms" for r in replay.runs[:6]) or "none completed"
        reason += f"; the goal's recompute found no run it can use (runs: {kinds})"
    elif recomputed:
        reason += f"; recomputed {', '.join(sorted(recomputed))}"
    return _report("confirmed", reason, t0, recomputed=recomputed, replay=replay)


def _replay_run(i: int, record: dict, replay: _Replay, configures: dict) -> None:
    what = _describe(i, record)
    key = (record.get("pid"), record.get("sim"))
    state = replay.sims.get(key)
    if state is None or state.configure is None:
        pending = configures.get(key)
        if pending is None:
            if any(k[1] == key[1] for k in configures):
                raise Unconfirmed(f"{what}: its simulator was configured in another process (forked worker)")
            raise Forged(f"{what}: no configure record for simulator {key[1]} (a run that never happened)")
        state = replay.sims.setdefault(key, _SimState())
    pending = configures.pop(key, None)
    if pending is not None:      # the latest configure() before this run (a fresh start, even after trouble)
        state.broken = "its configure() could not be replayed"
        _configure(state, pending, replay, f"{what} configure")
    if state.broken:
        raise Unconfirmed(f"{what}: {state.broken}")
    if not record.get("error") and record.get("outputs") is None:
        if replay.hook_errors:
            raise Unconfirmed(f"{what}: the trace hook could not record its outputs")
        raise Forged(f"{what}: a completed run without recorded outputs (the hook records them or an error)")
    if record.get("error"):
        state.broken = "an earlier run of its simulator raised, its state is unknown"
        replay.details.append(f"{what}: raised {str((record.get('error') or {}).get('type'))[:40]} in the notebook; "
                              "not re-run")
        return
    start = record.get("start_ms")
    expected = state.step * float(state.sim.integrator.dt)
    if start is None or not _close(start, expected, 1.0, 1e-9):  # (_close refuses None too)
        message = f"{what}: starts at {start} ms, the replayed simulator is at {expected!r} ms"
        if replay.hook_errors:
            raise Unconfirmed(message + " (the trace hook reported errors: a record may be missing)")
        raise Forged(message + " (a run record was added, removed or reordered)")
    _align_components(state, record, what)
    t0 = time.monotonic()
    outputs, taken = _execute(state, record, replay, what)
    wall = time.monotonic() - t0
    line, produced = _compare(record, outputs, taken, state, what)
    replay.details.append(f"{line}; {wall:.1f} s (notebook {record.get('wall_s')} s)")
    model = state.sim.model
    params = {}
    for name in type(model).declarative_attrs:
        value = getattr(model, name, None)
        if value is not None and hasattr(value, "dtype") and value.dtype.kind in "biuf":
            params[name] = value
    replay.runs.append(ReplayedRun(
        index=i, sim=str(record.get("sim")), pid=int(record.get("pid") or 0), record=record,
        model=type(model).__name__, model_params=params, dt=float(state.sim.integrator.dt),
        start_ms=float(start), simulated_ms=produced,
        monitors=_monitor_descriptions(state.sim, state.provenance),
        outputs=tuple(outputs), region_labels=state.conn.labels, stimulus=record.get("stimulus"),
        coupling=record.get("coupling"), stochastic=hasattr(state.sim.integrator, "noise"),
        connectivity=state.conn.conn))


def _recompute(goal_dir: Path | None, runs: list, details: list) -> dict:
    import importlib.util

    if goal_dir is None:
        return {}
    path = Path(goal_dir) / REPLAY_FILE
    spec = importlib.util.spec_from_file_location(f"evolve_goal_replay_{Path(goal_dir).name.replace('-', '_')}", path)
    if spec is None or spec.loader is None:  # not a .py path: nothing to import
        raise ImportError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True    # no __pycache__ in goal folders
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    result = module.recompute(list(runs))
    if not isinstance(result, dict):
        raise TypeError(f"recompute returned {type(result).__name__}, not a dict")
    return json.loads(json.dumps(result, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _report(status: str, reason: str, t0: float, recomputed: dict | None = None, replay: _Replay | None = None) -> dict:
    return {"status": status, "reason": reason[:2000],
            "recomputed": recomputed if status == "confirmed" else None,
            "runs_replayed": len(replay.runs) if replay else 0, "wall_s": round(time.monotonic() - t0, 3),
            "details": (replay.details if replay else [])[:200]}


def _describe(i: int, record: dict) -> str:
    model = record.get("model")
    model = model if isinstance(model, dict) else {}
    return (f"run {i} ({model.get('class', '?')}, {record.get('simulation_length', '?')} ms, sim "
            f"{str(record.get('sim'))[:8]} pid {record.get('pid')})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
