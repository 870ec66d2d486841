"""Reading an archive from any process, even while a run holds it: `open_for_reading`.

Contract: returns a `Reader` over a read-only connection (so no query can change the archive):
- to the database itself when no other process holds it; an archive of an older schema is never changed by
  reading it: an upgraded copy in a temporary folder is read instead (`migrated_from` says so, `upgrade_note()`
  tells the user, `close()` deletes the copy), so querying a committed archive leaves it as it was;
- to the newest snapshot beside it when a writer holds it (`snapshot` is its path and `age_s` how old it is,
  for the caller to tell the user);
- otherwise ArchiveError naming the file and what to do.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from . import snapshot
from .errors import ArchiveError, ArchiveLocked
from .opening import check_version, connect, refuse_if_held
from .reads import Reads
from .schema import SCHEMA_VERSION


class Reader(Reads):
    def __init__(self, path: Path, con, snapshot_path: Path | None = None, age_s: float | None = None,
                 migrated_from: int | None = None, scratch: Path | None = None):
        self.path, self._con, self._lock = path, con, threading.RLock()
        self.snapshot, self.age_s, self.migrated_from = snapshot_path, age_s, migrated_from
        self._scratch = scratch  # the folder of an upgraded copy, deleted on close
        self._closed = False

    def close(self) -> None:
        if not self._closed:  # (the closed connection stays: a use after close gets DuckDB's own error)
            self._con.close()
            self._closed = True
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def notes(self) -> list[str]:
        """The lines to tell the user on stderr about where the answer comes from (a snapshot, an upgraded copy)."""
        return [note for note in (self.source_note(), self.upgrade_note()) if note]

    def upgrade_note(self) -> str | None:
        """A line for stderr when an older archive was read through an upgraded copy, else None."""
        if self.migrated_from is None:
            return None
        return (f"note: {self.path} has archive schema {self.migrated_from}; read through an upgraded copy "
                f"(version {SCHEMA_VERSION}), the file is unchanged (a run that opens it upgrades it)")

    def source_note(self) -> str | None:
        """A line for stderr when the answer comes from a snapshot, else None."""
        if self.snapshot is None:
            return None
        return (f"note: {self.path} is held by a running process; reading its snapshot {self.snapshot.name} "
                f"from {snapshot.describe_age(self.age_s or 0.0)} ago (it is refreshed after each commit)")


def open_for_reading(path: Path | str) -> Reader:
    path = Path(path)
    refuse_if_held(path)
    if not path.exists():
        found = snapshot.newest(path)
        if found is None:
            raise ArchiveError(path, "no archive here.", "Check --run (default: [paths] archive); a run creates it.")
        return _snapshot_reader(path, *found)
    try:
        con = connect(path, read_only=True)
    except ArchiveLocked as locked:
        found = snapshot.newest(path)
        if found is None:
            raise ArchiveError(path, f"is in use by {f'process {locked.pid}' if locked.pid else 'another process'}"
                                     " and has no snapshot beside it yet.",
                               "A run publishes one when it opens the archive and after each commit; try again "
                               "in a moment.") from locked
        return _snapshot_reader(path, *found)
    try:
        version = check_version(path, con)
    except BaseException:
        con.close()
        raise
    if version == 0:
        con.close()
        raise ArchiveError(path, "is an empty DuckDB database, not an evolve archive yet.",
                           "Nothing was changed. A run (or `evolve seed`) makes it an archive.")
    if version == SCHEMA_VERSION:
        return Reader(path, con)
    con.close()
    return _upgraded_copy_reader(path, version)


def _upgraded_copy_reader(path: Path, version: int) -> Reader:
    from .writer import Archive

    scratch = Path(tempfile.mkdtemp(prefix="evolve-read-"))
    try:
        copy = scratch / path.name
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + ".wal")  # an archive not closed cleanly keeps its last commits here
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        Archive.open(copy, snapshots=False).close()  # only adds tables, columns and views
        return Reader(path, connect(copy, read_only=True), migrated_from=version, scratch=scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _snapshot_reader(path: Path, snapshot_path: Path, age_s: float) -> Reader:
    con = connect(snapshot_path, read_only=True)
    try:
        version = check_version(snapshot_path, con)
    except BaseException:
        con.close()
        raise
    if version != SCHEMA_VERSION:
        con.close()
        raise ArchiveError(snapshot_path, f"has archive schema version {version}; this evolve reads version "
                                          f"{SCHEMA_VERSION} and cannot upgrade a read-only snapshot.",
                           f"Wait until the process holding {path.name} ends, or use the evolve it runs.")
    return Reader(path, con, snapshot_path, age_s)
