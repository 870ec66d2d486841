"""Kernel startup hook: record what TVB actually simulated into `simulation_trace.jsonl`.

Contract (the engine runs this file inside the notebook's kernel before its first cell):
- Self-contained: standard library only, no `evolve` import; safe to execute with `exec(source)` into the
  notebook's own namespace, because everything lives inside one function that is deleted afterwards
  (a top-level `import json` would leak `json` into the notebook and hide a missing import).
- Lazy: it imports nothing from TVB or numpy. A one-shot `sys.meta_path` finder patches
  `tvb.simulator.simulator.Simulator` right after that module is first imported (immediately, if it
  already was, e.g. by a warm kernel's preload). A notebook that never uses TVB pays nothing.
- Records one JSON object per line, appended to `simulation_trace.jsonl` in the working directory at the
  time the hook ran (or the path in $EVOLVE_TRACE_FILE): every `Simulator.configure()` ("configure"),
  every `Simulator.run()` and every generator `sim(...)` ("run", with "form" "run" or "generator").
- Never changes behaviour: wrapped methods return the original results and re-raise the original
  exceptions unchanged (recorded first). The hook's own failures are swallowed and, when possible,
  written as a {"event": "hook_error"} line.

Record keys: event, sim (simulator id), pid, time; model {class, params (non-default only), defaults,
state_variables, variables_of_interest, number_of_modes}; connectivity {number_of_regions, speed};
coupling {class, params}; integrator {class, dt, stochastic}; noise {class, nsig, noise_seed} or null;
monitors [{class, period, variables_of_interest (as given; [] = model default), voi_names}]; stimulus
{class, temporal {class, parameters}, regions, region_weights, labels} or null; surface; simulation_length;
error {type, message} or null. "run" adds form, start_ms, wall_s, outputs [{shape, nan}], nan, and
complete (generator form). Numbers keep 6 significant digits; an array is a number when it has one
element, else {shape, values (first 10), truncated, min, max}.
"""


def _evolve_simulation_trace_hook():
    import os
    import sys

    target = "tvb.simulator.simulator"
    trace_path = os.path.abspath(os.environ.get("EVOLVE_TRACE_FILE") or "simulation_trace.jsonl")
    max_events = 5000      # a runaway sweep must not fill the disk
    max_values = 10        # array values kept per parameter
    max_regions = 100      # stimulus target regions kept
    state = {"events": 0, "local": None}

    # ------------------------------------------------------------------ writing
    def write(obj):
        import json

        if state["events"] >= max_events:
            return
        state["events"] += 1
        if state["events"] == max_events:
            obj = {"event": "hook_error", "where": "write", "error": f"trace truncated after {max_events} events"}
        line = (json.dumps(obj, default=str) + "\n").encode("utf-8")
        # One O_APPEND write per line: forked workers appending concurrently cannot interleave lines.
        fd = os.open(trace_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def hook_error(where, error):
        try:
            import traceback

            tail = traceback.format_exception(type(error), error, error.__traceback__)[-3:]
            write({"event": "hook_error", "where": where, "error": f"{type(error).__name__}: {error}",
                   "traceback": "".join(tail)[-1500:]})
        except Exception:
            pass

    # ------------------------------------------------------------------ encoding
    def num(x):
        """A JSON-safe Python number (6 significant digits; non-finite as a string)."""
        import math

        if isinstance(x, bool):
            return x
        if isinstance(x, int):
            return x
        x = float(x)
        if not math.isfinite(x):
            return str(x)
        return float(f"{x:.6g}")

    def enc(value):
        """Arrays of one element become a number; longer ones a dict with shape, first values, min, max."""
        import numpy

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float, numpy.number, numpy.bool_)):
            return num(value.item() if isinstance(value, (numpy.number, numpy.bool_)) else value)
        if isinstance(value, dict):
            return {str(k): enc(v) for k, v in value.items()}
        arr = numpy.asarray(value)
        if arr.dtype.kind not in "biuf":
            return [str(v) for v in arr.ravel()[:max_values]]
        if arr.size == 1:
            return num(arr.ravel()[0].item())
        flat = arr.ravel()
        out = {"shape": list(arr.shape), "values": [num(v.item()) for v in flat[:max_values]]}
        if arr.size > max_values:
            out["truncated"] = True
        if arr.size and arr.dtype.kind != "b":
            out["min"], out["max"] = num(numpy.nanmin(flat).item()), num(numpy.nanmax(flat).item())
        return out

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
    def model_info(model):
        params, defaults = {}, {}
        for name, (value, default) in traits(model).items():
            (defaults if same(value, default) else params)[name] = enc(value)
        return {"class": type(model).__name__, "params": params, "defaults": defaults,
                "state_variables": [str(v) for v in getattr(model, "state_variables", ())],
                "variables_of_interest": [str(v) for v in (getattr(model, "variables_of_interest", None) or ())],
                "number_of_modes": int(getattr(model, "number_of_modes", 1))}

    def plain(obj):
        return None if obj is None else {
            "class": type(obj).__name__, "params": {k: enc(v) for k, (v, _) in traits(obj).items()}}

    def integrator_info(integrator):
        return {"class": type(integrator).__name__, "dt": num(integrator.dt),
                "stochastic": getattr(integrator, "noise", None) is not None}

    def noise_info(integrator):
        noise = getattr(integrator, "noise", None)
        if noise is None:
            return None
        return {"class": type(noise).__name__, "nsig": enc(getattr(noise, "nsig", None)),
                "noise_seed": getattr(noise, "noise_seed", None)}

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
        info = {"class": type(monitor).__name__, "period": num(monitor.period), "variables_of_interest": voi,
                "voi_names": [names[i] for i in used if 0 <= i < len(names)] if used else names}
        sensors = getattr(monitor, "sensors", None)
        if sensors is not None:
            info["sensors"] = {"class": type(sensors).__name__,
                               "number_of_sensors": getattr(sensors, "number_of_sensors", None)}
        return info

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
            w = numpy.asarray(weight, dtype=float).ravel()
            idx = [int(i) for i in numpy.flatnonzero(w)]
            info["regions"] = idx[:max_regions]
            info["region_weights"] = [num(w[i]) for i in idx[:max_regions]]
            if len(idx) > max_regions:
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
            "model": lambda: model_info(model),
            "connectivity": lambda: None if conn is None else {
                "number_of_regions": int(conn.number_of_regions or 0), "speed": enc(conn.speed)},
            "coupling": lambda: plain(sim.coupling),
            "integrator": lambda: integrator_info(sim.integrator),
            "noise": lambda: noise_info(sim.integrator),
            "monitors": lambda: [monitor_info(m, model) for m in (sim.monitors or ())],
            "stimulus": lambda: stimulus_info(sim.stimulus, conn),
            "surface": lambda: None if sim.surface is None else type(sim.surface).__name__,
        }
        for key, build in sections.items():
            try:
                out[key] = build()
            except Exception as error:
                out[key] = None
                errors.append((key, error))
        return out

    def header(event, sim):
        import time

        gid = getattr(sim, "gid", None)
        return {"event": event, "sim": getattr(gid, "hex", str(id(sim)))[:8], "pid": os.getpid(),
                "time": round(time.time(), 3)}

    def error_info(error):
        return None if error is None else {"type": type(error).__name__, "message": str(error)[:2000]}

    def length_of(sim, args, kwargs):
        """Simulated ms requested by run(**kw) / sim(simulation_length, random_state, n_steps)."""
        n_steps = kwargs.get("n_steps", args[2] if len(args) > 2 else None)
        if n_steps is not None:
            return num(n_steps * sim.integrator.dt)
        length = kwargs.get("simulation_length", args[0] if args else None)
        return num(length if length is not None else sim.simulation_length)

    def start_ms(sim):
        try:
            return num(sim.current_step * sim.integrator.dt)
        except Exception:
            return None

    def record(event, sim, extra):
        try:
            errors = []
            obj = header(event, sim)
            obj.update(describe(sim, errors))
            obj.update(extra)
            write(obj)
            for where, error in errors:
                hook_error(f"{event}.{where}", error)
        except Exception as error:
            hook_error(event, error)

    def outputs_of(result):
        import numpy

        outs = []
        for _t, data in result:
            data = numpy.asarray(data)
            bad = data.dtype.kind in "fc" and data.size > 0 and not bool(numpy.isfinite(data).all())
            outs.append({"shape": list(data.shape), "nan": bad})
        return outs

    # ------------------------------------------------------------------ patching
    def patch(module):
        import functools
        import threading
        import time

        sim_cls = getattr(module, "Simulator", None)
        if sim_cls is None or getattr(sim_cls.run, "_evolve_traced", False):
            return
        local = state["local"] = threading.local()
        orig_configure, orig_run, orig_call = sim_cls.configure, sim_cls.run, sim_cls.__call__

        @functools.wraps(orig_configure)
        def configure(self, *args, **kwargs):
            __tracebackhide__ = True  # IPython hides this frame in tracebacks
            try:
                result = orig_configure(self, *args, **kwargs)
            except BaseException as error:
                record("configure", self, {"simulation_length": safe(lambda: num(self.simulation_length)),
                                           "error": error_info(error)})
                raise
            record("configure", self, {"simulation_length": safe(lambda: num(self.simulation_length)),
                                       "error": None})
            return result

        @functools.wraps(orig_run)
        def run(self, *args, **kwargs):
            __tracebackhide__ = True
            length, start = safe(lambda: length_of(self, (), kwargs)), start_ms(self)
            local.in_run = getattr(local, "in_run", 0) + 1   # run() drives __call__: record it once
            t0 = time.perf_counter()
            try:
                result = orig_run(self, *args, **kwargs)
            except BaseException as error:
                wall = time.perf_counter() - t0
                record("run", self, {"form": "run", "simulation_length": length, "start_ms": start,
                                     "wall_s": round(wall, 4), "outputs": None, "nan": None,
                                     "error": error_info(error)})
                raise
            finally:
                local.in_run -= 1
            wall = time.perf_counter() - t0
            outputs = safe(lambda: outputs_of(result))
            record("run", self, {"form": "run", "simulation_length": length, "start_ms": start,
                                 "wall_s": round(wall, 4), "outputs": outputs,
                                 "nan": None if outputs is None else any(o["nan"] for o in outputs),
                                 "error": None})
            return result

        @functools.wraps(orig_call)
        def call(self, *args, **kwargs):
            __tracebackhide__ = True
            gen = orig_call(self, *args, **kwargs)
            if getattr(local, "in_run", 0):
                return gen
            return traced(self, gen, args, kwargs)

        def traced(sim, gen, args, kwargs):
            """Pass the generator's items through unchanged; record one "run" when it ends or is closed."""
            __tracebackhide__ = True
            length, start = safe(lambda: length_of(sim, args, kwargs)), start_ms(sim)
            counts, shapes, nans, error, complete = {}, {}, set(), None, False
            t0 = time.perf_counter()
            try:
                for output in gen:
                    try:
                        observe(output, counts, shapes, nans)
                    except Exception:
                        pass
                    yield output
                complete = True
            except GeneratorExit:
                gen.close()
                raise
            except BaseException as exc:
                error = exc
                raise
            finally:
                wall = time.perf_counter() - t0
                outputs = None
                try:
                    n = len(sim.monitors)
                    outputs = [{"shape": [counts.get(i, 0)] + shapes.get(i, []), "nan": i in nans}
                               for i in range(n)]
                except Exception:
                    pass
                record("run", sim, {"form": "generator", "simulation_length": length, "start_ms": start,
                                    "wall_s": round(wall, 4), "complete": complete, "outputs": outputs,
                                    "nan": bool(nans), "error": error_info(error)})

        def observe(output, counts, shapes, nans):
            import numpy

            for i, item in enumerate(output):
                if item is None:
                    continue
                data = numpy.asarray(item[1])
                counts[i] = counts.get(i, 0) + 1
                shapes.setdefault(i, list(data.shape))
                if i not in nans and data.dtype.kind in "fc" and not bool(numpy.isfinite(data).all()):
                    nans.add(i)

        for fn in (configure, run, call):
            fn._evolve_traced = True
        sim_cls.configure, sim_cls.run, sim_cls.__call__ = configure, run, call

    def safe(fn):
        try:
            return fn()
        except Exception:
            return None

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
                if original is None:
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
