"""Opening an archive file: DuckDB's errors turned into ArchiveErrors that say which file and what to do.

Contract: `inspect()` looks at a file read-only and raises for anything we must not write to (not DuckDB or
damaged, a DuckDB database that is not an archive, a newer schema, locked); a writer calls it before opening
the file for writing, so a bad file is never modified.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

from .errors import ArchiveError, ArchiveLocked
from .schema import SCHEMA_VERSION, table_names, version_of

_LOCK = ("Could not set lock", "Conflicting lock")
HELD: set[Path] = set()  # archives this process has open for writing (see refuse_if_held)


def refuse_if_held(path: Path) -> None:
    """One writer per file per process, and no second connection beside it: DuckDB refuses a read-only one,
    and the file's lock must never be put at risk by another descriptor of it in this process."""
    if Path(path).resolve() in HELD:
        raise ArchiveError(path, "is already open for writing in this process.",
                           "Use that Archive (it has every read method of a reader).")


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with errors that name the file and the way out."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        raise classify(path, error) from error


def classify(path: Path, error: Exception) -> ArchiveError:
    message = str(error)
    if any(text in message for text in _LOCK):
        pid = re.search(r"PID (\d+)", message)
        return ArchiveLocked(path, int(pid.group(1)) if pid else None)
    if "not a valid DuckDB database" in message or "Serialization Error" in message:
        return ArchiveError(path, "is not a DuckDB database, or it is damaged.",
                            "Nothing was changed. Pass another file with --run, or move this one aside "
                            "(a new archive is created where none exists).")
    if "database does not exist" in message:
        return ArchiveError(path, "no archive here.", "Check the --run path (default: [paths] archive).")
    if "newer version" in message or "older version" in message or "storage version" in message:
        return ArchiveError(path, f"was written by another DuckDB version ({_first_line(message)}).",
                            "Nothing was changed. Open it with the evolve and DuckDB versions that wrote it.")
    return ArchiveError(path, f"cannot be opened: {_first_line(message)}.", "Nothing was changed.")


def check_version(path: Path, con: duckdb.DuckDBPyConnection) -> int:
    """The file's schema version (0: an empty database); raises for a foreign database or a newer schema."""
    version = version_of(con)
    if version is None:
        tables = table_names(con)
        shown = ", ".join(tables[:6]) + (", ..." if len(tables) > 6 else "")
        raise ArchiveError(path, f"is a DuckDB database but not an evolve archive (it has tables {shown}).",
                           "Nothing was changed. Pass an archive with --run, or a path where none exists yet.")
    if version > SCHEMA_VERSION:
        raise ArchiveError(path, f"has archive schema version {version}; this evolve knows versions up to "
                                 f"{SCHEMA_VERSION}.",
                           "Nothing was changed. A newer evolve wrote it: upgrade evolve to use it.")
    return version


def inspect(path: Path) -> int | None:
    """Check an existing file read-only; returns its schema version, or None when there is no file yet."""
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        raise ArchiveError(path, "is a folder, not an archive file.", "Pass the .duckdb file with --run.")
    con = connect(path, read_only=True)
    try:
        return check_version(path, con)
    finally:
        con.close()


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0].rstrip(".") if message.strip() else "unknown error"
