"""Engine values (TrialResult, CallRecord, judge verdicts) as Arrow tables, the archive's bulk-insert format.

Contract: each function returns a `pyarrow.Table` whose columns match the target table's columns in name and
type, so `INSERT INTO t SELECT ... FROM arrow_table` needs no per-row work in Python beyond building columns.
Columns are built in one pass over the values; Arrow converts each column in C (why: far faster than
parameter binding, and DuckDB scans Arrow without copying).
"""
from __future__ import annotations

import datetime as dt
import gc
import re
import zlib
from contextlib import contextmanager
from types import SimpleNamespace
from operator import attrgetter, itemgetter
from typing import Any
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa

from ..phases import NAMES as PHASE_NAMES
from ..records import CallRecord, TrialResult

_CHECK = pa.struct([("name", pa.string()), ("passed", pa.bool_()), ("message", pa.string())])
_TURN = pa.struct([("outcome", pa.string()), ("score", pa.float64()), ("executed", pa.bool_()),
                   ("error", pa.string()), ("feedback", pa.string()), ("reply", pa.string()),
                   ("prompt_tokens", pa.int32()), ("completion_tokens", pa.int32()),
                   ("model_s", pa.float64()), ("exec_s", pa.float64())])
_TRANSCRIPT = pa.list_(_TURN)
_DETAIL = pa.struct([("finish_reason", pa.string()), ("max_tokens", pa.int32()), ("kept_cells", pa.int32()),
                     ("hints", pa.list_(pa.string())), ("resample", pa.int32()), ("solved", pa.bool_())])
_TURN_FIELDS, _CHECK_FIELDS = attrgetter(*_TURN.names), itemgetter(*_CHECK.names)
_STRINGS = pa.list_(pa.string())
_PHASES = pa.struct([(name, pa.float64()) for name in PHASE_NAMES])

TRIAL_SCHEMA = pa.schema([
    ("ord", pa.int64()), ("run_id", pa.string()), ("generation", pa.int32()), ("library_id", pa.string()),
    ("condition", pa.string()), ("goal", pa.string()), ("split", pa.string()), ("model", pa.string()),
    ("seed", pa.int32()), ("trial_key", pa.string()), ("ident", pa.int64()), ("supersedes", pa.int64()),
    ("injected", _STRINGS), ("used", _STRINGS),
    ("over_budget", _STRINGS), ("status", pa.string()), ("score", pa.float64()), ("executed", pa.bool_()),
    ("turns", pa.int64()), ("stop_reason", pa.string()), ("missing_reason", pa.string()),
    ("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()), ("cost_usd", pa.float64()),
    ("wall_s", pa.float64()), ("cached", pa.bool_()), ("created_at", pa.timestamp("us")),
    # evaluation columns travel in the same table and are split off by the writer
    ("checks", pa.list_(_CHECK)), ("feedback", pa.string()), ("transcript", _TRANSCRIPT),
    ("judge_status", pa.string()), ("judge_model", pa.string()),
    ("judge_scores", pa.map_(pa.string(), pa.int32())), ("judge_mean", pa.float64()),
    ("isolation", _STRINGS), ("replay_status", pa.string()), ("integrity", pa.string()),
    ("conversions", _STRINGS), ("turn_details", pa.list_(_DETAIL)), ("phases", _PHASES),
])

CALL_SCHEMA = pa.schema([
    ("call_id", pa.int64()), ("run_id", pa.string()), ("generation", pa.int32()), ("role", pa.string()),
    ("model", pa.string()), ("resolved_model", pa.string()), ("ok", pa.bool_()), ("prompt_tokens", pa.int32()),
    ("completion_tokens", pa.int32()), ("latency_s", pa.float64()), ("cost_usd", pa.float64()),
    ("attempts", pa.int32()), ("error", pa.string()), ("started_at", pa.timestamp("us")),
    ("cached_tokens", pa.int32()), ("prompt_s", pa.float64()), ("generation_s", pa.float64()),
    ("request", pa.string()), ("uid", pa.string()),
])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ident(run_id: str, library_id: str | None, key: str) -> int:
    """A stable signed 64-bit hash of a trial's identity (trials.ident). Only a pre-filter: equal identities
    have equal idents; a collision merely sends a batch through the exact comparison."""
    return _combine(_bits(run_id), _bits(library_id) if library_id else 0, _bits(key))


def _combine(run: int, library: int, key: int) -> int:
    value = (run ^ (library * 3) ^ key) & _MASK
    return value - (1 << 64) if value >= 1 << 63 else value


_MASK = (1 << 64) - 1


def _bits(text: str) -> int:
    """64 deterministic bits of text, cheaply (it runs three times per trial row): a sha256 hex digest's own
    prefix (library ids and trial keys are such digests, already uniform), else two C checksums."""
    if len(text) == 64:
        try:
            return int(text[:16], 16)
        except ValueError:
            pass
    data = text.encode()
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def fallback_key(result: TrialResult) -> str:
    """A key for a trial that went missing before its prompt existed (trial.py leaves its key empty).
    trials.insert_trials builds the same text in SQL: change both together."""
    return _fallback(result.goal, result.model, result.seed)


def _fallback(goal: str, model: str, seed: int) -> str:
    return f"missing:{goal}:{model}:{seed}"


def trial_table(run_id: str, generation: int, items: Sequence[tuple[str | None, TrialResult]], condition: str,
                costs: Mapping[str, float | None], verdicts: Mapping[str, Any]) -> pa.Table:
    """`items` are (library_id, result) pairs; `costs` and `verdicts` are keyed by trial key."""
    with no_gc():
        return _trial_table(run_id, generation, items, condition, costs, verdicts)


@contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block. Why: building a batch's columns allocates a few short-lived
    objects per field and creates no cycles, yet each allocation burst would start collections that walk the
    whole heap (litellm alone is ~0.5M objects), several times per batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _trial_table(run_id, generation, items, condition, costs, verdicts) -> pa.Table:
    # Column by column (list comprehensions, numpy for the hashes, nested lists flattened with offsets): several
    # times faster than appending row by row or converting nested Python lists.
    libs = [lib for lib, _ in items]
    results = [r for _, r in items]
    keys = [r.key or fallback_key(r) for r in results]
    n, now = len(results), utcnow()
    # converted here, not by pa.table, because the hashes below work on their Arrow form too
    library, goal = pa.array(libs, pa.string()), pa.array([r.goal for r in results], pa.string())
    model, seed = pa.array([r.model for r in results], pa.string()), pa.array([r.seed for r in results], pa.int32())
    status = [r.status for r in results]
    scored = [s == "scored" for s in status]
    # a scored result also replaces a key-less missing row of the same cell: `supersedes` is that row's ident
    replaces = np.fromiter([ok and bool(r.key) for r, ok in zip(results, scored, strict=False)], bool, n)
    idents, supersedes = _idents(run_id, library, keys, replaces, goal, model, seed)
    transcript, turns, prompt_tokens, completion_tokens = _transcript(results)
    judged = [verdicts.get(k) for k in keys] if verdicts else [_verdict(getattr(r, "judge", None)) for r in results]
    if not any(v is not None for v in judged):
        judged = None
    cols = {
        # constant columns are made by Arrow itself (why: no Python object per row)
        "ord": pa.array(np.arange(n, dtype=np.int64)), "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
        "generation": pa.repeat(pa.scalar(generation, pa.int32()), n),
        "library_id": library, "condition": pa.repeat(pa.scalar(condition, pa.string()), n),
        "goal": goal, "split": [r.split for r in results], "model": model,
        "seed": seed, "trial_key": keys, "ident": idents, "supersedes": supersedes,
        "injected": [r.injected for r in results],
        "used": [r.used for r in results], "over_budget": [r.over_budget for r in results],
        "status": status, "score": [r.score if ok else None for r, ok in zip(results, scored, strict=False)],
        "executed": [bool(r.executed) for r in results], "turns": turns,
        "stop_reason": [r.stop_reason for r in results], "missing_reason": [r.missing_reason for r in results],
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "cost_usd": [costs.get(k) for k in keys] if costs else pa.nulls(n, pa.float64()),
        "wall_s": [float(r.wall_s) for r in results], "cached": [bool(r.cached) for r in results],
        "created_at": pa.repeat(pa.scalar(now, pa.timestamp("us")), n),
        "checks": _checks(results),
        "feedback": [r.feedback or "" for r in results],
        "transcript": transcript,
        "judge_status": [getattr(v, "status", None) for v in judged] if judged else pa.nulls(n, pa.string()),
        "judge_model": [getattr(v, "model", None) or None for v in judged] if judged else pa.nulls(n, pa.string()),
        "judge_scores": [dict(v.scores) if v is not None and v.scores else None for v in judged] if judged else
        pa.nulls(n, TRIAL_SCHEMA.field("judge_scores").type),
        "judge_mean": [v.mean if v is not None and v.scores else None for v in judged] if judged else
        pa.nulls(n, pa.float64()),
        # getattr: results cached before schema v4 lack these fields (NULL: not recorded)
        "isolation": [getattr(r, "isolation", None) for r in results],
        "replay_status": [getattr(r, "replay_status", None) for r in results],
        "integrity": [getattr(r, "integrity", None) for r in results],
        "conversions": [[_field(t, "conversion") for t in r.turns] for r in results],
        "turn_details": [[{name: _field(t, name) for name in _DETAIL.names} for t in r.turns] for r in results],
        "phases": [_phases(r) for r in results],
    }
    return pa.table(cols, schema=TRIAL_SCHEMA)


def _idents(run_id: str, library: pa.Array, keys: list[str], replaces: np.ndarray, goal: pa.Array,
            model: pa.Array, seed: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The `ident` column (`ident()` of each row) and the `supersedes` column (where `replaces`: the ident of the
    key-less missing row of the row's cell, else null), computed with numpy: the same values as `ident()`.
    What is hashed per library and per cell (goal, model, seed) is hashed once per distinct value (why: a batch
    holds few of them, and Arrow finds them in C)."""
    run = np.uint64(_bits(run_id))
    lib_index, lib_values = _distinct(library)
    lib3 = np.array([(_bits(lib) * 3) & _MASK if lib else 0 for lib in lib_values], np.uint64)[lib_index]
    ident = (run ^ lib3 ^ _bits_of(keys)).view(np.int64)
    (g, goals), (m, models), (s, seeds) = _distinct(goal), _distinct(model), _distinct(seed)
    cell = (g * len(models) + m) * len(seeds) + s
    _, first, inverse = np.unique(cell, return_index=True, return_inverse=True)
    fallback = np.array([_bits(_fallback(goals[g[i]], models[m[i]], seeds[s[i]])) for i in first], np.uint64)
    bits = np.where(replaces, fallback[inverse.reshape(-1)], np.uint64(0))
    supersedes = (run ^ lib3 ^ bits).view(np.int64)
    return pa.array(ident), pa.array(supersedes, mask=~replaces)


def _distinct(values: pa.Array) -> tuple[np.ndarray, list]:
    """Each row's index into the distinct values (null is one of them), and those values."""
    encoded = values.dictionary_encode(null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


_HEX = re.compile(r"[0-9a-fA-F]*")
_PAD = "0" * 16


def _bits_of(texts: list[str]) -> np.ndarray:
    """`_bits` of every text as uint64s. Hex digests (the usual trial key) are parsed all at once."""
    head = "".join([t[:16] if len(t) == 64 else _PAD for t in texts])
    if not _HEX.fullmatch(head):  # a 64-character key that is not hex: each its own way
        return np.fromiter([_bits(t) for t in texts], np.uint64, len(texts))
    bits = np.frombuffer(bytes.fromhex(head), dtype=">u8").astype(np.uint64)
    for i, t in enumerate(texts):
        if len(t) != 64:
            bits[i] = _bits(t)
    return bits


def _transcript(results) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """The transcript column (all turns in one struct array, cut into rows by offsets) and, per row, the number
    of turns and the prompt and completion token totals (a null token count adds nothing)."""
    counts = np.fromiter([len(r.turns) for r in results], np.int64, len(results))
    offsets = np.zeros(len(results) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    turns = [t for r in results for t in r.turns]
    try:  # Turns: each a tuple of its fields (why: Arrow converts tuples faster than dicts)
        values = pa.array(list(map(_TURN_FIELDS, turns)), _TURN)
    except AttributeError:  # dicts (from JSON)
        values = pa.array([_turn(t) for t in turns], _TURN)
    transcript = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values, type=_TRANSCRIPT)

    def total(field: str) -> pa.Array:
        running = np.zeros(len(turns) + 1, np.int64)
        np.cumsum(values.field(field).fill_null(0).to_numpy(zero_copy_only=False), out=running[1:])
        return pa.array(running[offsets[1:]] - running[offsets[:-1]])

    return transcript, pa.array(counts), total("prompt_tokens"), total("completion_tokens")


def _checks(results) -> pa.Array:
    # Dicts (what TrialResult holds) pass as tuples of the struct's fields, other keys ignored; without one of
    # the fields, as dicts (the field null). Anything else (CheckResult objects) is converted first.
    counts = [len(r.checks) for r in results]
    offsets = np.zeros(len(results) + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    checks = [c for r in results for c in r.checks]
    try:  # each a tuple of its fields (why: Arrow converts tuples faster than dicts)
        values = pa.array(list(map(_CHECK_FIELDS, checks)), type=_CHECK)
    except (KeyError, pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        try:  # a field missing (null), or a value of another type
            values = pa.array(checks, type=_CHECK)
        except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
            values = pa.array([_check(c) for c in checks], type=_CHECK)
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=TRIAL_SCHEMA.field("checks").type)


def call_table(run_id: str, first_id: int, records: Iterable[CallRecord], generation: int | None) -> pa.Table:
    cols: dict[str, list] = {name: [] for name in CALL_SCHEMA.names}
    for offset, c in enumerate(records):
        started = dt.datetime.fromtimestamp(c.started_at, dt.UTC).replace(tzinfo=None) \
            if c.started_at else None
        values = (first_id + offset, run_id, generation, c.role, c.model, c.resolved_model, bool(c.ok),
                  c.prompt_tokens or 0, c.completion_tokens or 0, float(c.latency_s or 0.0), c.cost_usd,
                  c.attempts, c.error, started, getattr(c, "cached_tokens", None), getattr(c, "prompt_s", None),
                  getattr(c, "generation_s", None), getattr(c, "request", None), getattr(c, "uid", None))
        for name, value in zip(CALL_SCHEMA.names, values, strict=False):
            cols[name].append(value)
    return pa.table(cols, schema=CALL_SCHEMA)


def _check(check: Any) -> dict:
    if isinstance(check, dict):  # why dict, not Mapping: an ABC check per value costs more than the rest
        return {"name": check.get("name"), "passed": bool(check.get("passed")), "message": check.get("message")}
    return {"name": check.name, "passed": bool(check.passed), "message": check.message}


def _verdict(judge: Any) -> Any:
    """A TrialResult's judge dict read like an evolve.judge.Verdict (None: not judged)."""
    if not judge:
        return None
    return SimpleNamespace(status=judge.get("status"), model=judge.get("model"), scores=judge.get("scores") or {},
                           mean=judge.get("mean"))


def _phases(result: Any) -> dict | None:
    """A result's phases as the struct's fields (None: not recorded, e.g. cached before schema v7)."""
    phases = getattr(result, "phases", None)
    if phases is None:
        return None
    values = phases if isinstance(phases, dict) else phases.as_dict()
    return {name: values.get(name) for name in PHASE_NAMES}


def _field(turn: Any, name: str) -> Any:
    """A turn's field, from a Turn or a dict (cached before the field existed: None)."""
    return turn.get(name) if isinstance(turn, dict) else getattr(turn, name, None)


def _turn(turn: Any) -> dict:
    if type(turn) is dict:
        turn = _Fields(turn)
    elif hasattr(turn, "__dict__"):
        return turn.__dict__
    return {"outcome": turn.outcome, "score": turn.score, "executed": turn.executed, "error": turn.error,
            "feedback": turn.feedback, "reply": turn.reply, "prompt_tokens": turn.prompt_tokens,
            "completion_tokens": turn.completion_tokens, "model_s": turn.model_s, "exec_s": turn.exec_s}


class _Fields:
    """A turn given as a dict (from JSON) read like a Turn."""

    def __init__(self, data: dict):
        self.__dict__.update({"outcome": None, "score": None, "executed": None, "error": None, "feedback": "",
                              "reply": "", "prompt_tokens": 0, "completion_tokens": 0, "model_s": 0.0,
                              "exec_s": 0.0, **data})
