"""Reading and summarising the simulation trace that `trace_hook.py` writes.

Contract:
- `read_trace(path)`: `path` is the trace file or the folder holding `simulation_trace.jsonl`. Returns the
  records (dicts) in order; [] when there is no file. Never raises on truncated or garbled content: a
  line that is not a JSON object (e.g. a half-written last line) is skipped.
- `runs(trace)` / `completed_runs(trace)`: the "run" records / those that did not raise.
- `summarize(trace)`: a few lines of plain text for the student and the mutator: one line per run
  (model and changed parameters, regions, dt, length, monitors, stimulus targets, NaN, error).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRACE_FILE = "simulation_trace.jsonl"
MAX_LINES = 12   # run lines in a summary; a long sweep is elided in the middle


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if path.is_dir():
        path = path / TRACE_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def runs(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in trace if r.get("event") == "run"]


def completed_runs(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs that returned (a generator stopped early still counts: it simulated something)."""
    return [r for r in runs(trace) if not r.get("error")]


def fmt(value: Any) -> str:
    """A trace value (number, or the hook's {"shape", "min", "max"} array dict) as short text."""
    if isinstance(value, dict) and "shape" in value:
        shape = "x".join(str(n) for n in value["shape"])
        lo, hi = value.get("min"), value.get("max")
        return f"[{shape}: {fmt(lo)}..{fmt(hi)}]" if lo != hi else f"[{shape}: all {fmt(lo)}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _section(record: dict, key: str) -> dict:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def describe_run(record: dict[str, Any]) -> str:
    """One line: what this run simulated and what came out."""
    model = _section(record, "model")
    params = model.get("params") or {}
    changed = ", ".join(f"{k}={fmt(v)}" for k, v in params.items())
    parts = [f"{model.get('class', '?')}({changed})" if changed else str(model.get("class", "?"))]
    conn = _section(record, "connectivity")
    if conn:
        parts.append(f"{conn.get('number_of_regions', '?')} regions")
    cpl = _section(record, "coupling")
    if cpl:
        cparams = cpl.get("params") or {}
        parts.append(f"coupling {cpl.get('class')}" + (f"(a={fmt(cparams['a'])})" if "a" in cparams else ""))
    integ = _section(record, "integrator")
    noise = _section(record, "noise")
    if integ:
        parts.append(f"{integ.get('class', '?')} dt={fmt(integ.get('dt', '?'))} ms"
                     + (f" nsig={fmt(noise.get('nsig'))}" if noise else ""))
    start = record.get("start_ms")
    parts.append(f"{fmt(record.get('simulation_length', '?'))} ms"
                 + (f" (continuing from {fmt(start)} ms)" if isinstance(start, (int, float)) and start > 0 else ""))
    mons = record.get("monitors") or []
    parts.append("monitors " + (", ".join(f"{m.get('class')}({fmt(m.get('period'))} ms)" for m in mons) or "none"))
    stim = _section(record, "stimulus")
    if stim:
        targets = stim.get("labels") or stim.get("regions") or []
        eq = _section(stim, "temporal").get("class", "?")
        parts.append(f"stimulus {eq} on {', '.join(map(str, targets[:8])) or '?'}"
                     + (f" +{len(targets) - 8} more" if len(targets) > 8 else ""))
    if record.get("error"):
        err = record["error"]
        parts.append(f"RAISED {err.get('type')}: {str(err.get('message', ''))[:200]}")
    else:
        outs = record.get("outputs") or []
        if outs:
            parts.append("outputs " + ", ".join("x".join(map(str, o.get("shape", []))) for o in outs))
        if record.get("nan"):
            parts.append("NaN/inf in output")
        elif record.get("nan") is False:
            parts.append("no NaN")
        if isinstance(record.get("wall_s"), (int, float)):
            parts.append(f"wall {record['wall_s']:.2f} s")
        if record.get("complete") is False:
            parts.append("generator stopped early")
    return "; ".join(parts)


def summarize(trace: list[dict[str, Any]]) -> str:
    all_runs = runs(trace)
    lines = []
    if not all_runs:
        configures = [r for r in trace if r.get("event") == "configure"]
        lines.append("No TVB simulation ran" + (f" ({len(configures)} Simulator.configure() call(s), no run)."
                                                if configures else "."))
        failed = [r for r in configures if r.get("error")]
        for r in failed[:3]:
            lines.append(f"configure() raised {r['error'].get('type')}: {str(r['error'].get('message', ''))[:200]}")
    else:
        numbered = list(enumerate(all_runs, 1))
        if len(numbered) > MAX_LINES:   # first and last runs, and one line for the elided middle
            numbered = numbered[:MAX_LINES - 3] + [(None, None)] + numbered[-2:]
        lines.append(f"{len(all_runs)} TVB run(s):")
        for i, r in numbered:
            lines.append(f"... {len(all_runs) - MAX_LINES + 1} more runs ..." if i is None else f"run {i}: {describe_run(r)}")
    hook_errors = sum(1 for r in trace if r.get("event") == "hook_error")
    if hook_errors:
        lines.append(f"(the trace recorder had {hook_errors} internal error(s); some fields may be missing)")
    return "\n".join(lines)
