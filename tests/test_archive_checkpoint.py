"""The writer checkpoints after a commit once the log has grown (checkpoint.py), with more threads, and is back on
one thread after; a failed checkpoint loses nothing that was committed."""

import duckdb
import pytest

from evolve.archive import Archive, checkpoint
from evolve.archive.synthetic import trial_result


def threads(archive: Archive) -> int:
    return int(archive.connection.execute("SELECT current_setting('threads')").fetchall()[0][0])


def batch(start: int, n: int = 50):
    return [trial_result(f"{i % 5:064x}", "goal-c", "val", i, 0.5, key=f"{i + 1:064x}") for i in range(start, start + n)]


def test_a_commit_past_the_limit_checkpoints_and_the_log_empties(tmp_path, monkeypatch):
    path = tmp_path / "a.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({})
        monkeypatch.setattr(checkpoint, "WAL_LIMIT", 10 << 30)  # nothing due: the log keeps the commit
        archive.record_trials(run, 0, batch(0))
        kept = checkpoint.wal_path(path).stat().st_size
        assert kept > 0 and not checkpoint.due(path)
        monkeypatch.setattr(checkpoint, "WAL_LIMIT", kept)  # the next commit crosses it
        archive.record_trials(run, 1, batch(50))
        assert not checkpoint.wal_path(path).exists() or checkpoint.wal_path(path).stat().st_size < kept
        assert threads(archive) == 1
        assert archive.rows("SELECT count(*) AS n FROM trials")[0]["n"] == 100


def test_a_checkpoint_gives_the_connection_back_its_own_thread_count(tmp_path):
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        archive.connection.execute("SET threads = 3")  # (as benchmarks/archive_speed.py --duckdb-threads 3 does)
        checkpoint.run(archive.connection)
        assert threads(archive) == 3


def test_duckdb_does_not_checkpoint_on_its_own(tmp_path, monkeypatch):
    # A commit far past DuckDB's default threshold (16 MiB) leaves the log alone when ours is not reached.
    monkeypatch.setattr(checkpoint, "WAL_LIMIT", 10 << 30)
    path = tmp_path / "a.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({})
        for g in range(8):
            archive.record_trials(run, g, batch(g * 5000, 5000))
        assert checkpoint.wal_path(path).stat().st_size > 16 << 20


def test_a_failed_checkpoint_warns_and_keeps_the_commit(tmp_path, monkeypatch):
    path = tmp_path / "a.duckdb"
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({})
        monkeypatch.setattr(checkpoint, "due", lambda _: True)

        def fail(con):
            raise duckdb.IOException("disk full (simulated)")

        monkeypatch.setattr(checkpoint, "run", fail)
        with pytest.warns(RuntimeWarning, match="data is committed"):
            assert archive.record_trials(run, 0, batch(0)) == 50
        monkeypatch.undo()
    with Archive.open(path, snapshots=False) as archive:  # replayed from the log
        assert archive.rows("SELECT count(*) AS n FROM trials")[0]["n"] == 50
