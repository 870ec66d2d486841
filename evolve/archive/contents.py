"""What the writer knows a run holds, kept in memory so that recording new trials needs no lookup in the file.

Contract: `RunContents.load(con, run_id)` reads the libraries and idents of the run's trials and the library keys
('' = no skills) of its score_totals rows. `maybe_known(libraries, idents, supersedes)` (one entry per batch row,
as rows.trial_table has them) is False only when no trial of the run has the ident of a row or of the row it
supersedes; `with_totals(keys)` returns every one of `keys` that may have score_totals rows; `add(...)` records a
batch as it is written. What it holds may be more than the file holds (a batch rolled back, a row replaced since):
that only costs a lookup. It must never hold less, which is sound because the writer is the file's only writer
and `Archive.record_trials` the only way trials are written (like the writer's id counters).

Why: at a million trials, asking the file "is any of these trials known?" scans every ident (~10 ms a batch);
the answer is almost always no (a generation records new trials), and in memory it costs microseconds.
Memory: 8 bytes per trial of the runs written in this process.
"""
from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pyarrow as pa


class RunContents:
    def __init__(self, libraries: Iterable[str | None], idents: np.ndarray, keys: Iterable[str]):
        self.libraries: set[str | None] = set(libraries)  # None: no skills
        self._sorted = np.sort(np.asarray(idents, dtype=np.int64))
        self._recent: set[int] = set()  # added since the last merge into _sorted
        self.keys: set[str] = set(keys)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, run_id: str) -> RunContents:
        libraries = [r[0] for r in con.execute("SELECT DISTINCT library_id FROM trials WHERE run_id = ?",
                                               [run_id]).fetchall()]
        idents = con.execute("SELECT ident FROM trials WHERE run_id = ?", [run_id]).fetchnumpy()["ident"]
        keys = [r[0] for r in con.execute("SELECT library_key FROM score_totals WHERE run_id = ?", [run_id]
                                          ).fetchall()]
        return cls(libraries, np.asarray(idents, dtype=np.int64), keys)

    def maybe_known(self, libraries: list, idents: np.ndarray, supersedes: pa.ChunkedArray) -> bool:
        """Why libraries first: a trial's identity includes its library, so only the rows of libraries the run
        already has trials of (usually none, or the few a batch shares with the previous one) need a look."""
        tried = set(libraries) & self.libraries
        if not tried:
            return False
        rows = [i for i, library in enumerate(libraries) if library in tried]
        wanted = idents[rows].tolist() + [s for s in supersedes.take(rows).to_pylist() if s is not None]
        return self._any(np.array(wanted, dtype=np.int64))

    def _any(self, idents: np.ndarray) -> bool:
        if len(self._sorted) and len(idents):
            at = np.searchsorted(self._sorted, idents)
            np.minimum(at, len(self._sorted) - 1, out=at)
            if (self._sorted[at] == idents).any():
                return True
        return bool(self._recent) and not self._recent.isdisjoint(idents.tolist())

    def with_totals(self, keys: set[str]) -> set[str]:
        return keys & self.keys

    def add(self, libraries: Iterable[str | None], idents: np.ndarray, keys: Iterable[str]) -> None:
        self.libraries.update(libraries)
        self._recent.update(idents.tolist())
        self.keys.update(keys)
        if len(self._recent) > max(1 << 16, len(self._sorted) >> 3):  # (a merge costs a sort: now and then)
            recent = np.sort(np.fromiter(self._recent, np.int64, len(self._recent)))
            # two sorted runs: the stable sort merges them (several times faster than sorting afresh)
            self._sorted, self._recent = np.sort(np.concatenate([self._sorted, recent]), kind="stable"), set()
