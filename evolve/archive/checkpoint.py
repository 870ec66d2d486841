"""When and how the writer checkpoints: after a commit once the write-ahead log has grown, with every core.

Contract: `configure(con)` turns DuckDB's automatic checkpoint off for the writer's connection; `due(path)` says
whether the log beside the archive at `path` has reached `WAL_LIMIT`; `run(con)` checkpoints with up to
`THREADS` threads (the connection's own count if that is more) and gives the connection back its own count.
A checkpoint is never needed for durability (a commit is durable once in the log, which the next open replays),
so a failed one is the caller's to report and carry on.

Why not DuckDB's own automatic checkpoint: it runs inside the COMMIT that crosses the threshold, on the
writer's single thread (writer.py explains the one thread). A checkpoint compresses every row written since
the last one column by column, which spreads over cores well: 400,000 trial rows took 1.2 s on one thread and
0.8 s on two (benchmarks/archive_speed.py, 2 cores).
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

WAL_LIMIT = 256 << 20  # bytes of log before a checkpoint (DuckDB's own default is 16 MiB: fewer, larger ones)
THREADS = max(1, min(4, os.cpu_count() or 1))


def configure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET checkpoint_threshold = '1TiB'")  # (off: `run` is called instead)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def due(path: Path) -> bool:
    try:
        return wal_path(path).stat().st_size >= WAL_LIMIT
    except FileNotFoundError:
        return False


def run(con: duckdb.DuckDBPyConnection) -> None:
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute(f"SET threads = {max(THREADS, int(threads))}")
    try:
        con.execute("CHECKPOINT")
    finally:
        con.execute(f"SET threads = {int(threads)}")
