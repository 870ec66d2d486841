"""Re-running one traced simulator as the notebook ran it: the state of a replay, configure() from a configure
record (random state restored right before it), parameter changes between configure and run, one run.

A `_Replay` holds the evidence folder, the deadline, the builder, one `_SimState` per traced (pid, sim) and what
the re-run produced so far. `_configure` refuses a simulator it cannot rebuild or whose initial history does not
reproduce (`Unconfirmed`); `_align_components` applies parameter-value changes only; `_execute` re-runs one run
record (run() or a generator, an early-stopped generator to exactly its traced step) and raises `_Budget` when
the replay's deadline passes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .errors import Forged, Unconfirmed
from .evidence import _load_sidecar, _num, _sha
from .rebuild import _Builder, _Conn, _section, _set_traits


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
    provenance: tuple = ()        # per monitor: None, or a sensor monitor's tvb_data files and observation noise
    assumed: str | None = None    # why an output that differs is "unconfirmed" rather than "forged"


@dataclass
class _Replay:
    """One replay of an evidence folder: its descriptor, deadline, builder, traced simulators and results so far."""

    dir_fd: int
    deadline: float
    builder: _Builder = field(init=False)  # made in __post_init__, over dir_fd
    sims: dict = field(default_factory=dict)
    details: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    unconfirmed: list = field(default_factory=list)
    hook_errors: int = 0

    def __post_init__(self):
        self.builder = _Builder(self.dir_fd)


def _monitor_descriptions(sim: Any, provenance: tuple = ()) -> tuple:
    """What each replayed monitor records (from the re-run simulator itself, not from the trace's words); sensor
    monitors add the tvb_data files the replay rebuilt them from (`provenance`)."""
    model, out = sim.model, []
    names = [str(n) for n in model.variables_of_interest]
    for k, monitor in enumerate(sim.monitors):
        cls = type(monitor).__name__
        voi = [int(i) for i in monitor.voi]
        if cls.startswith("AfferentCoupling"):
            svars = list(model.state_variables)
            vnames = [str(svars[int(c)]) for c in model.cvar]
        else:
            vnames = names
        desc = {"class": cls, "period": float(monitor.istep) * float(sim.integrator.dt),
                "istep": int(monitor.istep), "voi": voi, "voi_names": [vnames[i] for i in voi]}
        if k < len(provenance) and provenance[k] is not None:
            desc.update(provenance[k])
        out.append(desc)
    return tuple(out)


def _restore_obsnoise(sim: Any, arrays: dict, what: str) -> None:
    """The observation-noise stream of each sensor monitor, as the hook saved it (obsnoise<k>_* arrays)."""
    for k, monitor in enumerate(sim.monitors):
        obs = getattr(monitor, "obsnoise", None) if getattr(monitor, "sensors", None) is not None else None
        if obs is None:
            continue
        if f"obsnoise{k}_keys" not in arrays:
            raise Unconfirmed(f"{what}: the observation-noise stream of monitor {k + 1} was not saved")
        _restore_mt(obs.random_stream, arrays, f"obsnoise{k}_", what)


def _restore_mt(target: Any, arrays: dict, prefix: str, what: str) -> None:
    keys = arrays.get(prefix + "keys")
    try:
        if keys is None:
            raise KeyError("keys")
        state = ("MT19937", keys.astype("uint32"), int(arrays[prefix + "pos"]), int(arrays[prefix + "has_gauss"]),
                 float(arrays[prefix + "cached_gaussian"]))
        if keys.shape != (624,):
            raise ValueError("keys")
        target.set_state(state)
    except Exception:
        raise Forged(f"{what}: rng sidecar does not hold a valid {prefix or 'global '}MT19937 state") from None


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
    monitors, provenance = b.monitors(_section(record, "monitors", what), what)
    sim = simulator.Simulator(
        model=model, connectivity=conn.conn, coupling=b.coupling(_section(record, "coupling", what), what),
        integrator=b.integrator(_section(record, "integrator", what), record.get("noise"), what),
        monitors=monitors,
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
    reused = None
    if any(p is not None for p in provenance) and initial.get("monitors_configured_before") != []:
        if not isinstance(initial.get("monitors_configured_before"), list):
            raise Unconfirmed(f"{what}: whether its sensor monitors were configured before was not recorded")
        # TVB keeps a reused sensor monitor's earlier set-up (gain, sampling, accumulator): the same as a fresh one's
        # when the earlier simulator had the same connectivity, dt and model; the replay builds a fresh one.
        reused = ("a sensor monitor was configured before (another simulator or an earlier configure()): TVB kept "
                  "its earlier set-up, the replay built it afresh")
    if initial.get("rng_sidecar") is None:
        raise Unconfirmed(f"{what}: the random state before configure() was not saved")
    rng = _load_sidecar(replay.dir_fd, initial["rng_sidecar"])
    sim.current_step = state.step    # a reconfigured simulator keeps its step count
    _restore_mt(numpy.random, rng, "", what)
    # (pyright misreads TVB's neotraits descriptors, `sim.integrator`: TVB adds its metaclass dynamically)
    integrator = sim.integrator  # pyright: ignore[reportAttributeAccessIssue]
    if integrator is not None and hasattr(integrator, "noise"):
        if "noise_keys" not in rng:
            raise Unconfirmed(f"{what}: the noise stream state before configure() was not saved")
        _restore_mt(integrator.noise.random_stream, rng, "noise_", what)
    _restore_obsnoise(sim, rng, what)
    sim.configure()
    traced_monitors = record.get("monitors") or []
    # (pyright misreads TVB's neotraits descriptors, `sim.monitors`)
    for k, (monitor, desc) in enumerate(zip(sim.monitors, traced_monitors, strict=False)):  # pyright: ignore[reportAttributeAccessIssue]
        if provenance[k] is None:
            continue
        gain = numpy.ascontiguousarray(monitor.gain, dtype=numpy.float64)
        claimed = desc.get("gain") if isinstance(desc, dict) else None
        if not isinstance(claimed, dict) or claimed.get("sha256") != _sha(gain) or claimed.get("shape") != list(gain.shape):
            raise Unconfirmed(f"{what}: the gain of monitor {k + 1} ({type(monitor).__name__}) after configure() is not "
                              "the traced one (the notebook set up its projection in a way the trace does not record)")
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
    state.provenance, state.assumed = tuple(provenance), reused
    state.model_desc, state.coupling_desc = record.get("model"), record.get("coupling")
    state.temporal_desc = (record.get("stimulus") or {}).get("temporal")


_STRUCTURAL = ("simulator", "integrator", "noise", "monitors", "surface")


def _align_components(state: _SimState, record: dict, what: str) -> None:
    """Apply parameter changes made between configure and this run; refuse structural changes."""
    conf = state.configure
    assert conf is not None, "a run is aligned only after its simulator's configure() was replayed"
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
    if (stim_a is None) != (stim_b is None) or (stim_a and stim_b is not None
                                                and {k: v for k, v in stim_a.items() if k != "temporal"}
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
    observed = any(getattr(m, "obsnoise", None) is not None and getattr(m, "sensors", None) is not None
                   for m in sim.monitors)
    if hasattr(sim.integrator, "noise") or observed:
        if record.get("rng_sidecar") is None:
            raise Unconfirmed(f"{what}: the noise stream state at the start of the run was not saved")
        rng = _load_sidecar(replay.dir_fd, record["rng_sidecar"])
        if hasattr(sim.integrator, "noise"):
            _restore_mt(sim.integrator.noise.random_stream, rng, "noise_", what)
        _restore_obsnoise(sim, rng, what)
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
            for tl, xl, item in zip(ts, xs, output, strict=False):
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
    outputs = [(numpy.array(t), numpy.array(x)) for t, x in zip(ts, xs, strict=False)]
    state.step = int(sim.current_step)
    return outputs, taken


class _Budget(Exception):
    pass
