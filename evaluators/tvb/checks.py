"""Reusable goal checks on the simulation trace (`ctx.trace`, the v2 records `trace_hook.py` wrote).

Each helper returns one `evolve.checks.CheckResult(name, passed, message)`. Messages state what the goal asks
and what the trace shows the notebook did, since a small model reads them to fix its notebook; they never
quote accepted ranges of results.
Only runs that returned count as evidence (a run that raised simulated nothing); with no such run every
check fails with a message starting "no simulation ran".
Simulated time is what a run produced (`simulated_ms`: monitor samples times their period), never the length
it asked for: a generator stopped after one step simulated one step.
Trace numbers have full precision; comparisons allow a 1e-6 relative slack for float arithmetic
(e.g. samples x period).
"""
from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from evolve.checks import CheckContext, CheckResult

from .trace import completed_runs, error_text, fmt, requested_ms, runs, simulated_ms

_EPS = 1e-6


def _le(a: float, b: float) -> bool:
    return a <= b + _EPS * max(1.0, abs(b))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _EPS * max(1.0, abs(b))


def _no_run(name: str, ctx: CheckContext) -> CheckResult | None:
    """The failing result when the trace has no completed run, else None."""
    if completed_runs(ctx.trace):
        return None
    failed = [r for r in runs(ctx.trace) if r.get("error")]
    if failed:
        return CheckResult(name, False, f"no simulation ran to completion: sim.run() raised "
                                        f"{error_text(failed[-1]['error'])}")
    configured = any(r.get("event") == "configure" for r in ctx.trace)
    return CheckResult(name, False, "no simulation ran" + (
        " (a Simulator was configured but sim.run() was never called)" if configured else
        " (no TVB Simulator.run() was recorded)"))


def _section(record: dict, key: str) -> dict:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _model_class(run: dict) -> str:
    model = run.get("model")
    return model.get("class", "?") if isinstance(model, dict) else "?"


def _distinct(values: Iterable[Any]) -> str:
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return ", ".join(str(v) for v in seen) or "none"


def used_model(name: str, ctx: CheckContext, model_class: str) -> CheckResult:
    """Passes when some completed run used `models.<model_class>`."""
    if (fail := _no_run(name, ctx)):
        return fail
    done = completed_runs(ctx.trace)
    if any(_model_class(r) == model_class for r in done):
        return CheckResult(name, True, f"a {model_class} simulation ran")
    return CheckResult(name, False, f"expected a simulation with models.{model_class}; the trace shows runs of "
                                    f"{_distinct(_model_class(r) for r in done)}")


def simulated_at_least(name: str, ctx: CheckContext, ms: float) -> CheckResult:
    """Passes when some completed run produced at least `ms` milliseconds of output in one call."""
    if (fail := _no_run(name, ctx)):
        return fail
    done = completed_runs(ctx.trace)
    longest = max(done, key=simulated_ms)
    produced = simulated_ms(longest)
    if _le(ms, produced):
        return CheckResult(name, True, f"a run simulated {fmt(produced)} ms (at least {fmt(ms)} ms required)")
    asked = [r for r in done if (requested_ms(r) or 0.0) >= ms * (1 - _EPS)]
    if asked:   # the length was asked for, but the samples were not produced
        r = asked[0]
        why = ("the generator was stopped early" if r.get("complete") is False
               else "its monitors produced fewer samples")
        return CheckResult(name, False, f"expected one run of at least {fmt(ms)} ms; a run asked for "
                                        f"{fmt(requested_ms(r))} ms but simulated only {fmt(simulated_ms(r))} ms "
                                        f"({why}); only the samples a run produces count")
    return CheckResult(name, False, f"expected one run of at least {fmt(ms)} ms; the longest run simulated "
                                    f"{fmt(produced)} ms (set it with sim.run(simulation_length={fmt(ms)}))")


def monitor_present(name: str, ctx: CheckContext, monitor_class: str, period: float | None = None) -> CheckResult:
    """Passes when some completed run had a `monitors.<monitor_class>` (with this period in ms, if given)."""
    if (fail := _no_run(name, ctx)):
        return fail
    seen = []
    for r in completed_runs(ctx.trace):
        for m in r["monitors"] if isinstance(r.get("monitors"), list) else []:
            if not isinstance(m, dict):
                continue
            seen.append(f"{m.get('class')}(period={fmt(m.get('period'))})")
            p = m.get("period")
            if m.get("class") == monitor_class and (
                    period is None or (isinstance(p, (int, float)) and _close(p, period))):
                return CheckResult(name, True, f"a {monitor_class} monitor with period {fmt(p)} ms was used")
    wanted = f"monitors.{monitor_class}" + ("" if period is None else f"(period={fmt(period)})")
    return CheckResult(name, False, f"expected a {wanted} monitor; the runs used {_distinct(seen)}")


def stimulated_regions(name: str, ctx: CheckContext, labels: str | Iterable[str]) -> CheckResult:
    """Passes when some completed run had a stimulus with non-zero weight on every region label given."""
    if (fail := _no_run(name, ctx)):
        return fail
    wanted = [labels] if isinstance(labels, str) else list(labels)
    seen = []
    for r in completed_runs(ctx.trace):
        stim = r.get("stimulus")
        if not isinstance(stim, dict):
            continue
        got = [str(x) for x in stim["labels"]] if isinstance(stim.get("labels"), list) else []
        seen.append(", ".join(got) if got else _unlabelled(stim))
        if all(label in got for label in wanted):
            return CheckResult(name, True, f"the stimulus reached {', '.join(wanted)}")
    want = ", ".join(wanted)
    if not seen:
        return CheckResult(name, False, f"expected a stimulus on {want}; no run had a stimulus "
                                        f"(pass stimulus=patterns.StimuliRegion(...) to the Simulator)")
    return CheckResult(name, False, f"expected a stimulus with non-zero weight on {want}; the stimulus weights were "
                                    f"non-zero on: {'; '.join(seen)} (find indices by label in conn.region_labels)")


def pulse_train_on(name: str, ctx: CheckContext, label: str, *, period_ms: float | None = None,
                   single_pulse: bool = False) -> CheckResult:
    """Passes when some completed run's stimulus is a `PulseTrain` whose weight is non-zero at `label` only, with
    period T = `period_ms` (when given) and, with `single_pulse`, T longer than the run (one pulse)."""
    target = stimulated_regions(name, ctx, label)
    if not target.passed:
        return target
    seen = []
    for r in completed_runs(ctx.trace):
        stim = r.get("stimulus") or {}
        if not stim:
            continue
        labels = [str(x) for x in stim.get("labels") or []]
        temporal = stim.get("temporal") or {}
        period, length = (temporal.get("parameters") or {}).get("T"), r.get("simulated_ms")
        seen.append(f"{temporal.get('class')} T={period} on {labels} over {length} ms")
        if labels != [label] or temporal.get("class") != "PulseTrain" or not isinstance(period, (int, float)):
            continue
        if period_ms is not None and abs(period - period_ms) >= 1e-6:
            continue
        if single_pulse and not (isinstance(length, (int, float)) and period > length):
            continue
        what = "a single PulseTrain pulse (T longer than the run)" if single_pulse else f"a PulseTrain (T = {period:g} ms)"
        return CheckResult(name, True, f"{what} stimulated {label} only")
    wanted = "a PulseTrain" + (f" with T={period_ms:g} ms" if period_ms is not None else "") + \
        (" whose period T exceeds the simulation length (one pulse)" if single_pulse else "")
    return CheckResult(name, False, f"expected {wanted} and weight non-zero only at {label} (index from "
                                    f"conn.region_labels); the stimulated runs had: {'; '.join(seen) or 'none'}")


def _unlabelled(stim: dict) -> str:
    """What a stimulus without region labels had, said right: all-zero weights are recorded weights."""
    regions = stim.get("regions")
    if isinstance(regions, list) and regions:
        return f"{stim.get('class')} (regions {', '.join(map(str, regions))}; their labels were not recorded)"
    if "weight" in stim or isinstance(regions, list):
        return f"{stim.get('class')} (its region weights are all zero)"
    return f"{stim.get('class')} (no region weights recorded)"


def no_nan(name: str, ctx: CheckContext) -> CheckResult:
    """Passes when no completed run produced NaN or inf in any monitor output."""
    if (fail := _no_run(name, ctx)):
        return fail
    done = completed_runs(ctx.trace)
    bad = [i for i, r in enumerate(done, 1) if r.get("nan")]
    if not bad:
        return CheckResult(name, True, f"all {len(done)} run(s) produced finite output")
    first = done[bad[0] - 1]
    dt = _section(first, "integrator").get("dt")
    return CheckResult(name, False, f"{len(bad)} of {len(done)} run(s) produced NaN/inf (first: a {_model_class(first)} "
                                    f"run with dt={fmt(dt)} ms); the simulation diverged: use a smaller dt, smaller "
                                    f"initial conditions or coupling, or normalised weights")


def integrator_dt(name: str, ctx: CheckContext, max_dt: float | None = None, min_dt: float | None = None) -> CheckResult:
    """Passes when every completed run's integrator dt lies within [min_dt, max_dt] (each bound optional)."""
    if (fail := _no_run(name, ctx)):
        return fail
    bounds = " and ".join(s for s in (f"≥ {fmt(min_dt)} ms" if min_dt is not None else "",
                                       f"≤ {fmt(max_dt)} ms" if max_dt is not None else "") if s) or "any"
    dts = [_section(r, "integrator").get("dt") for r in completed_runs(ctx.trace)]
    for dt in dts:
        if not isinstance(dt, (int, float)) or (max_dt is not None and not _le(dt, max_dt)) or (
                min_dt is not None and not _le(min_dt, dt)):
            return CheckResult(name, False, f"expected integrator dt {bounds}; a run used dt={fmt(dt)} ms "
                                            f"(set it with integrators.HeunDeterministic(dt=...))")
    return CheckResult(name, True, f"integrator dt {_distinct(fmt(d) for d in dts)} ms is {bounds}")


def _value_range(value: Any) -> tuple[float, float] | None:
    """(min, max) of a trace parameter value: a number or the hook's array dict."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if isinstance(value, dict) and isinstance(value.get("min"), (int, float)) and isinstance(value.get("max"), (int, float)):
        return float(value["min"]), float(value["max"])
    return None


def parameter_value(name: str, ctx: CheckContext, model_class: str, param: str, low: float, high: float) -> CheckResult:
    """Passes when some completed run of `model_class` had `param` within [low, high] (all its values, for a
    region-wise array). A parameter left at its class default is checked against that default."""
    if (fail := _no_run(name, ctx)):
        return fail
    done = [r for r in completed_runs(ctx.trace) if _model_class(r) == model_class]
    if not done:
        return CheckResult(name, False, f"expected a models.{model_class} run with {param} in [{fmt(low)}, {fmt(high)}]; "
                                        f"the trace shows runs of {_distinct(_model_class(r) for r in completed_runs(ctx.trace))}")
    seen = []
    for r in done:
        model = r["model"]
        params, defaults = _section(model, "params"), _section(model, "defaults")
        if param in params:
            value, note = params[param], ""
        elif param in defaults:
            value, note = defaults[param], " (class default)"
        else:
            known = ", ".join(sorted({*params, *defaults}))
            return CheckResult(name, False, f"models.{model_class} has no parameter '{param}' in the trace (it has: {known})")
        rng = _value_range(value)
        seen.append(f"{param}={fmt(value)}{note}")
        if rng is not None and _le(low, rng[0]) and _le(rng[1], high):
            return CheckResult(name, True, f"{model_class}.{param} = {fmt(value)}{note} is within [{fmt(low)}, {fmt(high)}]")
    return CheckResult(name, False, f"expected {model_class}.{param} in [{fmt(low)}, {fmt(high)}]; the runs used "
                                    f"{_distinct(seen)} (pass it as {param}=np.array([...]))")


def sensor_monitor(name: str, ctx: CheckContext, monitor_class: str, n_sensors: int | None = None) -> CheckResult:
    """Passes when some completed run had a `monitors.<monitor_class>` (EEG, MEG, iEEG) whose sensors number
    `n_sensors` (when given), as the trace records them after configure."""
    if (fail := _no_run(name, ctx)):
        return fail
    seen = []
    for r in completed_runs(ctx.trace):
        for m in r["monitors"] if isinstance(r.get("monitors"), list) else []:
            if not isinstance(m, dict):
                continue
            sens = m.get("sensors")
            sens = sens if isinstance(sens, dict) else {}
            count = sens.get("number_of_sensors")
            seen.append(f"{m.get('class')}" + (f" ({sens.get('class')}, {count} sensors)" if sens else ""))
            if m.get("class") == monitor_class and (n_sensors is None or count == n_sensors):
                return CheckResult(name, True, f"a {monitor_class} monitor with {count} sensors was used")
    wanted = f"a monitors.{monitor_class} monitor" + ("" if n_sensors is None else f" with {n_sensors} sensors")
    return CheckResult(name, False, f"expected {wanted}; the runs used {_distinct(seen)}")


def stimulus_equation(name: str, ctx: CheckContext, label: str, equation: str,
                      parameters: dict[str, float] | None = None) -> CheckResult:
    """Passes when some completed run's stimulus weights `label` only and its temporal equation is
    `equations.<equation>` with these `parameters` (each within 1e-6 relative; others are not checked)."""
    target = stimulated_regions(name, ctx, label)
    if not target.passed:
        return target
    wanted = dict(parameters or {})
    seen = []
    for r in completed_runs(ctx.trace):
        stim = r.get("stimulus") if isinstance(r.get("stimulus"), dict) else {}
        if not stim:
            continue
        labels = [str(x) for x in stim.get("labels") or []]
        temporal = _section(stim, "temporal")
        params = _section(temporal, "parameters")
        seen.append(f"{temporal.get('class')}({', '.join(f'{k}={fmt(v)}' for k, v in params.items())}) on "
                    f"{', '.join(labels) or 'no labelled region'}")
        if labels != [label] or temporal.get("class") != equation:
            continue
        if all(isinstance(params.get(k), (int, float)) and _close(float(params[k]), v) for k, v in wanted.items()):
            shown = ", ".join(f"{k}={fmt(v)}" for k, v in wanted.items())
            return CheckResult(name, True, f"an equations.{equation} stimulus ({shown or 'any parameters'}) "
                                           f"reached {label} only")
    shown = ", ".join(f"{k}={fmt(v)}" for k, v in wanted.items())
    return CheckResult(name, False, f"expected a stimulus on {label} only with temporal=equations.{equation}"
                                    f"{f' ({shown})' if shown else ''}; the stimulated runs had: "
                                    f"{'; '.join(seen) or 'none'}")


_SWEEP_SECTIONS = ("model", "coupling", "noise", "connectivity")


def _swept_value(run: dict, where: str, param: str) -> float | None:
    """One number for `where.param` of a run: a number as is; an array its largest entry (e.g. noise on one state
    variable only, nsig [0, s] → s); a model parameter left at its class default read from the defaults."""
    section = _section(run, where)
    if where == "connectivity":
        value = section.get(param)
    else:
        params = _section(section, "params") if where != "noise" else section
        value = params.get(param, _section(section, "defaults").get(param) if where == "model" else None)
    rng = _value_range(value)
    return None if rng is None else rng[1]


def swept_values(name: str, ctx: CheckContext, where: str, param: str, values: Iterable[float], *,
                 model_class: str | None = None, min_ms: float = 0.0) -> CheckResult:
    """Passes when, among completed runs (of `models.<model_class>`, when given) that simulated at least `min_ms`,
    the value of `param` in the run's `where` section ("model", "coupling", "noise" or "connectivity", e.g.
    ("connectivity", "speed"), ("noise", "nsig"), ("model", "G")) takes every one of `values` (1e-6 relative)."""
    if where not in _SWEEP_SECTIONS:
        raise ValueError(f"where must be one of {_SWEEP_SECTIONS}, not {where!r}")
    if (fail := _no_run(name, ctx)):
        return fail
    wanted = [float(v) for v in values]
    pool = [r for r in completed_runs(ctx.trace) if (model_class is None or _model_class(r) == model_class)
            and _le(min_ms, simulated_ms(r))]
    seen = sorted({v for v in (_swept_value(r, where, param) for r in pool) if v is not None})
    missing = [v for v in wanted if not any(_close(s, v) for s in seen)]
    what = (f"models.{model_class} " if model_class else "") + "runs" + (f" of at least {fmt(min_ms)} ms" if min_ms else "")
    if not missing:
        return CheckResult(name, True, f"{what} with {where} {param} = {', '.join(fmt(v) for v in wanted)}")
    others = len([r for r in completed_runs(ctx.trace) if r not in pool])
    return CheckResult(name, False, f"expected {what} with {where} {param} = {', '.join(fmt(v) for v in wanted)} "
                                    f"(one run per value); such runs had {param} = "
                                    f"{', '.join(fmt(v) for v in seen) or 'none'}, missing "
                                    f"{', '.join(fmt(v) for v in missing)}"
                                    + (f" ({others} other completed run(s) had another model or were shorter)"
                                       if others else ""))
