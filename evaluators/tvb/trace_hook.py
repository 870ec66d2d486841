"""Startup hook: record what TVB actually simulated into `$EVOLVE_EVIDENCE_DIR/simulation_trace.jsonl`.

Contract (the sandbox runs this file in every Python process it starts, through `sitecustomize`, and the
kernel runs it again as a hidden step before the notebook's first cell):
- Self-contained: standard library plus a lazy numpy, no `evolve` import; safe to `exec` into the notebook's
  own namespace, because everything lives inside one function that is deleted afterwards.
- Idempotent: a second execution in the same process changes nothing (one meta-path finder, `_evolve_traced`
  markers on the patched methods).
- Records nothing, anywhere, when $EVOLVE_EVIDENCE_DIR is unset; the directory is read once, when the hook runs.
- Lazy: imports nothing from TVB or numpy. A one-shot `sys.meta_path` finder patches
  `tvb.simulator.simulator.Simulator` right after that module is first imported (immediately, if it already
  was). A process that never uses TVB pays nothing. Forked children inherit the patched class; spawn and
  forkserver workers install the hook themselves (sitecustomize).
- Never changes behaviour: the patched methods return the original results and re-raise the original
  exceptions; output statistics are computed on copies (generator form) or read-only (run form); numpy
  floating-point warnings are silenced only inside the hook. The hook's own failures are swallowed and,
  when possible, written as a {"event": "hook_error"} record.
- The wrappers carry the original name, qualname, doc and signature but no `__wrapped__`: getting the
  original methods back takes deliberate digging (e.g. through `__closure__`), which the pitfall scanner flags.
- Writing: one `os.write` per JSON line on an O_APPEND|O_NOFOLLOW descriptor (workers appending at the same
  time cannot interleave lines); at most 5000 records per process, lines under 900 kB (a record too large is
  re-encoded with fewer array values), and no writing once the trace file exceeds 48 MB. Sidecar `.npz` files
  are written to a temporary name, then renamed into place.

Trace format v2, one JSON object per line. Every record: v (2), event ("configure" | "run" | "hook_error"),
sim (8 hex of the simulator's gid, null for hook errors), pid, seq (per-process counter), time (epoch s).
Numbers keep full float precision; non-finite floats are the strings "nan", "inf", "-inf". A numeric array
of one element is a plain number, a longer one {shape, values (all when size <= 4096, else the first 4096
and "truncated": true), sha256 (of its C-contiguous float64 bytes), min, max}; non-numeric arrays are lists
of strings.
configure and run records describe the simulator:
- simulator {class, module, overrides (Simulator methods replaced on the class, a subclass or the instance)};
- model {class, module, params (non-default), defaults, state_variables, state_variable_range ({name: [lo, hi]},
  what random initial history is drawn from), variables_of_interest, number_of_modes};
- connectivity {number_of_regions, speed, sha256 (weights then tract_lengths, float64 bytes), sidecar
  ("conn-<sha12>.npz", sha12 over everything saved: weights, tract_lengths, centres, region_labels, speed,
  areas, orientations, cortical, hemispheres when present; written once per distinct content)};
- coupling {class, params (all numeric traits)}; integrator {class, dt, stochastic};
  noise {class, nsig, ntau, noise_seed} or null;
- monitors [{class, period (as configured), istep, variables_of_interest, voi_names}], sensor monitors (EEG/MEG/iEEG)
  adding module, sensors {class, number_of_sensors, sha256 (content: labels, locations, orientations, usable)},
  projection {class, shape, sha256 of projection_data} or null (analytic gain), region_mapping {shape, sha256 of
  array_data} or null, obsnoise {class, module, nsig, ntau, noise_seed} or null, reference, sigma, gain {shape,
  sha256} (the gain configure() computed; null before); content hashes: sha256 over "name:[shape];" then the bytes
  of each present field (labels newline-joined UTF-8, the rest float64);
- stimulus {class, temporal {class, parameters}, weight (full array), regions (non-zero indices),
  region_weights, labels} or null; surface (class name) or null; simulation_length (sim.simulation_length).
configure adds: initial {source ("random" | "given"), rng_sidecar ("rng-<pid>-<seq>.npz": the numpy global
RandomState right before the original configure ran, keys keys uint32[624], pos, has_gauss, cached_gaussian;
plus noise_keys, noise_pos, noise_has_gauss, noise_cached_gaussian: the stochastic integrator's
noise.random_stream, which TVB draws a stochastic simulation's random initial history from; obsnoise<k>_keys, ...:
the observation-noise stream of sensor monitor k), monitors_configured_before (indices of sensor monitors TVB had
configured already: it keeps their earlier set-up), given {shape,
sha256} and given_sidecar ("given-<sha12>.npz", key initial_conditions, float64; null above 64 MB) when
initial_conditions were set, history {shape, sha256, mean, std} of the history buffer after configure,
current_state {shape, sha256, mean, std}, current_step}; error {type, message} or null.
run adds: form ("run" | "generator"), simulation_length (requested, ms), n_steps (requested), start_ms,
steps (integration steps actually taken, when known), wall_s, complete, rng_sidecar (stochastic runs: the
noise stream state the run started from, noise_* keys; a given random_state is what it starts from; sensor monitors
with observation noise: obsnoise<k>_* keys),
random_state_given, outputs [{samples (produced), shape (of one sample), period (effective: istep * dt), first_t,
last_t, nan, mean, std, min, max (float64 over all produced data), sha256 (float64 C-order bytes of the
produced data, concatenated over samples)}] (null when the run raised before returning, in the run form),
nan (any output), simulated_ms (max over monitors of samples * period, capped at steps * dt: what was
produced, never what was asked for), error.
hook_error records: where, error, traceback.
"""


def _evolve_simulation_trace_hook():
    import os
    import sys

    evidence = os.environ.get("EVOLVE_EVIDENCE_DIR") or ""
    if not evidence:
        return                           # no evidence dir: record nothing (never into the cwd)
    evidence = os.path.abspath(evidence)
    target = "tvb.simulator.simulator"
    trace_name = "simulation_trace.jsonl"
    max_events = 5000                    # records per process: a runaway sweep must not fill the disk
    max_values = 4096                    # array values kept per parameter
    max_line = 900_000                   # bytes; the reader skips lines over 1 MiB
    max_trace = 48 << 20                 # bytes; the reader stops at 64 MiB
    max_given = 64 << 20                 # user initial_conditions saved up to this size
    max_sidecars = 512 << 20             # sidecar bytes per process
    flush_samples, flush_bytes = 256, 8 << 20   # generator form: statistics computed per block of samples
    state = {"pid": os.getpid(), "events": 0, "seq": 0, "sidecar_bytes": 0, "written": set(), "full": False,
             "limit": max_values, "tmp": 0, "local": None}

    # ------------------------------------------------------------------ writing
    def fresh():
        """Per-process counters restart in a forked child (which inherits the parent's)."""
        if state["pid"] != os.getpid():
            state.update(pid=os.getpid(), events=0, sidecar_bytes=0, full=False)

    def next_seq():
        fresh()
        state["seq"] += 1
        return state["seq"]

    def dumps(obj):
        import json

        return (json.dumps(obj, default=str, separators=(",", ":")) + "\n").encode("utf-8")

    def append(line):
        import stat

        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(os.path.join(evidence, trace_name), flags, 0o644)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return
            if st.st_size + len(line) > max_trace:
                state["full"] = True
                line = dumps(dict(header("hook_error", None), where="write",
                                  error=f"trace size limit reached ({max_trace} bytes): later records dropped"))
            os.write(fd, line)   # one write per line: concurrent appenders cannot interleave
        finally:
            os.close(fd)

    def emit(build):
        """Write the record `build()` returns; re-encode with fewer array values when the line is too long."""
        fresh()
        if state["full"] or state["events"] >= max_events:
            return
        try:
            for limit in (max_values, 256, 0):
                state["limit"] = limit
                obj, errors = build()
                line = dumps(obj)
                if len(line) <= max_line:
                    break
            else:
                line = dumps(dict(header("hook_error", None, obj.get("seq")), where=f"{obj.get('event')}.size",
                                  error=f"record of {len(line)} bytes too large to trace"))
        finally:
            state["limit"] = max_values
        state["events"] += 1
        if state["events"] == max_events:
            line = dumps(dict(header("hook_error", None), where="write",
                              error=f"trace truncated after {max_events} records in this process"))
        append(line)
        for where, error in errors:
            hook_error(f"{obj.get('event')}.{where}", error)

    def hook_error(where, error):
        try:
            import traceback

            fresh()
            if state["full"] or state["events"] >= max_events:
                return
            state["events"] += 1
            tail = traceback.format_exception(type(error), error, error.__traceback__)[-3:]
            append(dumps(dict(header("hook_error", None), where=where, error=f"{type(error).__name__}: {error}"[:2000],
                              traceback="".join(tail)[-1500:])))
        except Exception:
            pass

    def save_sidecar(name, arrays, dedupe):
        """Write `arrays` as evidence/<name> (.npz) through a temporary file; the name, or None when over budget.
        dedupe: the name is derived from the content, so an existing file is left alone."""
        import numpy

        fresh()
        path = os.path.join(evidence, name)
        if dedupe:
            if name in state["written"]:
                return name
            try:
                os.lstat(path)
                state["written"].add(name)
                return name
            except FileNotFoundError:
                pass
        size = sum(int(a.nbytes) for a in arrays.values())
        if state["sidecar_bytes"] + size > max_sidecars:
            return None
        state["sidecar_bytes"] += size
        state["tmp"] += 1
        tmp = os.path.join(evidence, f".tmp-{os.getpid()}-{state['tmp']}-{name}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                numpy.savez(handle, **arrays)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if dedupe:
            state["written"].add(name)
        return name

    # ------------------------------------------------------------------ encoding
    def fnum(x):
        """A JSON-safe Python number at full precision (non-finite as a string)."""
        if isinstance(x, (bool, int)):
            return x
        x = float(x)
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return x

    def f64(value):
        import numpy

        return numpy.ascontiguousarray(value, dtype=numpy.float64)

    def raw(arr):
        """The bytes of a C-contiguous array, without a copy when it has any."""
        return memoryview(arr).cast("B") if arr.ndim and arr.size and arr.dtype.kind in "biuf" else arr.tobytes()

    def sha(arr64):
        import hashlib

        return hashlib.sha256(raw(arr64)).hexdigest()

    def array_info(arr):
        import math

        import numpy

        a64 = f64(arr)
        values = arr.ravel()[:state["limit"]].tolist()
        if arr.dtype.kind == "f":
            values = [v if math.isfinite(v) else fnum(v) for v in values]
        out = {"shape": list(arr.shape), "values": values, "sha256": sha(a64)}
        if arr.size > state["limit"]:
            out["truncated"] = True
        with numpy.errstate(all="ignore"):
            out["min"] = fnum(a64.min()) if a64.size else None
            out["max"] = fnum(a64.max()) if a64.size else None
        return out

    def enc(value):
        """A trace value: plain numbers and strings as is, arrays as array_info (one element: a number)."""
        import numpy

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, numpy.bool_):
            return bool(value)
        if isinstance(value, (int, float)):
            return fnum(value)
        if isinstance(value, dict):
            return {str(k): enc(v) for k, v in value.items()}
        arr = numpy.asarray(value)
        if arr.dtype.kind not in "biuf":
            return [str(v) for v in arr.ravel()[:state["limit"]].tolist()]
        if arr.size == 1:
            return enc(arr.ravel()[0].item())
        return array_info(arr)

    def summary(value):
        """{shape, sha256, mean, std} of an array (float64)."""
        import numpy

        if value is None:
            return None
        a64 = f64(value)
        with numpy.errstate(all="ignore"):
            return {"shape": list(a64.shape), "sha256": sha(a64),
                    "mean": fnum(a64.mean()) if a64.size else None, "std": fnum(a64.std()) if a64.size else None}

    def same(value, default):
        import numpy

        try:
            a, d = numpy.asarray(value, dtype=float), numpy.asarray(default, dtype=float)
            return a.size > 0 and d.size > 0 and bool(numpy.allclose(a, d, rtol=1e-12, atol=0.0, equal_nan=True))
        except Exception:   # shapes that do not broadcast, non-numeric values: not the default
            return False

    skip = {"gid", "title", "state_variable_range", "state_variable_boundaries", "variables_of_interest"}

    def traits(obj):
        """Numeric declared traits of a HasTraits object: name -> (value, class default)."""
        import numpy

        out = {}
        for name in getattr(type(obj), "declarative_attrs", ()):
            if name in skip:
                continue
            try:
                value = getattr(obj, name, None)
            except Exception:   # e.g. a required trait never assigned
                continue
            if value is None or isinstance(value, str):
                continue
            if not isinstance(value, (bool, int, float, numpy.ndarray, numpy.number)):
                continue
            if isinstance(value, numpy.ndarray) and value.dtype.kind not in "biuf":
                continue
            out[name] = (value, getattr(getattr(type(obj), name, None), "default", None))
        return out

    # ------------------------------------------------------------------ describing a simulator
    watched = ("configure", "run", "__call__", "_configure_history", "_loop_update_history",
               "_loop_compute_node_coupling", "_loop_monitor_output", "_loop_update_stimulus", "_prepare_stimulus")
    originals = {}      # name -> the Simulator class attribute at patch time (patched ones: the wrappers)

    def simulator_info(sim):
        overrides = []
        for name in watched:
            if name in getattr(sim, "__dict__", {}) or getattr(type(sim), name, None) is not originals.get(name):
                overrides.append(name)
        step = getattr(sim, "__dict__", {}).get("integrate_next_step")
        integrator = getattr(sim, "integrator", None)
        if step is not None and getattr(step, "__self__", None) is not integrator:
            overrides.append("integrate_next_step")
        return {"class": type(sim).__name__, "module": type(sim).__module__, "overrides": overrides}

    def model_info(model):
        params, defaults = {}, {}
        for name, (value, default) in traits(model).items():
            (defaults if same(value, default) else params)[name] = enc(value)
        ranges = getattr(model, "state_variable_range", None) or {}
        return {"class": type(model).__name__, "module": type(model).__module__, "params": params,
                "defaults": defaults, "state_variables": [str(v) for v in getattr(model, "state_variables", ())],
                "state_variable_range": {str(k): [fnum(x) for x in f64(v).ravel().tolist()] for k, v in ranges.items()},
                "variables_of_interest": [str(v) for v in (getattr(model, "variables_of_interest", None) or ())],
                "number_of_modes": int(getattr(model, "number_of_modes", 1))}

    def connectivity_info(conn):
        import hashlib

        import numpy

        if conn is None:
            return None
        weights, tracts = f64(conn.weights), f64(conn.tract_lengths)
        digest = hashlib.sha256()
        digest.update(raw(weights))
        digest.update(raw(tracts))
        arrays = {"weights": weights, "tract_lengths": tracts}
        for name in ("centres", "region_labels", "speed", "areas", "orientations", "cortical", "hemispheres"):
            value = getattr(conn, name, None)
            if value is None:
                continue
            arr = numpy.asarray(value)
            if arr.dtype.kind == "O":
                arr = arr.astype(str)
            if arr.size:
                arrays[name] = numpy.ascontiguousarray(arr)
        content = hashlib.sha256()
        for name, arr in arrays.items():
            content.update(f"{name}:{arr.dtype.str}:{arr.shape};".encode())
            content.update(raw(arr))
        sidecar = None
        try:
            sidecar = save_sidecar(f"conn-{content.hexdigest()[:12]}.npz", arrays, dedupe=True)
        except Exception as error:
            hook_error("connectivity.sidecar", error)
        return {"number_of_regions": int(conn.number_of_regions or 0), "speed": enc(conn.speed),
                "sha256": digest.hexdigest(), "sidecar": sidecar}

    def plain(obj):
        return None if obj is None else {
            "class": type(obj).__name__, "params": {k: enc(v) for k, (v, _) in traits(obj).items()}}

    def integrator_info(integrator):
        return {"class": type(integrator).__name__, "dt": fnum(integrator.dt),
                "stochastic": getattr(integrator, "noise", None) is not None}

    def noise_info(integrator):
        noise = getattr(integrator, "noise", None)
        if noise is None:
            return None
        ntau = getattr(noise, "ntau", None)
        seed = getattr(noise, "noise_seed", None)
        return {"class": type(noise).__name__, "nsig": enc(getattr(noise, "nsig", None)),
                "ntau": None if ntau is None else fnum(ntau), "noise_seed": None if seed is None else int(seed)}

    def monitor_info(monitor, model):
        """variables_of_interest as given ([] = the model's default); voi_names as configured, when known."""
        import numpy

        raw = getattr(monitor, "variables_of_interest", None)
        voi = [] if raw is None else [int(i) for i in numpy.asarray(raw).ravel()]
        names = [str(n) for n in (getattr(model, "variables_of_interest", None) or ())]
        if type(monitor).__name__.startswith("AfferentCoupling"):   # these index the coupling variables
            svars = list(getattr(model, "state_variables", ()))
            names = [str(svars[int(c)]) for c in getattr(model, "cvar", ())]
        used = getattr(monitor, "voi", None)    # set by configure()
        used = voi if used is None else [int(i) for i in numpy.asarray(used).ravel()]
        istep = getattr(monitor, "istep", None)
        info = {"class": type(monitor).__name__, "period": fnum(monitor.period),
                "istep": None if istep is None else int(istep), "variables_of_interest": voi,
                "voi_names": [names[i] for i in used if 0 <= i < len(names)] if used else names}
        sensors = getattr(monitor, "sensors", None)
        if sensors is not None:
            info["sensors"] = {"class": type(sensors).__name__,
                               "number_of_sensors": getattr(sensors, "number_of_sensors", None)}
            info.update(projection_info(monitor, sensors))
        return info

    def digest_of(fields):
        """sha256 over (name, shape, bytes) of each present field: labels as newline-joined UTF-8, the rest float64."""
        import hashlib

        import numpy

        digest = hashlib.sha256()
        for name, value in fields:
            if value is None:
                continue
            arr = numpy.asarray(value)
            data = "\n".join(str(x) for x in arr.ravel().tolist()).encode("utf-8") if name == "labels" else raw(f64(arr))
            digest.update(f"{name}:{list(arr.shape)};".encode())
            digest.update(data)
        return digest.hexdigest()

    def projection_info(monitor, sensors):
        """EEG/MEG/iEEG: what the replay needs to rebuild the monitor from tvb_data's files (content hashes of the
        sensors, projection and region mapping), its observation noise, and a hash of the gain it configured."""
        out: dict = {"module": type(monitor).__module__}
        out["sensors"] = dict(info_sensors(sensors))
        proj = getattr(monitor, "projection", None)     # unset on an iEEG without a projection file
        data = getattr(proj, "projection_data", None) if proj is not None else None
        out["projection"] = None if data is None else {"class": type(proj).__name__, "shape": list(f64(data).shape),
                                                       "sha256": digest_of([("projection_data", data)])}
        rmap = getattr(monitor, "region_mapping", None)
        rdata = getattr(rmap, "array_data", None) if rmap is not None else None
        out["region_mapping"] = None if rdata is None else {"shape": list(f64(rdata).shape),
                                                            "sha256": digest_of([("array_data", rdata)])}
        obs = getattr(monitor, "obsnoise", None)
        if obs is None:
            out["obsnoise"] = None
        else:
            seed = getattr(obs, "noise_seed", None)
            out["obsnoise"] = {"class": type(obs).__name__, "module": type(obs).__module__,
                               "nsig": enc(getattr(obs, "nsig", None)), "ntau": fnum(getattr(obs, "ntau", 0.0)),
                               "noise_seed": None if seed is None else int(seed)}
        reference = getattr(monitor, "reference", None)
        out["reference"] = None if reference is None else str(reference)[:200]
        sigma = getattr(monitor, "sigma", None)
        out["sigma"] = None if sigma is None else fnum(sigma)
        gain = getattr(monitor, "_gain", None)   # set by configure (reading .gain would load the projection)
        out["gain"] = None if gain is None else {"shape": list(f64(gain).shape), "sha256": sha(f64(gain))}
        return out

    def info_sensors(sensors):
        yield "class", type(sensors).__name__
        yield "number_of_sensors", getattr(sensors, "number_of_sensors", None)
        yield "sha256", digest_of([(name, getattr(sensors, name, None))
                                   for name in ("labels", "locations", "orientations", "usable")])

    def equation_info(eq):
        if eq is None:
            return None
        return {"class": type(eq).__name__, "parameters": enc(dict(getattr(eq, "parameters", None) or {}))}

    def stimulus_info(stim, conn):
        import numpy

        if stim is None:
            return None
        info = {"class": type(stim).__name__, "temporal": equation_info(getattr(stim, "temporal", None))}
        weight = getattr(stim, "weight", None)
        if weight is not None:
            w = f64(weight).ravel()
            idx = [int(i) for i in numpy.flatnonzero(w)]
            info["weight"] = enc(weight)
            info["regions"] = idx[:max_values]
            info["region_weights"] = [fnum(w[i]) for i in info["regions"]]
            if len(idx) > max_values:
                info["regions_truncated"] = len(idx)
            labels = getattr(conn, "region_labels", None)
            if labels is None:
                labels = getattr(getattr(stim, "connectivity", None), "region_labels", None)
            if labels is not None:
                info["labels"] = [str(labels[i]) for i in info["regions"]]
        elif getattr(stim, "spatial", None) is not None:
            info["spatial"] = equation_info(stim.spatial)
        return info

    def describe(sim, errors):
        """The simulator's components as JSON-safe dicts; a section that fails is None and noted in errors."""
        out = {}
        model = getattr(sim, "model", None)
        conn = getattr(sim, "connectivity", None)
        sections = {
            "simulator": lambda: simulator_info(sim),
            "model": lambda: model_info(model),
            "connectivity": lambda: connectivity_info(conn),
            "coupling": lambda: plain(sim.coupling),
            "integrator": lambda: integrator_info(sim.integrator),
            "noise": lambda: noise_info(sim.integrator),
            "monitors": lambda: [monitor_info(m, model) for m in (sim.monitors or ())],
            "stimulus": lambda: stimulus_info(sim.stimulus, conn),
            "surface": lambda: None if sim.surface is None else type(sim.surface).__name__,
            "simulation_length": lambda: fnum(sim.simulation_length),
        }
        for key, build in sections.items():
            try:
                out[key] = build()
            except Exception as error:
                out[key] = None
                errors.append((key, error))
        return out

    def header(event, sim, seq=None):
        import time

        sim_id = None
        if sim is not None:
            gid = getattr(sim, "gid", None)
            sim_id = (getattr(gid, "hex", None) or f"{id(sim):x}")[:8]
        return {"v": 2, "event": event, "sim": sim_id, "pid": os.getpid(), "seq": seq if seq else next_seq(),
                "time": time.time()}

    def error_info(error):
        return None if error is None else {"type": type(error).__name__, "message": str(error)[:2000]}

    def record(event, sim, seq, extra):
        """Write one configure/run record: the simulator's description plus `extra()`."""
        try:
            def build():
                errors = []
                obj = header(event, sim, seq)
                obj.update(describe(sim, errors))
                obj.update(extra())
                return obj, errors

            emit(build)
        except Exception as error:
            hook_error(event, error)

    def safe(fn, where=None):
        try:
            return fn()
        except Exception as error:
            if where:
                hook_error(where, error)
            return None

    # ------------------------------------------------------------------ random state and initial conditions
    def mt_arrays(st, prefix):
        """numpy legacy MT19937 state (tuple or dict form) as arrays; {} for anything else."""
        import numpy

        if isinstance(st, dict) and st.get("bit_generator") == "MT19937":
            inner = st.get("state") or {}
            st = ("MT19937", inner.get("key"), inner.get("pos"), st.get("has_gauss", 0), st.get("gauss", 0.0))
        if not isinstance(st, (tuple, list)) or len(st) < 3 or st[0] != "MT19937":
            return {}
        pos = st[2]
        if pos is None:  # a dict state without its position: the TypeError int(None) raised before
            raise TypeError("an MT19937 state without its position")
        return {prefix + "keys": numpy.array(st[1], dtype=numpy.uint32).ravel(),
                prefix + "pos": numpy.array(int(pos), dtype=numpy.int64),
                prefix + "has_gauss": numpy.array(int(st[3]) if len(st) > 3 else 0, dtype=numpy.int64),
                prefix + "cached_gaussian": numpy.array(float(st[4]) if len(st) > 4 else 0.0, dtype=numpy.float64)}

    def noise_stream(sim):
        import numpy

        stream = getattr(getattr(getattr(sim, "integrator", None), "noise", None), "random_stream", None)
        return stream if isinstance(stream, numpy.random.RandomState) else None

    def obsnoise_arrays(sim):
        """The observation-noise streams of the EEG/MEG/iEEG monitors: obsnoise<k>_* arrays (k: monitor index)."""
        import numpy

        arrays = {}
        for k, monitor in enumerate(getattr(sim, "monitors", None) or ()):
            stream = getattr(getattr(monitor, "obsnoise", None), "random_stream", None)
            if getattr(monitor, "sensors", None) is not None and isinstance(stream, numpy.random.RandomState):
                arrays.update(mt_arrays(stream.get_state(), f"obsnoise{k}_"))
        return arrays

    def initial_before(sim, seq):
        """Before the original configure: save the random states (numpy's global one, the integrator noise's, the
        sensor monitors' observation noise) and any given initial conditions; note sensor monitors configured
        before (TVB does not configure them again: they keep their earlier set-up)."""
        import numpy

        info = {"source": "random", "rng_sidecar": None, "given": None, "given_sidecar": None, "history": None,
                "current_state": None, "current_step": None,
                "monitors_configured_before": [k for k, m in enumerate(getattr(sim, "monitors", None) or ())
                                               if getattr(m, "_gain_configuration_done", False) is True]}
        arrays = mt_arrays(numpy.random.get_state(), "")
        stream = noise_stream(sim)
        if stream is not None:
            arrays.update(mt_arrays(stream.get_state(), "noise_"))
        arrays.update(safe(lambda: obsnoise_arrays(sim), "configure.obsnoise") or {})
        if arrays:
            info["rng_sidecar"] = safe(lambda: save_sidecar(f"rng-{os.getpid()}-{seq}.npz", arrays, dedupe=False),
                                       "configure.rng_sidecar")
        given = getattr(sim, "initial_conditions", None)
        if given is not None:
            info["source"] = "given"
            a64 = f64(given)
            digest = sha(a64)
            info["given"] = {"shape": list(a64.shape), "sha256": digest}
            if a64.nbytes <= max_given:
                info["given_sidecar"] = safe(lambda: save_sidecar(f"given-{digest[:12]}.npz",
                                                                  {"initial_conditions": a64}, dedupe=True),
                                             "configure.given_sidecar")
        return info

    def initial_after(sim, info):
        info["history"] = safe(lambda: summary(sim.history.buffer))
        info["current_state"] = safe(lambda: summary(sim.current_state))
        info["current_step"] = safe(lambda: int(sim.current_step))

    def run_start(sim, seq, args, kwargs):
        """What a run was asked for, and the noise state it starts from (saved as a sidecar)."""
        import math

        def arg(i, name):
            return kwargs[name] if name in kwargs else (args[i] if len(args) > i else None)

        info = {"simulation_length": None, "n_steps": None, "start_ms": None, "step0": None, "rng_sidecar": None,
                "random_state_given": arg(1, "random_state") is not None}
        dt = safe(lambda: float(sim.integrator.dt))
        length, n_steps = arg(0, "simulation_length"), arg(2, "n_steps")
        try:
            if n_steps is not None:
                info["n_steps"] = int(n_steps)
                if dt is not None:
                    info["simulation_length"] = fnum(int(n_steps) * dt)
            else:
                length = float(length if length is not None else sim.simulation_length)
                info["simulation_length"] = fnum(length)
                if dt is not None:
                    info["n_steps"] = int(math.ceil(length / dt))        # as Simulator.__call__ computes it
        except Exception:
            pass
        info["step0"] = safe(lambda: int(sim.current_step))
        info["start_ms"] = safe(lambda: fnum(info["step0"] * dt))
        stream = noise_stream(sim)
        arrays = {}
        if stream is not None:
            given = arg(1, "random_state")
            arrays = safe(lambda: mt_arrays(given if given is not None else stream.get_state(), "noise_")) or {}
        arrays.update(safe(lambda: obsnoise_arrays(sim), "run.obsnoise") or {})
        if arrays:
            info["rng_sidecar"] = safe(lambda: save_sidecar(f"rng-{os.getpid()}-{seq}.npz", arrays, dedupe=False),
                                       "run.rng_sidecar")
        return info

    # ------------------------------------------------------------------ output statistics
    class Stats:
        """Streaming statistics of one monitor's output: count, mean/M2 merged per block (Chan et al.),
        min, max, NaN flag and sha256 over the float64 bytes of all samples in order."""

        def __init__(self):
            import hashlib

            self.samples, self.shape, self.first_t, self.last_t = 0, None, None, None
            self.count, self.mean, self.m2 = 0, 0.0, 0.0
            self.low, self.high, self.nan = None, None, False
            self.digest = hashlib.sha256()
            self.pending, self.pending_bytes = [], 0

        def add(self, t, data):
            import numpy

            copy = numpy.array(data, dtype=numpy.float64)      # a copy: the caller's array is never touched
            if self.samples == 0:
                self.first_t, self.shape = t, list(copy.shape)
            self.last_t = t
            self.samples += 1
            self.pending.append(copy)
            self.pending_bytes += copy.nbytes
            if len(self.pending) >= flush_samples or self.pending_bytes >= flush_bytes:
                self.flush()

        def flush(self):
            import numpy

            if not self.pending:
                return
            block = self.pending[0].ravel() if len(self.pending) == 1 else numpy.concatenate(
                [p.ravel() for p in self.pending])
            self.pending, self.pending_bytes = [], 0
            self.block(block)

        def block(self, block):
            import numpy

            block = numpy.ascontiguousarray(block, dtype=numpy.float64)
            if block.size == 0:
                return
            self.digest.update(raw(block))
            with numpy.errstate(all="ignore"):
                k, bmean = block.size, float(block.mean())
                bm2 = float(numpy.square(block - bmean).sum())
                low, high = float(block.min()), float(block.max())
                if not self.nan and not bool(numpy.isfinite(block).all()):
                    self.nan = True
            total = self.count + k
            delta = bmean - self.mean
            self.mean += delta * k / total
            self.m2 += bm2 + delta * delta * self.count * k / total
            self.count = total
            self.low = low if self.low is None else (low if low < self.low or low != low else self.low)
            self.high = high if self.high is None else (high if high > self.high or high != high else self.high)

        def result(self, period):
            import math

            self.flush()
            some = self.count > 0
            std = math.sqrt(self.m2 / self.count) if some and self.m2 == self.m2 and self.m2 >= 0 else (
                float("nan") if some else None)
            return {"samples": self.samples, "shape": self.shape, "period": None if period is None else fnum(period),
                    "first_t": None if self.first_t is None else fnum(self.first_t),
                    "last_t": None if self.last_t is None else fnum(self.last_t), "nan": self.nan,
                    "mean": fnum(self.mean) if some else None, "std": None if std is None else fnum(std),
                    "min": None if self.low is None else fnum(self.low),
                    "max": None if self.high is None else fnum(self.high), "sha256": self.digest.hexdigest()}

    def periods(sim):
        """Each monitor's effective sampling period in ms (istep * dt; the configured period otherwise)."""
        out = []
        dt = safe(lambda: float(sim.integrator.dt))
        for monitor in sim.monitors or ():
            istep = getattr(monitor, "istep", None)
            try:
                out.append(int(istep) * dt if istep is not None and dt is not None and int(istep) > 0
                           else float(monitor.period))
            except Exception:
                out.append(None)
        return out

    def outputs_of_result(sim, result):
        """run() form: statistics straight from the returned (times, data) arrays (read-only)."""
        import numpy

        pers, outs = periods(sim), []
        for i, (times, data) in enumerate(result):
            stats = Stats()
            times, data = numpy.asarray(times), numpy.asarray(data)
            n = int(times.shape[0]) if times.ndim else 0
            if n:
                stats.samples, stats.shape = n, [int(s) for s in data.shape[1:]]
                stats.first_t, stats.last_t = times[0].item(), times[-1].item()
                stats.block(data)
            outs.append(stats.result(pers[i] if i < len(pers) else None))
        return outs

    def simulated_ms(sim, outputs, steps):
        import numbers

        if outputs is None:
            return None
        dt = safe(lambda: float(sim.integrator.dt))
        monitors = safe(lambda: list(sim.monitors or ())) or []
        best = 0.0
        for i, out in enumerate(outputs):
            istep = getattr(monitors[i], "istep", None) if i < len(monitors) else None
            if isinstance(istep, numbers.Integral) and int(istep) > 0 and dt is not None:
                best = max(best, (out["samples"] * int(istep)) * dt)   # one rounding: whole steps times dt
            elif isinstance(out.get("period"), float):
                best = max(best, out["samples"] * out["period"])
        if steps is not None and dt is not None:
            best = min(best, steps * dt)   # a monitor cannot report more time than was integrated
        return fnum(best)

    def run_extra(sim, form, pre, wall, outputs, steps, complete, error):
        def extra():
            p = pre or {}
            return {"form": form, "simulation_length": p.get("simulation_length"), "n_steps": p.get("n_steps"),
                    "start_ms": p.get("start_ms"), "steps": steps, "wall_s": round(wall, 4), "complete": complete,
                    "rng_sidecar": p.get("rng_sidecar"), "random_state_given": p.get("random_state_given"),
                    "outputs": outputs, "nan": None if outputs is None else any(o["nan"] for o in outputs),
                    "simulated_ms": simulated_ms(sim, outputs, steps), "error": error_info(error)}
        return extra

    # ------------------------------------------------------------------ patching
    def patch(module):
        import atexit
        import threading
        import time
        import weakref

        sim_cls = getattr(module, "Simulator", None)
        if sim_cls is None or getattr(sim_cls.run, "_evolve_traced", False):
            return
        local = state["local"] = threading.local()
        live = weakref.WeakSet()    # traced generators not finished yet: closed (so recorded) at exit

        def close_live():
            for gen in list(live):
                try:
                    gen.close()
                except BaseException:
                    pass

        atexit.register(close_live)
        orig_configure, orig_run, orig_call = sim_cls.configure, sim_cls.run, sim_cls.__call__

        def configure(self, *args, **kwargs):
            __tracebackhide__ = True  # IPython hides this frame in tracebacks
            seq = next_seq()
            initial = safe(lambda: initial_before(self, seq), "configure.initial")
            try:
                result = orig_configure(self, *args, **kwargs)
            except BaseException as error:
                record("configure", self, seq, lambda error=error: {"initial": initial, "error": error_info(error)})
                raise
            if initial is not None:
                initial_after(self, initial)
            record("configure", self, seq, lambda: {"initial": initial, "error": None})
            return result

        def run(self, *args, **kwargs):
            __tracebackhide__ = True
            seq = next_seq()
            pre = safe(lambda: run_start(self, seq, args, kwargs), "run.start")
            local.in_run = getattr(local, "in_run", 0) + 1   # run() drives __call__: record it once
            t0 = time.perf_counter()
            try:
                result = orig_run(self, *args, **kwargs)
            except BaseException as error:
                record("run", self, seq, run_extra(self, "run", pre, time.perf_counter() - t0, None, None, False,
                                                   error))
                raise
            finally:
                local.in_run -= 1
            wall = time.perf_counter() - t0
            outputs = safe(lambda: outputs_of_result(self, result), "run.outputs")
            step0 = (pre or {}).get("step0")
            steps = safe(lambda: int(self.current_step) - step0) if step0 is not None else None
            record("run", self, seq, run_extra(self, "run", pre, wall, outputs, steps, True, None))
            return result

        def call(self, *args, **kwargs):
            __tracebackhide__ = True
            gen = orig_call(self, *args, **kwargs)
            if getattr(local, "in_run", 0):
                return gen
            seq = next_seq()
            pre = safe(lambda: run_start(self, seq, args, kwargs), "run.start")
            outer = traced(self, gen, seq, pre)
            live.add(outer)
            return outer

        def traced(sim, gen, seq, pre):
            """Pass the generator's items through unchanged; record one "run" when it ends or is closed."""
            __tracebackhide__ = True
            stats, broken, error, complete, steps = None, False, None, False, None
            step0 = (pre or {}).get("step0")
            t0 = time.perf_counter()
            try:
                for output in gen:
                    if not broken:
                        try:
                            if stats is None:
                                stats = [Stats() for _ in output]
                            for i, item in enumerate(output):
                                if item is not None:
                                    stats[i].add(item[0], item[1])
                        except Exception as exc:
                            broken = True
                            hook_error("run.observe", exc)
                    yield output
                complete = True
                if step0 is not None:
                    steps = safe(lambda: int(sim.current_step) - step0)
            except GeneratorExit:
                if step0 is not None:   # the step the suspended loop last yielded at
                    steps = safe(lambda: int(gen.gi_frame.f_locals["step"]) - step0)
                gen.close()
                raise
            except BaseException as exc:
                error = exc
                raise
            finally:
                wall = time.perf_counter() - t0
                outputs = None
                if not broken and error is None:
                    try:
                        pers = periods(sim)
                        stats = stats or [Stats() for _ in pers]
                        outputs = [s.result(pers[i] if i < len(pers) else None) for i, s in enumerate(stats)]
                    except Exception as exc:
                        hook_error("run.outputs", exc)
                record("run", sim, seq, run_extra(sim, "generator", pre, wall, outputs, steps, complete, error))

        def dress(wrapper, original):
            """Same name, doc and signature as the original, but no __wrapped__ leading back to it."""
            for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
                try:
                    setattr(wrapper, attr, getattr(original, attr))
                except Exception:
                    pass
            try:
                import inspect

                wrapper.__signature__ = inspect.signature(original)
            except Exception:
                pass
            wrapper._evolve_traced = True
            return wrapper

        sim_cls.configure = dress(configure, orig_configure)
        sim_cls.run = dress(run, orig_run)
        sim_cls.__call__ = dress(call, orig_call)
        for name in watched:
            originals[name] = getattr(sim_cls, name, None)

    def safe_patch(module):
        try:
            patch(module)
        except Exception as error:
            hook_error("patch", error)

    class _TraceFinder:
        """One-shot meta-path finder: lets the normal finders locate `target`, then patches after it executes."""

        _evolve_trace_finder = True

        def find_spec(self, fullname, path=None, target_module=None):
            if fullname != target:
                return None
            try:
                sys.meta_path.remove(self)   # one shot, and no recursion into ourselves below
            except ValueError:
                pass
            try:
                import importlib.util

                spec = importlib.util.find_spec(fullname)
                loader = getattr(spec, "loader", None)
                original = getattr(loader, "exec_module", None)
                if loader is None or original is None:
                    return None

                def exec_module(module):
                    original(module)
                    safe_patch(module)

                loader.exec_module = exec_module
                return spec
            except Exception as error:
                hook_error("find_spec", error)
                return None   # fall back to the normal import machinery, untraced

    if target in sys.modules:
        safe_patch(sys.modules[target])
    elif not any(getattr(f, "_evolve_trace_finder", False) for f in sys.meta_path):
        sys.meta_path.insert(0, _TraceFinder())


try:
    _evolve_simulation_trace_hook()
except Exception:   # the hook must never fail the notebook
    pass
del _evolve_simulation_trace_hook
