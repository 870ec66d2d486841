"""Engine values (TrialResult, CallRecord, judge verdicts) as Arrow tables, the archive's bulk-insert format.

Contract: each function returns a `pyarrow.Table` whose columns match the target table's columns in name and
type, so `INSERT INTO t SELECT ... FROM arrow_table` needs no per-row work in Python beyond building columns.
Columns are built in one pass over the values; Arrow converts each column in C (why: far faster than
parameter binding, and DuckDB scans Arrow without copying).
"""
from __future__ import annotations

import datetime as dt
import gc
import zlib
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import pyarrow as pa

if TYPE_CHECKING:  # why: evolve.trial pulls in the sandbox and notebook stack; rows only need the shapes
    from ..models import CallRecord
    from ..trial import TrialResult

_CHECK = pa.struct([("name", pa.string()), ("passed", pa.bool_()), ("message", pa.string())])
_TURN = pa.struct([("outcome", pa.string()), ("score", pa.float64()), ("executed", pa.bool_()),
                   ("error", pa.string()), ("feedback", pa.string()), ("reply", pa.string()),
                   ("prompt_tokens", pa.int32()), ("completion_tokens", pa.int32()),
                   ("model_s", pa.float64()), ("exec_s", pa.float64())])
_STRINGS = pa.list_(pa.string())

TRIAL_SCHEMA = pa.schema([
    ("ord", pa.int64()), ("run_id", pa.string()), ("generation", pa.int32()), ("library_id", pa.string()),
    ("condition", pa.string()), ("goal", pa.string()), ("split", pa.string()), ("model", pa.string()),
    ("seed", pa.int32()), ("trial_key", pa.string()), ("ident", pa.int64()), ("supersedes", pa.int64()),
    ("injected", _STRINGS), ("used", _STRINGS),
    ("over_budget", _STRINGS), ("status", pa.string()), ("score", pa.float64()), ("executed", pa.bool_()),
    ("stop_reason", pa.string()), ("missing_reason", pa.string()), ("cost_usd", pa.float64()),
    ("wall_s", pa.float64()), ("cached", pa.bool_()), ("created_at", pa.timestamp("us")),
    # evaluation columns travel in the same table and are split off by the writer
    ("checks", pa.list_(_CHECK)), ("feedback", pa.string()), ("transcript", pa.list_(_TURN)),
    ("judge_status", pa.string()), ("judge_model", pa.string()),
    ("judge_scores", pa.map_(pa.string(), pa.int32())), ("judge_mean", pa.float64()),
])

CALL_SCHEMA = pa.schema([
    ("call_id", pa.int64()), ("run_id", pa.string()), ("generation", pa.int32()), ("role", pa.string()),
    ("model", pa.string()), ("resolved_model", pa.string()), ("ok", pa.bool_()), ("prompt_tokens", pa.int32()),
    ("completion_tokens", pa.int32()), ("latency_s", pa.float64()), ("cost_usd", pa.float64()),
    ("attempts", pa.int32()), ("error", pa.string()), ("started_at", pa.timestamp("us")),
])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


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


def fallback_key(result: "TrialResult") -> str:
    """A key for a trial that went missing before its prompt existed (trial.py leaves its key empty).
    trials.insert_trials builds the same text in SQL: change both together."""
    return f"missing:{result.goal}:{result.model}:{result.seed}"


def trial_table(run_id: str, generation: int, items: Sequence[tuple[str | None, "TrialResult"]], condition: str,
                costs: Mapping[str, float | None], verdicts: Mapping[str, Any]) -> pa.Table:
    """`items` are (library_id, result) pairs; `costs` and `verdicts` are keyed by trial key."""
    # Why: building columns allocates a few objects per field and creates no cycles; the cyclic collector
    # would otherwise walk the whole heap (litellm alone is ~0.5M objects) several times per batch.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _trial_table(run_id, generation, items, condition, costs, verdicts)
    finally:
        if enabled:
            gc.enable()


def _trial_table(run_id, generation, items, condition, costs, verdicts) -> pa.Table:
    # Column by column (list comprehensions): several times faster than appending row by row.
    results = [r for _, r in items]
    keys = [r.key or fallback_key(r) for r in results]
    n, now = len(results), utcnow()
    run, libs = _bits(run_id), {lib: _bits(lib) if lib else 0 for lib in {lib for lib, _ in items}}  # once each
    judged = [verdicts.get(k) for k in keys] if verdicts else [None] * n
    cols = {
        # constant columns are made by Arrow itself (why: no Python object per row)
        "ord": pa.array(range(n), pa.int64()), "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
        "generation": pa.repeat(pa.scalar(generation, pa.int32()), n),
        "library_id": [lib for lib, _ in items], "condition": pa.repeat(pa.scalar(condition, pa.string()), n),
        "goal": [r.goal for r in results], "split": [r.split for r in results], "model": [r.model for r in results],
        "seed": [r.seed for r in results], "trial_key": keys,
        "ident": [_combine(run, libs[lib], _bits(k)) for (lib, _), k in zip(items, keys)],
        # a scored result also replaces a key-less missing row of the same cell: that row's ident
        "supersedes": [_combine(run, libs[lib], _bits(fallback_key(r))) if r.key and r.status == "scored" else None
                       for lib, r in items],
        "injected": [r.injected for r in results],
        "used": [r.used for r in results], "over_budget": [r.over_budget for r in results],
        "status": [r.status for r in results],
        "score": [r.score if r.status == "scored" else None for r in results],
        # (turns and token totals are derived from the transcript in SQL: see trials.insert_trials)
        "executed": [bool(r.executed) for r in results],
        "stop_reason": [r.stop_reason for r in results], "missing_reason": [r.missing_reason for r in results],
        "cost_usd": [costs.get(k) for k in keys] if costs else pa.nulls(n, pa.float64()),
        "wall_s": [float(r.wall_s) for r in results], "cached": [bool(r.cached) for r in results],
        "created_at": pa.repeat(pa.scalar(now, pa.timestamp("us")), n),
        "checks": _checks(results),
        "feedback": [r.feedback or "" for r in results],
        "transcript": [[_turn(t) for t in r.turns] for r in results],  # (Arrow takes struct fields by name)
        "judge_status": [getattr(v, "status", None) for v in judged],
        "judge_model": [getattr(v, "model", None) or None for v in judged],
        "judge_scores": [dict(v.scores) if v is not None and v.scores else None for v in judged],
        "judge_mean": [v.mean if v is not None and v.scores else None for v in judged],
    }
    return pa.table(cols, schema=TRIAL_SCHEMA)


def _checks(results) -> pa.Array:
    # Dicts (what TrialResult holds) pass as they are: Arrow reads the struct's fields by name and ignores
    # others. Anything else (CheckResult objects) is converted first.
    kind = TRIAL_SCHEMA.field("checks").type
    try:
        return pa.array([r.checks for r in results], type=kind)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        return pa.array([[_check(c) for c in r.checks] for r in results], type=kind)


def call_table(run_id: str, first_id: int, records: Iterable[CallRecord], generation: int | None) -> pa.Table:
    cols: dict[str, list] = {name: [] for name in CALL_SCHEMA.names}
    for offset, c in enumerate(records):
        started = dt.datetime.fromtimestamp(c.started_at, dt.timezone.utc).replace(tzinfo=None) \
            if c.started_at else None
        values = (first_id + offset, run_id, generation, c.role, c.model, c.resolved_model, bool(c.ok),
                  c.prompt_tokens or 0, c.completion_tokens or 0, float(c.latency_s or 0.0), c.cost_usd,
                  c.attempts, c.error, started)
        for name, value in zip(CALL_SCHEMA.names, values):
            cols[name].append(value)
    return pa.table(cols, schema=CALL_SCHEMA)


def _check(check: Any) -> dict:
    if isinstance(check, dict):  # why dict, not Mapping: an ABC check per value costs more than the rest
        return {"name": check.get("name"), "passed": bool(check.get("passed")), "message": check.get("message")}
    return {"name": check.name, "passed": bool(check.passed), "message": check.message}


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
