"""Trusted replay: re-run the TVB simulations a notebook's trace (format v2) describes, outside the sandbox,
check them against what the trace claims, and recompute the goal's numbers from the re-run.

Why: a notebook under optimization pressure can write results.json without simulating, or simulate something
else and report memorised numbers. The trace is written by the hook inside the sandbox, so it is hostile input
too: everything here treats it as data (no eval, class names looked up only in TVB's own modules, sidecars
loaded without pickle, sizes capped).

Entry points:
- `run_replay(evidence_dir, goal_dir, timeout_s, memory_mb) -> ReplayReport` (evaluator side, standard library
  only at import): runs `replay_main.py` in a subprocess (`python -I`, an allowlisted environment without
  secrets, HOME and tool state dirs in a fresh temp dir, RLIMIT_AS = memory_mb + REPLAY_HEADROOM_MB, its own
  session), waits at most `timeout_s` (then kills the whole process group: "unconfirmed: replay exceeded N s"),
  and reads one JSON report (at most MAX_REPORT_BYTES) from its stdout. A goal without `replay.py` is
  `not-declared` and no process starts. Never raises.
- `replay_evidence(evidence_dir, goal_dir, budget_s) -> dict` (inside that subprocess): the report as JSON data.

What the replay decides (first matching rule wins):
- `forged`: the evidence contradicts itself or the re-run. A run/configure record that is not format v2; two
  records with the same (pid, seq); a run whose simulator has no configure record in any process; an encoded
  array whose values do not hash to its sha256 or lie outside its min/max; a sidecar whose content does not
  match the name or hash the record gives; outputs whose number, sample shape or sample count the described
  monitors cannot produce, or a `simulated_ms` above what its samples cover; stimulus labels that are not the
  connectivity's labels at the weighted regions; a run starting at another time than the replayed simulator;
  and, after the re-run, any monitor whose sample count, times, mean, std, min or max differ from the claim
  (beyond RTOL), or a different `steps` / `simulated_ms`. The reason names the run and the statistic.
- `unconfirmed`: what the replay cannot rebuild, with the reason: a truncated array (the hook keeps 4096
  values), a surface simulation, a model/coupling/integrator/noise/monitor/stimulus class it does not support
  or that is not TVB's own (module outside tvb.simulator), Simulator methods replaced (`simulator.overrides`),
  a run in a forked worker of a simulator configured in another process, components changed between configure
  and run other than parameter values, a missing sidecar, an initial history or state that does not reproduce
  (it depends on something the trace does not record), a run that raised (its simulator's
  later runs), a Bold monitor whose output differs (its HRF is not in the trace), an EEG
  monitor whose output differs or whose sensors are not TVB's default 65 (its projection, region mapping,
  reference and observation noise are not in the trace), the replay's time budget, a
  crash of the replay process, a goal's recompute that raised.
- `confirmed`: every run was re-run and matched; `recomputed` is the goal's `recompute(runs)` (may be `{}`:
  the reason then says that no run fits what the goal needs).

Policy: every traced run is re-run, not only those the goal's recompute uses, because the goal's trace checks
(`simulated_at_least`, `used_model`, `stimulated_regions`, ...) read every run record: a forged record the
recompute ignores could still earn a check. The cost is bounded by the time budget: an honest notebook's
simulations took at most its own time limit (3x the goal's budget_s), and the replay takes about as long as
the notebook's own simulations (measured below), so a `timeout_s` of 3x budget_s (+ ~10 s start-up) covers any
notebook that stayed inside its limit; beyond that the remaining runs are not re-run and the report is
`unconfirmed: replay budget exhausted after k of n runs`.

Supported: region simulations of any model class in `tvb.simulator.models` (every numeric trait set from the
trace: params + defaults, full arrays; state_variable_range; variables_of_interest), connectivity from its
`conn-*.npz` sidecar (weights, tract_lengths, centres, region_labels, speed, areas, orientations, cortical,
hemispheres; its labels must be TVB's when its weights are the default connectome's), any coupling class in
`tvb.simulator.coupling` (all numeric traits), any integrator in `tvb.simulator.integrators` with dt, noise
`Additive` (and `Multiplicative` with its default `b`) with nsig, ntau, noise_seed and the noise stream state
from the rng sidecars, monitors Raw, RawVoi, SubSample, TemporalAverage, GlobalAverage, AfferentCoupling,
AfferentCouplingTemporalAverage, Bold (default HRF) and EEG (as `EEG.from_file(period=...)` builds it: tvb_data's
eeg_brainstorm_65 sensors, projection_eeg_65_surface_16k, regionMapping_16k_76, no reference, default observation
noise; the output comparison is what shows the notebook used these), a `StimuliRegion` stimulus with any temporal equation
class of `tvb.datatypes.equations` (its parameters; the equation string is assumed to be the class default)
and the full weight array, random initial conditions (numpy's global RandomState restored from `rng-*.npz`
right before configure()) or given ones (`given-*.npz`), several configure() calls, run() and generator runs
(an early-stopped generator is stepped to exactly the traced integration step), continuation runs.

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

Measured replay cost, one measurement each (2 cores shared with other work, load ~2): wall time of the whole
replay through the plugin (subprocess start, TVB import, rebuild, re-run, recompute) vs the reference script's
own wall time; in brackets the simulation alone (the trace's wall_s vs the re-run's).
    jansen-rit-alpha           replay 5.7 s vs reference 5.1 s   (run 3.3 s vs 2.9 s)
    stimulus-evoked-response   replay 2.5 s vs reference 2.5 s   (run 0.8 s vs 0.8 s)
    epileptor-focus            replay 9.1 s vs reference 11.3 s  (run 6.7 s vs 8.6 s)
So a replay costs about one more run of the notebook's simulations plus ~2 s of start-up.

Contract for goal authors — `goals/<slug>/replay.py`:
    def recompute(runs: list[ReplayedRun]) -> dict
`runs` holds every confirmed, completed run in trace order (see `ReplayedRun`). Return the results.json keys
you can recompute from the re-run outputs, mirroring the reference's analysis (factor it into a function of
(times, data, labels) so reference and replay read alike); omit keys you cannot recompute; return {} when no
run fits what the goal needs (e.g. no Jansen-Rit run). A key set to None says more: the notebook's simulations
*cannot* give this number (e.g. the only Jansen-Rit run produced one sample, too few for any spectrum); a
reported value that a check credited is then forged. Use None only where no honest analysis of those runs could
produce the number; where you merely cannot tell, omit the key. Pick runs by what was simulated (model class, monitor,
length), never by what the notebook says. Values must be JSON-serialisable (convert numpy numbers). The
function runs in the trusted replay process; if it raises, the report is `unconfirmed` with the traceback.
Helpers: `find_outputs(...)`, `series(...)`, `ReplayedRun.output(...)`, `.voi(...)`, `.label_index(...)`.
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent                 # the project root: evolve/, evaluators/, goals/
TRACE_FILE = "simulation_trace.jsonl"
REPLAY_FILE = "replay.py"                 # in a goal folder: defines recompute(runs)

RTOL = 1e-6                               # see the module docstring for the measurement
TIME_RTOL = 1e-9                          # sample times: same dt, same step counts
MAX_TRACE_BYTES = 64 << 20                # the hook stops writing at 48 MiB
MAX_LINE_BYTES = 1 << 20                  # the hook keeps lines under 900 kB
MAX_SIDECAR_BYTES = 256 << 20             # conn/rng sidecars are small; given initial conditions <= 64 MiB
MAX_REPORT_BYTES = 4 << 20                # the replay's JSON report on stdout
REPLAY_HEADROOM_MB = 1536                 # address space of python + numpy + scipy + TVB beyond the data
STARTUP_S = 10.0                          # the child's own import time, not counted in its simulation budget
SIDECAR_NAME = re.compile(r"^(conn-[0-9a-f]{12}|given-[0-9a-f]{12}|rng-[0-9]{1,10}-[0-9]{1,10})\.npz$")



class Forged(Exception):
    """The evidence contradicts itself or the re-run."""


class Unconfirmed(Exception):
    """The replay cannot rebuild or re-run what the evidence describes."""


# ---------------------------------------------------------------------------------------------- the re-run runs


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
                   "voi" (indices), "voi_names"} (built from the re-run, not read from the trace).
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
        for i, (desc, (times, data)) in enumerate(zip(self.monitors, self.outputs)):
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


# ---------------------------------------------------------------------------------------------- evaluator side


def run_replay(evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int) -> Any:
    """The trusted replay of `evidence_dir` for the goal in `goal_dir`, as an `evolve.replay_report.ReplayReport`
    (see the module docstring). Never raises."""
    from evolve.replay_report import ReplayReport

    t0 = time.monotonic()
    try:
        goal_dir, evidence_dir = Path(goal_dir), Path(evidence_dir)
        if not (goal_dir / REPLAY_FILE).is_file():
            return ReplayReport("not-declared", f"goal {goal_dir.name} ships no {REPLAY_FILE}: its results are scored "
                                                "as read")
        return _run_child(evidence_dir, goal_dir, float(timeout_s), int(memory_mb), t0)
    except Exception as error:   # the replay must never take the evaluator down
        return ReplayReport("unconfirmed", f"the replay failed to run: {type(error).__name__}: {error}"[:2000],
                            wall_s=time.monotonic() - t0)


def child_environment(tmp: Path) -> dict[str, str]:
    """The evaluator's allowlisted environment without secrets; HOME and every tool state dir inside `tmp`."""
    from evolve.sandbox.environ import kernel_environment

    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    (tmp / "tmp").mkdir(exist_ok=True)
    env = kernel_environment(home, tmp / "state", tmp / "tmp")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def apply_limits(memory_mb: int) -> None:
    """The replay process's own limits, set first thing in replay_main (no preexec_fn: the evaluator has threads)."""
    limit = (int(memory_mb) + REPLAY_HEADROOM_MB) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run_child(evidence_dir: Path, goal_dir: Path, timeout_s: float, memory_mb: int, t0: float):
    from evolve.replay_report import ReplayReport

    tmp = Path(tempfile.mkdtemp(prefix="evolve-replay-"))
    try:
        env = child_environment(tmp)
        out_path, err_path = tmp / "report.json", tmp / "stderr.txt"
        budget = max(1.0, timeout_s - STARTUP_S)
        cmd = [sys.executable, "-I", str(HERE / "replay_main.py"), "--evidence", str(evidence_dir.resolve()),
               "--goal", str(goal_dir.resolve()), "--budget", repr(budget), "--memory-mb", str(memory_mb)]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=str(tmp), env=env,
                                    close_fds=True, start_new_session=True)
            try:
                code = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return ReplayReport("unconfirmed", f"replay exceeded {timeout_s:g} s (killed)",
                                    wall_s=time.monotonic() - t0)
            finally:
                _kill_group(proc)   # leftovers of the child's session, if any
        wall = time.monotonic() - t0
        data = _read_report(out_path)
        if data is None:
            tail = _tail(err_path)
            why = ("ran out of memory" if "MemoryError" in tail else f"exited with code {code} and no report")
            return ReplayReport("unconfirmed", f"the replay process {why}: {tail[-600:]}", wall_s=wall)
        report = ReplayReport.from_json(data)
        return ReplayReport(report.status, report.reason, report.recomputed, report.runs_replayed, wall,
                            report.details)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _read_report(path: Path) -> Any:
    """The last JSON line of the child's stdout (at most MAX_REPORT_BYTES), or None."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_REPORT_BYTES:
        return None
    for line in reversed(raw.decode("utf-8", errors="replace").splitlines()):
        if line.strip():
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def _tail(path: Path, size: int = 4000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------- reading evidence


def _open_in(dir_fd: int, name: str, cap: int) -> bytes:
    """The bytes of regular file `name` directly inside the directory `dir_fd` (no links followed)."""
    if "/" in name or name in (".", "..") or "\0" in name:
        raise Forged(f"evidence file name {name!r} is not a plain file name")
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        raise Unconfirmed(f"evidence file {name} is missing") from None
    except OSError as error:
        raise Unconfirmed(f"evidence file {name} cannot be opened ({error.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unconfirmed(f"evidence file {name} is not a regular file")
        if st.st_size > cap:
            raise Unconfirmed(f"evidence file {name} is larger than {cap >> 20} MiB")
        chunks, total = [], 0
        while total <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > cap:
            raise Unconfirmed(f"evidence file {name} is larger than {cap >> 20} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _load_sidecar(dir_fd: int, name: Any) -> dict:
    """The arrays of sidecar `name` (conn-<hex12>.npz, given-<hex12>.npz, rng-<pid>-<seq>.npz), without pickle:
    through `trace.load_sidecar` (no link followed, size-capped, stored .npy members only, allow_pickle=False),
    or this module's own equivalent when trace.py has none."""
    import io
    import zipfile

    import numpy

    if not isinstance(name, str) or not SIDECAR_NAME.match(name):
        raise Forged(f"sidecar name {str(name)[:80]!r} is not one the trace hook writes")
    from . import trace as _trace

    if hasattr(_trace, "load_sidecar"):
        arrays = _trace.load_sidecar(f"/proc/self/fd/{dir_fd}", name)
        if arrays is None:
            raise Unconfirmed(f"sidecar {name} is missing or not a plain .npz file")
        return {key: numpy.array(value) for key, value in arrays.items()}
    raw = _open_in(dir_fd, name, MAX_SIDECAR_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:    # declared sizes first: no decompression bomb
            if sum(info.file_size for info in archive.infolist()) > MAX_SIDECAR_BYTES:
                raise Unconfirmed(f"sidecar {name} expands beyond {MAX_SIDECAR_BYTES >> 20} MiB")
        with numpy.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return {key: numpy.array(npz[key]) for key in npz.files}
    except (Unconfirmed, Forged):
        raise
    except Exception as error:
        raise Forged(f"sidecar {name} is not a valid .npz file ({type(error).__name__})") from None


def read_records(dir_fd: int) -> list[dict]:
    """The trace's JSON objects in file order (lines over MAX_LINE_BYTES or not JSON objects are skipped)."""
    raw = _open_in(dir_fd, TRACE_FILE, MAX_TRACE_BYTES)
    records = []
    for line in raw.split(b"\n"):
        if not line.strip() or len(line) > MAX_LINE_BYTES:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


# ---------------------------------------------------------------------------------------------- decoding values


def _num(value: Any, what: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("nan", "inf", "-inf"):
        return float(value)
    raise Forged(f"{what}: {str(value)[:60]!r} is not a number")


def _sha(a64) -> str:
    import hashlib

    return hashlib.sha256(a64.tobytes()).hexdigest()


def decode_array(value: Any, what: str):
    """A float64 numpy array from a trace value: a plain number (shape (1,)) or the hook's array encoding.
    Truncated → Unconfirmed; values that do not hash to sha256, or outside min/max → Forged."""
    import numpy

    if not isinstance(value, dict):
        return numpy.array([_num(value, what)], dtype=numpy.float64)
    shape, values = value.get("shape"), value.get("values")
    if not isinstance(shape, list) or not all(isinstance(n, int) and 0 <= n < 1 << 31 for n in shape) \
            or not isinstance(values, list):
        raise Forged(f"{what}: malformed array encoding")
    if value.get("truncated"):
        raise Unconfirmed(f"{what} ({'x'.join(map(str, shape))} values) is truncated in the trace")
    size = 1
    for n in shape:
        size *= n
    if len(values) != size:
        raise Forged(f"{what}: {len(values)} values for shape {shape}")
    arr = numpy.array([_num(v, what) for v in values], dtype=numpy.float64).reshape(shape)
    if value.get("sha256") != _sha(numpy.ascontiguousarray(arr)):
        raise Forged(f"{what}: its values do not match its sha256 (edited trace)")
    if size:
        with numpy.errstate(all="ignore"):
            lo, hi = float(arr.min()), float(arr.max())
        if not (_same(value.get("min"), lo) and _same(value.get("max"), hi)):
            raise Forged(f"{what}: min/max {value.get('min')}/{value.get('max')} are not those of its values "
                         f"({lo!r}/{hi!r})")
    return arr


def _same(claimed: Any, actual: float) -> bool:
    try:
        c = _num(claimed, "")
    except Forged:
        return False
    return c == actual or (c != c and actual != actual)


def _set_traits(obj: Any, encoded: dict, what: str) -> dict:
    """Set every numeric declared trait of `obj` named in `encoded`; returns name -> value set."""
    import numpy
    from tvb.basic.neotraits.api import Float, Int, NArray

    cls, done = type(obj), {}
    declared = getattr(cls, "declarative_attrs", ())
    for name, value in encoded.items():
        if name not in declared or name in ("gid", "title"):
            raise Unconfirmed(f"{what}: {cls.__name__} has no numeric trait {name!r}")
        trait = getattr(cls, name)
        arr = decode_array(value, f"{what}.{name}")
        if isinstance(trait, NArray):
            dtype = numpy.dtype(trait.dtype) if trait.dtype is not None else numpy.dtype(numpy.float64)
            cast = arr.astype(dtype)
            if not numpy.array_equal(cast.astype(numpy.float64), arr, equal_nan=True):
                raise Forged(f"{what}.{name}: values not representable as {dtype}")
            new = cast
        elif isinstance(trait, (Float, Int)) and arr.size == 1:
            new = float(arr.ravel()[0]) if isinstance(trait, Float) else int(arr.ravel()[0])
        else:
            raise Unconfirmed(f"{what}.{name}: trait type {type(trait).__name__} is not supported")
        setattr(obj, name, new)
        done[name] = new
    return done


def _tvb_class(module: Any, name: Any, base: type, what: str) -> type:
    cls = getattr(module, name, None) if isinstance(name, str) and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise Unconfirmed(f"{what} class {str(name)[:60]!r} is not one of TVB's")
    return cls


def _section(record: dict, key: str, what: str) -> Any:
    if key not in record or (record[key] is None and key in ("model", "connectivity", "coupling", "integrator",
                                                               "monitors", "simulator")):
        raise Unconfirmed(f"{what} has no {key} description (the hook could not record it)")
    return record[key]


# ---------------------------------------------------------------------------------------------- building a simulator


SUPPORTED_MONITORS = ("Raw", "RawVoi", "SubSample", "TemporalAverage", "GlobalAverage", "AfferentCoupling",
                      "AfferentCouplingTemporalAverage", "Bold", "EEG")
# Monitors whose set-up the trace does not hold in full: the replay rebuilds them with TVB's defaults (Bold: the
# default HRF; EEG: `EEG.from_file()`, i.e. tvb_data's eeg_brainstorm_65 sensors, projection_eeg_65_surface_16k
# and regionMapping_16k_76, no reference, the default observation noise seeded 42), so an output that differs
# from the trace is "unconfirmed" (the notebook may have used another set-up), never "forged".
ASSUMED_DEFAULTS = {"Bold": "the Bold HRF is not in the trace",
                    "EEG": "the EEG sensors, projection, region mapping, reference and observation noise are not in "
                           "the trace (replayed with EEG.from_file()'s defaults)"}
EEG_DEFAULT_SENSORS = ("SensorsEEG", 65)     # eeg_brainstorm_65.txt
NO_PERIOD = ("Raw", "RawVoi", "AfferentCoupling")   # sample every step; their period trait is ignored


@dataclass
class _Conn:
    conn: Any
    labels: tuple


class _Builder:
    """Builds TVB objects from records; caches connectivities by sidecar name."""

    def __init__(self, dir_fd: int):
        self.dir_fd = dir_fd
        self.conns: dict[str, _Conn] = {}
        self._default = None

    def default_connectivity(self):
        if self._default is None:
            from tvb.datatypes.connectivity import Connectivity

            conn = Connectivity.from_file()
            self._default = (conn.weights, conn.tract_lengths, tuple(str(s) for s in conn.region_labels))
        return self._default

    def connectivity(self, desc: Any, what: str) -> _Conn:
        import hashlib

        import numpy
        from tvb.datatypes.connectivity import Connectivity

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no connectivity description")
        name = desc.get("sidecar")
        if name is None:
            raise Unconfirmed(f"{what}: the connectivity was not saved (sidecar budget)")
        if name in self.conns:
            found = self.conns[name]
        else:
            arrays = _load_sidecar(self.dir_fd, name)
            content = hashlib.sha256()
            for key, arr in arrays.items():    # the hook's content hash, in the order it saved the arrays
                content.update(f"{key}:{arr.dtype.str}:{arr.shape};".encode())
                content.update(numpy.ascontiguousarray(arr).tobytes())
            if not name.startswith(f"conn-{content.hexdigest()[:12]}"):
                raise Forged(f"{what}: sidecar {name} does not hold the content its name hashes")
            for key in ("weights", "tract_lengths", "region_labels"):
                if key not in arrays:
                    raise Forged(f"{what}: sidecar {name} lacks {key}")
            kwargs = {}
            for key in ("weights", "tract_lengths", "centres", "speed", "areas", "orientations"):
                if key in arrays:
                    kwargs[key] = numpy.asarray(arrays[key], dtype=numpy.float64)
            for key in ("cortical", "hemispheres"):
                if key in arrays:
                    kwargs[key] = numpy.asarray(arrays[key], dtype=bool)
            labels = numpy.asarray(arrays["region_labels"]).astype(str)
            n = kwargs["weights"].shape[0] if kwargs["weights"].ndim == 2 else -1
            if kwargs["weights"].shape != (n, n) or kwargs["tract_lengths"].shape != (n, n) or labels.shape != (n,):
                raise Forged(f"{what}: sidecar {name} has inconsistent shapes")
            conn = Connectivity(region_labels=labels, **kwargs)
            conn.configure()
            found = _Conn(conn, tuple(str(s) for s in labels))
            default = self.default_connectivity()
            if numpy.array_equal(conn.weights, default[0]) and numpy.array_equal(conn.tract_lengths, default[1]) \
                    and found.labels != default[2]:
                raise Unconfirmed(f"{what}: the default connectivity's region labels were changed")
            self.conns[name] = found
        digest = hashlib.sha256()
        digest.update(numpy.ascontiguousarray(found.conn.weights, dtype=numpy.float64).tobytes())
        digest.update(numpy.ascontiguousarray(found.conn.tract_lengths, dtype=numpy.float64).tobytes())
        if desc.get("sha256") != digest.hexdigest():
            raise Forged(f"{what}: connectivity sha256 does not match its sidecar {name}")
        if desc.get("number_of_regions") != found.conn.number_of_regions:
            raise Forged(f"{what}: number_of_regions {desc.get('number_of_regions')} but the sidecar has "
                         f"{found.conn.number_of_regions}")
        speed = decode_array(desc.get("speed"), f"{what}.connectivity.speed")
        if not numpy.array_equal(speed.ravel(), numpy.asarray(found.conn.speed, dtype=float).ravel()):
            raise Forged(f"{what}: connectivity speed differs from its sidecar")
        return found

    def model(self, desc: Any, what: str):
        from tvb.simulator import models

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no model description")
        if not str(desc.get("module", "")).startswith("tvb.simulator.models"):
            raise Unconfirmed(f"{what}: model {desc.get('class')} is defined outside TVB ({desc.get('module')})")
        cls = _tvb_class(models, desc.get("class"), models.Model, f"{what}: model")
        model = cls()
        encoded = {**(desc.get("defaults") or {}), **(desc.get("params") or {})}
        _set_traits(model, encoded, f"{what}: model")
        voi = desc.get("variables_of_interest")
        if isinstance(voi, list) and voi and list(voi) != list(model.variables_of_interest or ()):
            try:
                model.variables_of_interest = tuple(str(v) for v in voi)
            except Exception as error:
                raise Forged(f"{what}: {cls.__name__} has no variables of interest {voi}: {error}") from None
        ranges = desc.get("state_variable_range")
        if ranges is not None:       # what the random initial history is drawn from (older traces lack it)
            import numpy

            current = model.state_variable_range
            if not isinstance(ranges, dict) or set(ranges) != set(current):
                raise Unconfirmed(f"{what}: state_variable_range names {sorted(ranges or ())} are not "
                                  f"{cls.__name__}'s")
            for name, bounds in ranges.items():
                if not isinstance(bounds, list) or len(bounds) != numpy.size(current[name]):
                    raise Forged(f"{what}: state_variable_range[{name!r}] = {str(bounds)[:60]}")
                # TVB shares this dict between instances of a class: assign every entry, as it was at configure()
                current[name] = numpy.array([_num(x, f"{what}: state_variable_range") for x in bounds])
        if desc.get("number_of_modes") != model.number_of_modes:
            raise Forged(f"{what}: {cls.__name__} has {model.number_of_modes} modes, not {desc.get('number_of_modes')}")
        return model

    def coupling(self, desc: Any, what: str):
        from tvb.simulator import coupling

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no coupling description")
        cls = _tvb_class(coupling, desc.get("class"), coupling.Coupling, f"{what}: coupling")
        obj = cls()
        _set_traits(obj, desc.get("params") or {}, f"{what}: coupling")
        return obj

    def integrator(self, desc: Any, noise_desc: Any, what: str):
        from tvb.simulator import integrators, noise

        if not isinstance(desc, dict):
            raise Unconfirmed(f"{what}: no integrator description")
        cls = _tvb_class(integrators, desc.get("class"), integrators.Integrator, f"{what}: integrator")
        dt = _num(desc.get("dt"), f"{what}: integrator dt")
        if not 0 < dt < 1e6:
            raise Forged(f"{what}: integrator dt {dt!r}")
        stochastic = issubclass(cls, integrators.IntegratorStochastic)
        if bool(desc.get("stochastic")) != stochastic or (noise_desc is not None) != stochastic:
            raise Forged(f"{what}: {cls.__name__} is {'' if stochastic else 'not '}stochastic, the trace says otherwise")
        if not stochastic:
            return cls(dt=dt)
        if not isinstance(noise_desc, dict):
            raise Unconfirmed(f"{what}: no noise description")
        ncls = _tvb_class(noise, noise_desc.get("class"), noise.Noise, f"{what}: noise")
        if ncls not in (noise.Additive, noise.Multiplicative):
            raise Unconfirmed(f"{what}: noise {ncls.__name__} is not supported")
        seed = noise_desc.get("noise_seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise Unconfirmed(f"{what}: noise_seed {seed!r}")
        nsig = decode_array(noise_desc.get("nsig"), f"{what}: noise nsig")
        ntau = _num(noise_desc.get("ntau", 0.0), f"{what}: noise ntau")
        return cls(dt=dt, noise=ncls(nsig=nsig, ntau=ntau, noise_seed=seed))

    def monitors(self, descs: Any, what: str) -> list:
        import numpy
        from tvb.simulator import monitors

        if not isinstance(descs, list) or not descs:
            raise Unconfirmed(f"{what}: no monitors described")
        out = []
        for k, desc in enumerate(descs):
            name = desc.get("class") if isinstance(desc, dict) else None
            if name not in SUPPORTED_MONITORS:
                raise Unconfirmed(f"{what}: monitor {str(name)[:40]} is not supported by the replay")
            cls = _tvb_class(monitors, name, monitors.Monitor, f"{what}: monitor")
            kwargs = {}
            voi = desc.get("variables_of_interest") or []
            if not isinstance(voi, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in voi):
                raise Forged(f"{what}: monitor {k + 1} variables_of_interest {str(voi)[:60]}")
            if voi:
                kwargs["variables_of_interest"] = numpy.array(voi, dtype=int)
            if name not in NO_PERIOD:
                kwargs["period"] = _num(desc.get("period"), f"{what}: monitor {k + 1} period")
            if name == "EEG":
                out.append(self.eeg(desc, kwargs, f"{what}: monitor {k + 1} (EEG)"))
                continue
            out.append(cls(**kwargs))
        return out

    @staticmethod
    def eeg(desc: dict, kwargs: dict, what: str):
        """An EEG monitor as `monitors.EEG.from_file(**kwargs)` builds it (TVB's default sensors, projection and
        region mapping from tvb_data). The trace records only the sensors' class and count: other sensors are
        unconfirmed here; another projection, reference or observation noise shows as a differing output."""
        from tvb.simulator import monitors

        sensors = desc.get("sensors")
        if not isinstance(sensors, dict) or (sensors.get("class"), sensors.get("number_of_sensors")) \
                not in (EEG_DEFAULT_SENSORS, (EEG_DEFAULT_SENSORS[0], None)):
            raise Unconfirmed(f"{what}: sensors {str(sensors)[:80]} are not TVB's default EEG sensors "
                              f"(eeg_brainstorm_65); only EEG.from_file()'s defaults are replayed")
        try:
            return monitors.EEG.from_file(**kwargs)
        except Exception as error:
            raise Unconfirmed(f"{what}: TVB's default EEG files could not be loaded ({type(error).__name__}: "
                              f"{str(error)[:200]})") from None

    def stimulus(self, desc: Any, conn: _Conn, what: str):
        import numpy
        from tvb.datatypes import equations, patterns

        if desc is None:
            return None
        if not isinstance(desc, dict) or desc.get("class") != "StimuliRegion":
            raise Unconfirmed(f"{what}: stimulus {str((desc or {}).get('class'))[:40]} is not supported "
                              "(region stimuli only)")
        temporal = desc.get("temporal")
        if not isinstance(temporal, dict):
            raise Unconfirmed(f"{what}: stimulus without a temporal equation")
        eq_cls = _tvb_class(equations, temporal.get("class"), equations.Equation, f"{what}: stimulus equation")
        eq = eq_cls()
        eq.parameters = self.equation_parameters(eq, temporal, what)
        if "weight" not in desc:
            raise Unconfirmed(f"{what}: stimulus weights not recorded")
        weight = decode_array(desc["weight"], f"{what}: stimulus weight").ravel()
        n = conn.conn.number_of_regions
        if weight.shape != (n,):
            raise Unconfirmed(f"{what}: stimulus weight of shape {weight.shape} for {n} regions")
        nonzero = [int(i) for i in numpy.flatnonzero(weight)]
        if desc.get("regions") != nonzero[:4096] or desc.get("labels") not in (None, [conn.labels[i] for i in nonzero[:4096]]):
            raise Forged(f"{what}: stimulus regions/labels are not the weighted regions of the connectivity")
        return patterns.StimuliRegion(temporal=eq, connectivity=conn.conn, weight=weight)

    @staticmethod
    def equation_parameters(eq: Any, temporal: dict, what: str) -> dict:
        params = temporal.get("parameters") or {}
        if not isinstance(params, dict):
            raise Forged(f"{what}: stimulus equation parameters are not a mapping")
        default = dict(getattr(eq, "parameters", None) or {})
        if set(params) != set(default):   # numexpr evaluates the class's own equation string with these names
            raise Unconfirmed(f"{what}: stimulus {type(eq).__name__} parameters {sorted(params)} are not the "
                              f"class's {sorted(default)}")
        return {k: _num(v, f"{what}: stimulus parameter {k}") for k, v in params.items()}


def _restore_mt(target: Any, arrays: dict, prefix: str, what: str) -> None:
    keys = arrays.get(prefix + "keys")
    try:
        state = ("MT19937", keys.astype("uint32"), int(arrays[prefix + "pos"]), int(arrays[prefix + "has_gauss"]),
                 float(arrays[prefix + "cached_gaussian"]))
        if keys.shape != (624,):
            raise ValueError("keys")
        target.set_state(state)
    except Exception:
        raise Forged(f"{what}: rng sidecar does not hold a valid {prefix or 'global '}MT19937 state") from None


# ---------------------------------------------------------------------------------------------- re-running


@dataclass
class _SimState:
    """The replay of one traced simulator (one (pid, sim) pair)."""

    sim: Any = None
    conn: _Conn | None = None
    configure: dict | None = None
    step: int = 0                 # the replayed simulator's current_step
    broken: str | None = None     # why later runs of this simulator cannot be replayed
    model_desc: Any = None
    coupling_desc: Any = None
    temporal_desc: Any = None


@dataclass
class _Replay:
    dir_fd: int
    deadline: float
    builder: _Builder = None
    sims: dict = field(default_factory=dict)
    details: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    unconfirmed: list = field(default_factory=list)
    hook_errors: int = 0

    def __post_init__(self):
        self.builder = _Builder(self.dir_fd)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _monitor_descriptions(sim: Any) -> tuple:
    """What each replayed monitor records (from the re-run simulator itself, not from the trace's words)."""
    model, out = sim.model, []
    names = [str(n) for n in model.variables_of_interest]
    for monitor in sim.monitors:
        cls = type(monitor).__name__
        voi = [int(i) for i in monitor.voi]
        if cls.startswith("AfferentCoupling"):
            svars = list(model.state_variables)
            vnames = [str(svars[int(c)]) for c in model.cvar]
        else:
            vnames = names
        out.append({"class": cls, "period": float(monitor.istep) * float(sim.integrator.dt),
                    "istep": int(monitor.istep), "voi": voi, "voi_names": [vnames[i] for i in voi]})
    return tuple(out)


def _describe(i: int, record: dict) -> str:
    model = record.get("model") if isinstance(record.get("model"), dict) else {}
    return (f"run {i} ({model.get('class', '?')}, {record.get('simulation_length', '?')} ms, sim "
            f"{str(record.get('sim'))[:8]} pid {record.get('pid')})")


def _configure(state: _SimState, record: dict, replay: _Replay, what: str) -> None:
    """Build a Simulator from a configure record and configure it as the notebook did."""
    import numpy
    from tvb.simulator import simulator

    b = replay.builder
    sim_desc = _section(record, "simulator", what)
    if sim_desc.get("class") != "Simulator" or sim_desc.get("module") != "tvb.simulator.simulator":
        raise Unconfirmed(f"{what}: simulator class {sim_desc.get('module')}.{sim_desc.get('class')} is not TVB's")
    if sim_desc.get("overrides"):
        raise Unconfirmed(f"{what}: Simulator methods were replaced ({', '.join(map(str, sim_desc['overrides']))})")
    if record.get("surface") is not None:
        raise Unconfirmed(f"{what}: surface simulations are not replayed")
    conn = b.connectivity(_section(record, "connectivity", what), what)
    model = b.model(_section(record, "model", what), what)
    sim = simulator.Simulator(
        model=model, connectivity=conn.conn, coupling=b.coupling(_section(record, "coupling", what), what),
        integrator=b.integrator(_section(record, "integrator", what), record.get("noise"), what),
        monitors=b.monitors(_section(record, "monitors", what), what),
        stimulus=b.stimulus(record.get("stimulus"), conn, what),
        simulation_length=_num(record.get("simulation_length"), f"{what}: simulation_length"))
    initial = record.get("initial")
    if not isinstance(initial, dict):
        raise Unconfirmed(f"{what}: no initial-state record")
    if initial.get("source") == "given":
        given = initial.get("given") or {}
        if initial.get("given_sidecar") is None:
            raise Unconfirmed(f"{what}: the given initial conditions were too large to save")
        arr = _load_sidecar(replay.dir_fd, initial["given_sidecar"]).get("initial_conditions")
        if arr is None or _sha(numpy.ascontiguousarray(arr, dtype=numpy.float64)) != given.get("sha256"):
            raise Forged(f"{what}: given initial conditions do not match their sha256")
        sim.initial_conditions = numpy.asarray(arr, dtype=numpy.float64)
    elif initial.get("source") != "random":
        raise Unconfirmed(f"{what}: unknown initial-state source {str(initial.get('source'))[:30]}")
    if initial.get("rng_sidecar") is None:
        raise Unconfirmed(f"{what}: the random state before configure() was not saved")
    rng = _load_sidecar(replay.dir_fd, initial["rng_sidecar"])
    sim.current_step = state.step    # a reconfigured simulator keeps its step count
    _restore_mt(numpy.random, rng, "", what)
    if sim.integrator is not None and hasattr(sim.integrator, "noise"):
        if "noise_keys" not in rng:
            raise Unconfirmed(f"{what}: the noise stream state before configure() was not saved")
        _restore_mt(sim.integrator.noise.random_stream, rng, "noise_", what)
    sim.configure()
    for key, actual in (("history", lambda: sim.history.buffer), ("current_state", lambda: sim.current_state)):
        claimed = initial.get(key)
        if not isinstance(claimed, dict):
            raise Unconfirmed(f"{what}: no {key} fingerprint after configure()")
        a64 = numpy.ascontiguousarray(actual(), dtype=numpy.float64)
        if claimed.get("sha256") != _sha(a64) or claimed.get("shape") != list(a64.shape):
            raise Unconfirmed(f"{what}: the replayed {key} after configure() differs from the traced one (the initial "
                              f"state depends on something the trace does not record)")
    if initial.get("current_step") != int(sim.current_step):
        raise Unconfirmed(f"{what}: current_step after configure() is {sim.current_step}, traced "
                          f"{initial.get('current_step')}")
    state.sim, state.conn, state.configure, state.step, state.broken = sim, conn, record, int(sim.current_step), None
    state.model_desc, state.coupling_desc = record.get("model"), record.get("coupling")
    state.temporal_desc = (record.get("stimulus") or {}).get("temporal")


_STRUCTURAL = ("simulator", "integrator", "noise", "monitors", "surface")


def _align_components(state: _SimState, record: dict, what: str) -> None:
    """Apply parameter changes made between configure and this run; refuse structural changes."""
    conf = state.configure
    for key in _STRUCTURAL:
        a, b = conf.get(key), record.get(key)
        if key == "monitors" and isinstance(a, list) and isinstance(b, list):   # voi_names may differ in detail
            a = [{k: m.get(k) for k in ("class", "period", "istep", "variables_of_interest")} for m in a if isinstance(m, dict)]
            b = [{k: m.get(k) for k in ("class", "period", "istep", "variables_of_interest")} for m in b if isinstance(m, dict)]
        if a != b:
            raise Unconfirmed(f"{what}: its {key} changed after configure() without a new configure()")
    for key in ("sha256", "number_of_regions", "sidecar"):
        if (conf.get("connectivity") or {}).get(key) != (record.get("connectivity") or {}).get(key):
            raise Unconfirmed(f"{what}: its connectivity changed after configure()")
    stim_a, stim_b = conf.get("stimulus"), record.get("stimulus")
    if (stim_a is None) != (stim_b is None) or (stim_a and {k: v for k, v in stim_a.items() if k != "temporal"}
                                                != {k: v for k, v in stim_b.items() if k != "temporal"}):
        raise Unconfirmed(f"{what}: its stimulus changed after configure()")
    model = record.get("model")
    if not isinstance(model, dict) or model.get("class") != (state.model_desc or {}).get("class") \
            or model.get("module") != (state.model_desc or {}).get("module"):
        raise Unconfirmed(f"{what}: its model changed after configure()")
    old = {**(state.model_desc.get("defaults") or {}), **(state.model_desc.get("params") or {})}
    new = {**(model.get("defaults") or {}), **(model.get("params") or {})}
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    if set(old) - set(new):
        raise Unconfirmed(f"{what}: model parameters {sorted(set(old) - set(new))} disappeared after configure()")
    _set_traits(state.sim.model, changed, f"{what}: model")
    state.model_desc = model
    cpl = record.get("coupling")
    if not isinstance(cpl, dict) or cpl.get("class") != (state.coupling_desc or {}).get("class"):
        raise Unconfirmed(f"{what}: its coupling changed after configure()")
    old = state.coupling_desc.get("params") or {}
    _set_traits(state.sim.coupling, {k: v for k, v in (cpl.get("params") or {}).items() if old.get(k) != v},
                f"{what}: coupling")
    state.coupling_desc = cpl
    if stim_b:
        temporal = stim_b.get("temporal")
        if temporal != state.temporal_desc:
            eq = state.sim.stimulus.temporal
            if not isinstance(temporal, dict) or temporal.get("class") != type(eq).__name__:
                raise Unconfirmed(f"{what}: its stimulus equation changed after configure()")
            eq.parameters = _Builder.equation_parameters(eq, temporal, what)
            state.temporal_desc = temporal


def _execute(state: _SimState, record: dict, replay: _Replay, what: str) -> tuple[list, int]:
    """Re-run one run record on the replayed simulator; (outputs per monitor, integration steps taken)."""
    import numpy

    sim = state.sim
    n_steps, length = record.get("n_steps"), record.get("simulation_length")
    if not isinstance(n_steps, int) or isinstance(n_steps, bool) or n_steps < 0:
        raise Unconfirmed(f"{what}: requested n_steps not recorded")
    length = _num(length, f"{what}: simulation_length")
    if hasattr(sim.integrator, "noise"):
        if record.get("rng_sidecar") is None:
            raise Unconfirmed(f"{what}: the noise stream state at the start of the run was not saved")
        _restore_mt(sim.integrator.noise.random_stream, _load_sidecar(replay.dir_fd, record["rng_sidecar"]), "noise_",
                    what)
    complete = record.get("complete")
    stop_at = None
    if record.get("form") == "generator" and complete is False:
        stop_at = record.get("steps")
        if not isinstance(stop_at, int) or isinstance(stop_at, bool) or not 0 < stop_at <= n_steps:
            raise Unconfirmed(f"{what}: an early-stopped generator without its step count")
    elif record.get("form") not in ("run", "generator") or complete is not True:
        raise Unconfirmed(f"{what}: run form {str(record.get('form'))[:20]} / complete={complete!r} not replayable")
    step0 = int(sim.current_step)
    ts = [[] for _ in sim.monitors]
    xs = [[] for _ in sim.monitors]
    gen = sim(simulation_length=length, n_steps=n_steps)
    taken, count = n_steps, 0
    try:
        for output in gen:
            for tl, xl, item in zip(ts, xs, output):
                if item is not None:
                    tl.append(item[0])
                    xl.append(item[1])
            count += 1
            if count % 500 == 0 and time.monotonic() > replay.deadline:
                raise _Budget()
            if stop_at is not None:
                step = gen.gi_frame.f_locals.get("step") - step0
                if step >= stop_at:
                    if step != stop_at:
                        raise Forged(f"{what}: a generator cannot stop at step {stop_at} (no output there)")
                    taken = step
                    break
        else:
            if stop_at is not None:
                raise Forged(f"{what}: claims to stop after {stop_at} steps but produces no output there")
    finally:
        gen.close()
    outputs = [(numpy.array(t), numpy.array(x)) for t, x in zip(ts, xs)]
    state.step = int(sim.current_step)
    return outputs, taken


class _Budget(Exception):
    pass


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


def _check_claims(record: dict, what: str) -> None:
    """Cheap consistency of a run record with itself (before any re-run)."""
    monitors = record.get("monitors")
    outputs = record.get("outputs")
    if record.get("error") or outputs is None or not isinstance(monitors, list):
        return          # nothing claimed, or the hook could not describe the monitors (the replay decides)
    if not isinstance(outputs, list) or len(outputs) != len(monitors):
        raise Forged(f"{what}: {len(outputs) if isinstance(outputs, list) else '?'} outputs for {len(monitors)} monitors")
    dt = record.get("integrator", {}).get("dt") if isinstance(record.get("integrator"), dict) else None
    steps = record.get("steps")
    conn = record.get("connectivity") if isinstance(record.get("connectivity"), dict) else {}
    model = record.get("model") if isinstance(record.get("model"), dict) else {}
    best = 0.0
    for k, (out, mon) in enumerate(zip(outputs, monitors)):
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
            if mon.get("class") == "EEG":     # one entry per sensor; the modes are summed into one
                sensors = mon.get("sensors") if isinstance(mon.get("sensors"), dict) else {}
                nodes, modes = sensors.get("number_of_sensors"), 1
            nvoi = len(mon.get("variables_of_interest") or []) or (
                None if str(mon.get("class")).startswith("AfferentCoupling") else len(model.get("variables_of_interest") or []))
            expected = [nvoi, nodes, modes]
            if not isinstance(shape, list) or len(shape) != 3 or any(
                    e is not None and s != e for s, e in zip(shape, expected)):
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
    for k, ((times, data), claim, monitor) in enumerate(zip(outputs, claimed, state.sim.monitors)):
        mname = f"monitor {k + 1} ({type(monitor).__name__})"
        actual = _stats(times, data)
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
                if type(monitor).__name__ in ASSUMED_DEFAULTS:
                    raise Unconfirmed(f"{what}: {mname} {key} differs from the re-run (claimed {claim.get(key)}, "
                                      f"re-run {actual[key]!r}); {ASSUMED_DEFAULTS[type(monitor).__name__]}")
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
    if not _close(start, expected, 1.0, 1e-9):
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
        if hasattr(value, "dtype") and value.dtype.kind in "biuf":
            params[name] = value
    replay.runs.append(ReplayedRun(
        index=i, sim=str(record.get("sim")), pid=int(record.get("pid") or 0), record=record,
        model=type(model).__name__, model_params=params, dt=float(state.sim.integrator.dt),
        start_ms=float(start), simulated_ms=produced,
        monitors=_monitor_descriptions(state.sim),
        outputs=tuple(outputs), region_labels=state.conn.labels, stimulus=record.get("stimulus"),
        coupling=record.get("coupling"), stochastic=hasattr(state.sim.integrator, "noise"),
        connectivity=state.conn.conn))


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


def _recompute(goal_dir: Path | None, runs: list, details: list) -> dict:
    import importlib.util

    if goal_dir is None:
        return {}
    path = Path(goal_dir) / REPLAY_FILE
    spec = importlib.util.spec_from_file_location(f"evolve_goal_replay_{Path(goal_dir).name.replace('-', '_')}", path)
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
