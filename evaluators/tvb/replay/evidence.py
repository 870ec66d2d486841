"""Reading the hostile evidence folder safely and decoding the trace's values.

The trace and its sidecars are written inside the sandbox, so they are data, never code: files are opened
relative to the evidence folder's descriptor without following links, size-capped (MAX_*), sidecars are loaded
without pickle, and an encoded array must hash to its sha256 and lie within its min/max. Raises `Forged` for
evidence that contradicts itself and `Unconfirmed` for evidence that is missing or cannot be read in full
(e.g. an array the hook truncated).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from evolve.safe_read import MissingFile, UnsafeFile, open_regular, read_capped

from .errors import Forged, Unconfirmed

TRACE_FILE = "simulation_trace.jsonl"
MAX_TRACE_BYTES = 64 << 20                # the hook stops writing at 48 MiB
MAX_LINE_BYTES = 1 << 20                  # the hook keeps lines under 900 kB
MAX_SIDECAR_BYTES = 256 << 20             # conn/rng sidecars are small; given initial conditions <= 64 MiB
SIDECAR_NAME = re.compile(r"^(conn-[0-9a-f]{12}|given-[0-9a-f]{12}|rng-[0-9]{1,10}-[0-9]{1,10})\.npz$")


def _open_in(dir_fd: int, name: str, cap: int) -> bytes:
    """The bytes of regular file `name` directly inside the directory `dir_fd` (no links followed)."""
    if "/" in name or name in (".", "..") or "\0" in name:
        raise Forged(f"evidence file name {name!r} is not a plain file name")
    try:
        fd = open_regular(name, dir_fd=dir_fd)
    except MissingFile:
        raise Unconfirmed(f"evidence file {name} is missing") from None
    except UnsafeFile as error:
        raise Unconfirmed(f"evidence file {name} cannot be used: {error}") from None
    try:
        if os.fstat(fd).st_size > cap:
            raise Unconfirmed(f"evidence file {name} is larger than {cap >> 20} MiB")
        data, more = read_capped(fd, cap)
        if more:
            raise Unconfirmed(f"evidence file {name} is larger than {cap >> 20} MiB")
        return data
    except UnsafeFile:
        raise Unconfirmed(f"evidence file {name} is not a regular file") from None
    finally:
        os.close(fd)


def _load_sidecar(dir_fd: int, name: Any) -> dict:
    """The arrays of sidecar `name` (conn-<hex12>.npz, given-<hex12>.npz, rng-<pid>-<seq>.npz), without pickle:
    through `trace.load_sidecar` (no link followed, size-capped, stored .npy members only, allow_pickle=False)."""
    import numpy

    if not isinstance(name, str) or not SIDECAR_NAME.match(name):
        raise Forged(f"sidecar name {str(name)[:80]!r} is not one the trace hook writes")
    from .. import trace as _trace

    arrays = _trace.load_sidecar(f"/proc/self/fd/{dir_fd}", name)
    if arrays is None:
        raise Unconfirmed(f"sidecar {name} is missing or not a plain .npz file")
    return {key: numpy.array(value) for key, value in arrays.items()}


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
