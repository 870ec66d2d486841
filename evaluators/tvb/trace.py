"""Reading and summarising the simulation trace that `trace_hook.py` writes into the evidence dir.

Contract:
- The evidence dir is hostile input (the notebook can write into it). `read_trace(evidence_dir)` opens
  `simulation_trace.jsonl` without following a link (O_NOFOLLOW) or blocking (O_NONBLOCK), only if it is a
  regular file, reads at most MAX_TRACE_BYTES (beyond that it keeps what it read and appends a synthetic
  {"v": 2, "event": "hook_error", "error": "trace truncated by the reader"} record), skips lines longer than
  MAX_LINE_BYTES and lines that are not JSON (json.loads guarded against ValueError and RecursionError), and
  keeps only dict records with "v": 2, in file order. [] when there is no such file. Never raises.
  (`evidence_dir` may also be the trace file itself.)
- `load_sidecar(evidence_dir, name)`: the arrays of one sidecar .npz the trace names, or None. The name must
  match SIDECAR_NAME (no path parts); the file is opened like the trace, capped at MAX_SIDECAR_BYTES, must be
  an uncompressed zip of .npy members whose headers promise no more data than they hold, and is loaded with
  allow_pickle=False. Never raises.
- `runs(trace)` / `completed_runs(trace)`: the "run" records / those that did not raise.
  `simulated_ms(record)`: what a run actually produced (0.0 when unknown); `did_work(trace)`: some completed
  run produced at least one monitor sample.
- `summarize(trace)`: a few lines of plain text for the student and the mutator: one line per run (model
  and changed parameters, regions, dt, simulated vs requested length, monitors, stimulus targets, NaN, error).
  Record fields are read defensively: a garbled record gives "?" in the text, never an exception.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any

from evolve.safe_read import UnsafeFile, open_regular, read_capped

TRACE_FILE = "simulation_trace.jsonl"
MAX_LINES = 12                      # run lines in a summary; a long sweep is elided in the middle
MAX_TRACE_BYTES = 64 << 20
MAX_LINE_BYTES = 1 << 20
MAX_SIDECAR_BYTES = 160 << 20       # the hook saves given initial conditions up to 64 MB, connectomes beside
SIDECAR_NAME = re.compile(r"[a-z]+-[0-9a-f-]+\.npz")
TRUNCATED = {"v": 2, "event": "hook_error", "where": "reader", "error": "trace truncated by the reader"}


# ----------------------------------------------------------------------------- reading hostile files
def _open_regular(path: Path) -> int | None:
    """A read-only descriptor on `path` if it is a regular file reached without following a final link."""
    try:
        return open_regular(path)
    except UnsafeFile:
        return None


def read_trace(evidence_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(evidence_dir)
    try:
        if path.is_dir():
            path = path / TRACE_FILE
    except OSError:
        return []
    fd = _open_regular(path)
    if fd is None:
        return []
    try:
        data, truncated = read_capped(fd, MAX_TRACE_BYTES)
    except (OSError, UnsafeFile):
        return []
    finally:
        os.close(fd)
    if truncated:
        data = data[:data.rfind(b"\n") + 1]     # the cut-off last line is not a record
    records = []
    for line in data.split(b"\n"):
        if not line.strip() or len(line) > MAX_LINE_BYTES:
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and record.get("v") == 2 and not isinstance(record.get("v"), bool):
            records.append(record)
    if truncated:
        records.append(dict(TRUNCATED))
    return records


def load_sidecar(evidence_dir: str | Path, name: str) -> dict[str, Any] | None:
    """The arrays saved in evidence_dir/name (an .npz the trace names), or None when missing or unsafe."""
    import zipfile

    import numpy

    if not isinstance(name, str) or not SIDECAR_NAME.fullmatch(name):
        return None
    fd = _open_regular(Path(evidence_dir) / name)
    if fd is None:
        return None
    try:
        data, too_big = read_capped(fd, MAX_SIDECAR_BYTES)
    except (OSError, UnsafeFile):
        return None
    finally:
        os.close(fd)
    if too_big:
        return None
    try:
        arrays = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                key = info.filename[:-4]
                # np.savez writes stored (uncompressed) members: nothing can inflate beyond the file's size.
                if (info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy")
                        or not key or "/" in key or key in arrays):
                    return None
                raw = archive.read(info)
                if not _npy_is_sound(raw):
                    return None
                arrays[key] = numpy.load(io.BytesIO(raw), allow_pickle=False)
        return arrays
    except Exception:   # a broken zip, header or array: no sidecar
        return None


def _npy_is_sound(raw: bytes) -> bool:
    """An .npy whose header declares a plain dtype and no more bytes than the member holds."""
    from numpy.lib import format as npy

    stream = io.BytesIO(raw)
    version = npy.read_magic(stream)
    if version == (1, 0):
        shape, _fortran, dtype = npy.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, _fortran, dtype = npy.read_array_header_2_0(stream)
    else:
        return False
    if dtype.hasobject or not all(isinstance(n, int) and n >= 0 for n in shape):
        return False
    return math.prod(shape) * dtype.itemsize <= len(raw) - stream.tell()


# ----------------------------------------------------------------------------- queries
def runs(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in trace if isinstance(r, dict) and r.get("event") == "run"]


def completed_runs(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs that returned (a generator stopped early still counts: it simulated something)."""
    return [r for r in runs(trace) if not r.get("error")]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def simulated_ms(record: dict[str, Any]) -> float:
    """Milliseconds of output a run actually produced (samples times period), 0.0 when unknown."""
    return _number(record.get("simulated_ms")) or 0.0


def requested_ms(record: dict[str, Any]) -> float | None:
    """The simulation_length a run asked for, or None."""
    return _number(record.get("simulation_length"))


def _samples(output: Any) -> int:
    value = output.get("samples") if isinstance(output, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def did_work(trace: list[dict[str, Any]]) -> bool:
    """True when some completed run produced at least one monitor sample."""
    for record in completed_runs(trace):
        outputs = record.get("outputs")
        if isinstance(outputs, list) and any(_samples(o) > 0 for o in outputs):
            return True
    return False


# ----------------------------------------------------------------------------- text
def fmt(value: Any) -> str:
    """A trace value (number, or the hook's {"shape", "min", "max"} array dict) as short text."""
    if isinstance(value, dict) and "shape" in value:
        shape = "x".join(str(n) for n in value["shape"]) if isinstance(value["shape"], list) else "?"
        lo, hi = value.get("min"), value.get("max")
        return f"[{shape}: {fmt(lo)}..{fmt(hi)}]" if lo != hi else f"[{shape}: all {fmt(lo)}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _section(record: dict, key: str) -> dict:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _list(record: dict, key: str) -> list:
    value = record.get(key)
    return value if isinstance(value, list) else []


def error_text(error: Any) -> str:
    """ "Type: message" of a record's error field, whatever its shape."""
    if isinstance(error, dict):
        return f"{error.get('type', '?')}: {str(error.get('message', ''))[:200]}"
    return str(error)[:200]


def _length(record: dict) -> str:
    """Simulated length, with the requested one when the run produced clearly less (or more)."""
    requested, done = requested_ms(record), _number(record.get("simulated_ms"))
    if done is None:
        return f"{fmt(requested) if requested is not None else '?'} ms requested"
    periods = [p for o in _list(record, "outputs") if isinstance(o, dict) and (p := _number(o.get("period")))]
    slack = max([1e-6 * (requested or 0.0)] + periods)   # a length that is not a whole number of periods
    if requested is not None and abs(requested - done) > slack:
        return f"simulated {fmt(done)} ms ({fmt(requested)} ms requested)"
    return f"{fmt(done)} ms"


def describe_run(record: dict[str, Any]) -> str:
    """One line: what this run simulated and what came out."""
    model = _section(record, "model")
    params = _section(model, "params")
    changed = ", ".join(f"{k}={fmt(v)}" for k, v in params.items())
    parts = [f"{model.get('class', '?')}({changed})" if changed else str(model.get("class", "?"))]
    conn = _section(record, "connectivity")
    if conn:
        parts.append(f"{conn.get('number_of_regions', '?')} regions")
    cpl = _section(record, "coupling")
    if cpl:
        cparams = _section(cpl, "params")
        parts.append(f"coupling {cpl.get('class')}" + (f"(a={fmt(cparams['a'])})" if "a" in cparams else ""))
    integ = _section(record, "integrator")
    noise = _section(record, "noise")
    if integ:
        parts.append(f"{integ.get('class', '?')} dt={fmt(integ.get('dt', '?'))} ms"
                     + (f" nsig={fmt(noise.get('nsig'))}" if noise else ""))
    start = _number(record.get("start_ms"))
    parts.append(_length(record) + (f" (continuing from {fmt(start)} ms)" if start else ""))
    mons = [m for m in _list(record, "monitors") if isinstance(m, dict)]
    parts.append("monitors " + (", ".join(f"{m.get('class')}({fmt(m.get('period'))} ms)" for m in mons) or "none"))
    stim = _section(record, "stimulus")
    if stim:
        targets = _list(stim, "labels") or _list(stim, "regions")
        eq = _section(stim, "temporal").get("class", "?")
        parts.append(f"stimulus {eq} on {', '.join(map(str, targets[:8])) or '?'}"
                     + (f" +{len(targets) - 8} more" if len(targets) > 8 else ""))
    if record.get("error"):
        parts.append(f"RAISED {error_text(record['error'])}")
    else:
        outs = [o for o in _list(record, "outputs") if isinstance(o, dict)]
        if outs:
            parts.append("outputs " + ", ".join(
                "x".join(map(str, [_samples(o)] + (o["shape"] if isinstance(o.get("shape"), list) else [])))
                for o in outs))
        if record.get("nan"):
            parts.append("NaN/inf in output")
        elif record.get("nan") is False:
            parts.append("no NaN")
        if _number(record.get("wall_s")) is not None:
            parts.append(f"wall {record['wall_s']:.2f} s")
        if record.get("complete") is False:
            parts.append("generator stopped early")
    return "; ".join(parts)


def summarize(trace: list[dict[str, Any]]) -> str:
    all_runs = runs(trace)
    lines = []
    if not all_runs:
        configures = [r for r in trace if isinstance(r, dict) and r.get("event") == "configure"]
        lines.append("No TVB simulation ran" + (f" ({len(configures)} Simulator.configure() call(s), no run)."
                                                if configures else "."))
        failed = [r for r in configures if r.get("error")]
        for r in failed[:3]:
            lines.append(f"configure() raised {error_text(r['error'])}")
    else:
        numbered = list(enumerate(all_runs, 1))
        if len(numbered) > MAX_LINES:   # first and last runs, and one line for the elided middle
            numbered = numbered[:MAX_LINES - 3] + [(None, None)] + numbered[-2:]
        lines.append(f"{len(all_runs)} TVB run(s):")
        for i, r in numbered:
            lines.append(f"... {len(all_runs) - MAX_LINES + 1} more runs ..." if i is None or r is None
                         else f"run {i}: {describe_run(r)}")
    hook_errors = sum(1 for r in trace if isinstance(r, dict) and r.get("event") == "hook_error")
    if hook_errors:
        lines.append(f"(the trace recorder had {hook_errors} internal error(s); some fields may be missing)")
    return "\n".join(lines)
