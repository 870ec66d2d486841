"""The read-only snapshot a writing process publishes beside its archive, so others can read during a run.

Why: DuckDB lets one process open a file for writing and then no other process may open it at all. The writer
(`evolve run`) therefore publishes `<stem>.snapshot<suffix>` (e.g. `evolve.snapshot.duckdb`) after committed
writes; readers that find the archive locked open the newest snapshot instead and say how old it is.

Contract: `publish` runs in the writing process between transactions. It checkpoints (so the database file
alone holds every committed row), copies the file to a temporary name in the same folder and renames it over
the snapshot with `os.replace`, which is atomic: a reader sees the previous snapshot or the new one, never a
partial file, and a reader that already has the old one open keeps reading it undisturbed.

The copy is made by a child process (`cp`), never by the writer itself: DuckDB's lock on the file is a POSIX
record lock, which the kernel drops as soon as the locking process closes ANY descriptor of that file. Reading
the file in-process (shutil.copyfile) would silently unlock the archive for other writers.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from . import checkpoint


def snapshot_path(database: Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.snapshot{database.suffix}")


def publish(con: duckdb.DuckDBPyConnection, database: Path) -> Path:
    """Publish a consistent copy of `database` (opened for writing by `con`) as its snapshot."""
    target = snapshot_path(database)
    temporary = target.with_name(f".{target.stem}.tmp-{os.getpid()}{target.suffix}")
    checkpoint.run(con)
    try:
        _copy_in_child(Path(database), temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def sweep_temporaries(database: Path) -> list[Path]:
    """Remove snapshot copies left half-written by writers that died mid-publish (killed between the copy and
    the rename): `.<stem>.snapshot.tmp-<pid><suffix>` whose pid is not a live process. The caller holds the
    archive's write lock, so no live writer of this archive is publishing. Returns what was removed."""
    target = snapshot_path(database)
    prefix, removed = f".{target.stem}.tmp-", []
    for path in target.parent.glob(f"{prefix}*{target.suffix}"):
        pid = path.name[len(prefix):-len(target.suffix) or None]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        try:
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _copy_in_child(source: Path, target: Path) -> None:
    cp = shutil.which("cp")
    command = [cp, "--", str(source), str(target)] if cp else \
        [sys.executable, "-c", "import shutil, sys; shutil.copyfile(*sys.argv[1:])", str(source), str(target)]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def newest(database: Path) -> tuple[Path, float] | None:
    """The snapshot beside `database` and its age in seconds, or None when there is none."""
    path = snapshot_path(database)
    try:
        return path, max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


def describe_age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
