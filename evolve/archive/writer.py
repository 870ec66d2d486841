"""The archive writer: the one process that records a run (the engine) and the only one that writes the file.

Contract:
- `Archive.open(path)` creates a new archive, migrates an older one, and refuses (ArchiveError, file untouched)
  a corrupt, foreign, newer or locked one.
- Every write method is atomic on its own; inside `with archive.transaction():` all of them commit together,
  which is how the engine commits a generation (or a batch of trials) at once. An exception anywhere inside
  rolls everything back. Methods are thread-safe (one lock around the connection).
- After each committed outermost transaction a read-only snapshot is published beside the file (at most every
  `snapshot_interval_s`; a skipped one is published at the next commit after that, and on close).
- Skills are stored content-addressed and libraries by id: adding one twice is a no-op. A skill's bundled files
  (evolve.bundle) go to `files` (once per content hash) and `skill_files` (per skill and path).
- Trials are idempotent: see `record_trials`. To skip lookups, the writer keeps in memory what each run it
  writes holds (contents.py), as it keeps its id counters: sound because it is the file's only writer.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import subprocess
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Iterator, Mapping, Sequence

import duckdb
import numpy as np

from ..library import Library
from ..records import CallRecord, TrialResult
from . import checkpoint, rows, snapshot
from .errors import ArchiveError
from .contents import RunContents
from .opening import HELD, check_version, connect, inspect, refuse_if_held
from .reads import Reads
from .schema import migrate
from .trials import insert_trials

_KEEP = object()  # record_trials: keep each result's own library_id


class Archive(Reads):
    def __init__(self, path: Path, con, snapshot_interval_s: float, snapshots: bool, migrated_from: int | None):
        self.path, self._con, self._closed = path, con, False
        self.snapshot_interval_s, self.snapshots = snapshot_interval_s, snapshots
        self.migrated_from = migrated_from  # the version it had before this open migrated it (None: no migration)
        self._lock = threading.RLock()
        self._depth, self._failed, self._unpublished, self._published_at = 0, False, True, 0.0
        self._after: list = []
        self._ids: dict[str, int] = {}
        self._contents: dict[str, RunContents] = {}  # run id -> what it holds (contents.py), runs written here
        self.snapshot_error: str | None = None  # why the last snapshot could not be published, if it failed

    @classmethod
    def open(cls, path: Path | str, *, snapshot_interval_s: float = 0.0, snapshots: bool = True) -> Archive:
        path = Path(path)
        refuse_if_held(path)
        version = inspect(path)  # read-only first: a bad file is refused before anything writes to it
        if version is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(path, read_only=False)
        try:
            checkpoint.configure(con)  # the writer checkpoints after commits itself (see checkpoint.py)
            # One thread: the writer's statements are small (a batch of trials, a few rows elsewhere), and every
            # extra thread costs a hand-off per statement, which on a busy machine is most of its wall time.
            con.execute("SET threads = 1")
            version = check_version(path, con)
            upgraded = migrate(con, version)
            migrated_from = version if 0 < version < upgraded else None
        except BaseException:
            con.close()
            raise
        archive = cls(path, con, snapshot_interval_s, snapshots, migrated_from)
        HELD.add(path.resolve())
        snapshot.sweep_temporaries(path)  # copies of writers killed mid-publish (we hold the lock now)
        archive._publish(force=True)
        return archive

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._unpublished:
                self._publish(force=True)
            self._con.close()  # (it stays: a use after close gets DuckDB's own error)
            self._closed = True
            HELD.discard(self.path.resolve())

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Archive]:
        """All writes inside commit together or not at all; nesting joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    self._failed = True  # DuckDB has no savepoints: the whole outer transaction must go
                    raise
                finally:
                    self._depth -= 1
                return
            self._con.execute("BEGIN TRANSACTION")
            self._depth, self._failed = 1, False
            try:
                yield self
            except BaseException:
                self._depth, self._after = 0, []
                self._con.execute("ROLLBACK")
                raise
            self._depth, after, self._after = 0, self._after, []
            if self._failed:
                self._con.execute("ROLLBACK")
                raise ArchiveError(self.path, "a write inside this transaction failed, so none of it was kept.")
            self._con.execute("COMMIT")
            self._unpublished = True
            for action in after:
                action()
            self._checkpoint_if_due()
            self._publish()

    def after_commit(self, action) -> None:
        """Run `action()` once the current transaction commits (now, when none is open); never on rollback."""
        with self._lock:
            if self._depth:
                self._after.append(action)
            else:
                action()

    def _checkpoint_if_due(self) -> None:
        if not checkpoint.due(self.path):
            return
        try:
            checkpoint.run(self._con)
        except duckdb.Error as error:
            # Committed data is safe in the log; only the file stays behind it. Say so; the next commit retries.
            warnings.warn(f"could not checkpoint {self.path} (the data is committed in its log): {error}",
                          RuntimeWarning, stacklevel=3)

    def _publish(self, force: bool = False) -> None:
        if not self.snapshots or (not force and time.monotonic() - self._published_at < self.snapshot_interval_s):
            return
        try:
            snapshot.publish(self._con, self.path)
        except (OSError, subprocess.CalledProcessError) as error:
            # The data is committed; only the readers' copy is stale. Say so, and try again at the next commit.
            self.snapshot_error = f"could not publish the snapshot beside {self.path}: {error}"
            warnings.warn(self.snapshot_error, RuntimeWarning, stacklevel=3)
            return
        self._published_at, self._unpublished, self.snapshot_error = time.monotonic(), False, None

    # -- runs, skills, libraries, edges ------------------------------------------------------------------

    def start_run(self, config: Any = None, seed: Library | None = None, note: str = "") -> str:
        """A new run; its configuration (a dataclass or a dict) is kept as JSON. With `seed`, the library is
        stored, becomes the run's seed baseline and gets a root edge (operator 'seed', generation 0)."""
        run_id = f"run-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"
        if dataclasses.is_dataclass(config) and not isinstance(config, type):  # an instance, not the class
            config = dataclasses.asdict(config)
        with self.transaction():
            seed_id = self.add_library(seed) if seed is not None else None
            self._con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
                              [run_id, rows.utcnow(), json.dumps(config, default=str), seed_id, note])
            if seed is not None:
                self.add_edge(run_id, seed, [], "seed", note="the seed library", generation=0, accepted=True)
        return run_id

    def add_library(self, library: Library) -> str:
        """Store the library and its skills (content-addressed; idempotent). Returns its id."""
        now = rows.utcnow()
        with self.transaction():
            skills = list(library)
            if skills:
                placeholders = ", ".join(["(?, ?, ?, ?, ?)"] * len(skills))
                values = [v for s in skills for v in (s.sha256, s.name, s.text, s.nbytes, now)]
                self._con.execute(f"INSERT OR IGNORE INTO skills VALUES {placeholders}", values)
            self._add_files(skills, now)
            manifest = library.manifest
            self._con.execute("INSERT OR IGNORE INTO libraries VALUES (?, MAP(?::VARCHAR[], ?::VARCHAR[]), ?, ?, ?)",
                              [library.id, list(manifest), list(manifest.values()), len(library), library.nbytes,
                               now])
        return library.id

    def _add_files(self, skills: list, now) -> None:
        """The bundled files of `skills`: contents once by hash, then (skill, path) → content hash."""
        listed = [(s.sha256, path, data) for s in skills for path, data in s.files.items()]
        if not listed:
            return
        contents = {hashlib.sha256(data).hexdigest(): data for _, _, data in listed}
        self._con.execute("INSERT OR IGNORE INTO files VALUES " + ", ".join(["(?, ?, ?, ?)"] * len(contents)),
                          [v for sha, data in contents.items() for v in (sha, data, len(data), now)])
        self._con.execute("INSERT OR IGNORE INTO skill_files VALUES " + ", ".join(["(?, ?, ?)"] * len(listed)),
                          [v for skill, path, data in listed for v in (skill, path, hashlib.sha256(data).hexdigest())])

    def add_edge(self, run_id: str, child: Library | str, parents: Sequence[Library | str], operator: str,
                 note: str = "", generation: int = 0, mutator_call: int | None = None,
                 accepted: bool | None = None) -> int:
        """Record that `operator` made `child` from `parents` (Library values are stored first). Recording the
        same edge (run, child, parents, operator, generation) again returns the existing edge's id."""
        with self.transaction():
            ids = [self.add_library(x) if isinstance(x, Library) else x for x in [child, *parents]]
            found = self._con.execute(
                "SELECT edge_id, parents = ?::VARCHAR[] AND operator = ? AND generation = ? AS same "
                "FROM edges WHERE run_id = ? AND child = ?", [ids[1:], operator, generation, run_id, ids[0]]
            ).fetchall()
            same = [edge_id for edge_id, is_same in found if is_same]
            if same:
                return same[0]
            edge_id = self._next_id("edges", "edge_id")
            self._con.execute("INSERT INTO edges VALUES (?, ?, ?, ?::VARCHAR[], ?, ?, ?, ?, ?, ?, ?)",
                              [edge_id, run_id, ids[0], ids[1:], operator, note, mutator_call, generation,
                               accepted, not found, rows.utcnow()])
            return edge_id

    def set_accepted(self, run_id: str, child: str, accepted: bool) -> None:
        """The gate's decision on a child (every edge making it in the run)."""
        with self.transaction():
            self._con.execute("UPDATE edges SET accepted = ? WHERE run_id = ? AND child = ?",
                              [accepted, run_id, child])

    # -- trials, calls, events ---------------------------------------------------------------------------

    def record_trials(self, run_id: str, generation: int, results: Iterable[TrialResult], *,
                      condition: str = "population", library_id: Any = _KEEP,
                      costs: Mapping[str, float | None] | None = None, verdicts: Mapping[str, Any] | None = None
                      ) -> int:
        """Record trial results (and their evaluations) in one bulk insert. Returns the rows written.

        A trial row is identified by (run, library, trial key): the key hashes what the student saw, and the
        library is part of the identity because two libraries that route the same skills to a goal share a
        key (the trial cache reuses one result for both) yet each needs its row. Recording an identity again
        writes nothing, except that a scored result replaces a missing one (a retried outage). `library_id`
        overrides every result's own (None = no skills); `costs` and `verdicts` (judge `Verdict`s) are keyed
        by trial key."""
        with rows.no_gc():  # (see there; the inserts below create no Python cycles either)
            return self._record_trials(run_id, generation, list(results), condition, library_id, costs or {},
                                       verdicts or {})

    def _record_trials(self, run_id, generation, results, condition, library_id, costs, verdicts) -> int:
        libs = [r.library_id for r in results] if library_id is _KEEP else [library_id] * len(results)
        items = list(zip(libs, results, strict=False))
        if not items:
            return 0
        table = rows.trial_table(run_id, generation, items, condition, costs, verdicts)
        idents = table["ident"].to_numpy()
        if len(np.unique(idents)) < len(idents):  # (equal identities have equal idents) a repeat in the batch:
            chosen: dict[tuple, tuple[str | None, TrialResult]] = {}  # one per identity, a scored one if any
            for lib, result in items:
                ident = (lib, result.key or rows.fallback_key(result))
                if ident not in chosen or (result.status == "scored" and chosen[ident][1].status != "scored"):
                    chosen[ident] = (lib, result)
            items = list(chosen.values())
            table = rows.trial_table(run_id, generation, items, condition, costs, verdicts)
            idents = table["ident"].to_numpy()
        libraries = [lib for lib, _ in items]
        keys = {lib or "" for lib in set(libraries)}  # (score_totals' library keys)
        with self.transaction():
            contents = self._contents.get(run_id)
            if contents is None:
                contents = self._contents[run_id] = RunContents.load(self._con, run_id)
            maybe_known = contents.maybe_known(libraries, idents, table["supersedes"])
            with_totals = contents.with_totals(keys)
            contents.add(set(libraries), idents, keys)  # (now: a batch rolled back stays in: that costs a lookup)
            return insert_trials(self._con, table, self._next_id("trials", "trial_id", table.num_rows),
                                 maybe_known=maybe_known, with_totals=with_totals)

    def record_calls(self, run_id: str, records: Iterable[CallRecord], generation: int | None = None
                     ) -> list[int]:
        """Record model calls in one bulk insert; returns their call ids (for an edge's `mutator_call`)."""
        records = list(records)
        if not records:
            return []
        with self.transaction():
            first = self._next_id("llm_calls", "call_id", len(records))
            table = rows.call_table(run_id, first, records, generation)
            self._con.register("incoming_calls", table)
            try:
                self._con.execute("INSERT INTO llm_calls SELECT * FROM incoming_calls")
            finally:
                self._con.unregister("incoming_calls")
        return list(range(first, first + len(records)))

    def event(self, run_id: str | None, kind: str, payload: Any = None) -> int:
        """Record an event (progress, a stop, a resume, a seed); the payload is kept as JSON."""
        with self.transaction():
            event_id = self._next_id("events", "event_id")
            self._con.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                              [event_id, run_id, rows.utcnow(), kind, json.dumps(payload, default=str)])
        return event_id

    # -- seeds -------------------------------------------------------------------------------------------

    def pending_seeds(self, run_id: str) -> list[Library]:
        """Seeds for the run's next generation: queued ones (from `evolve seed` during the run) are taken in
        first, then every library of the `pending_seeds` view is returned. Recording a trial of a seed makes it
        no longer pending."""
        from .seed import take_queued

        take_queued(self, run_id)
        return [self.library(r["library_id"]) for r in self.rows(
            "SELECT library_id FROM pending_seeds WHERE run_id = ? ORDER BY generation, library_id", [run_id])]

    def _next_id(self, table: str, column: str, count: int = 1) -> int:
        """The first of `count` fresh ids. Safe without a sequence: this process is the file's only writer.
        A rolled-back transaction leaves a gap, which is harmless."""
        if table not in self._ids:
            self._ids[table] = self._con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchall()[0][0]
        first = self._ids[table]
        self._ids[table] += count
        return first
