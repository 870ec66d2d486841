"""Archive files: migrations, bad files (corrupt, foreign, newer, locked) that are refused untouched, and
reading while another process holds the archive for writing (the snapshot)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import duckdb
import pytest
from helpers.archive_data import LiveWriter, hand_built_v1

from evolve.archive import SCHEMA_VERSION, Archive, ArchiveError, ArchiveLocked, open_for_reading, schema
from evolve.archive.snapshot import snapshot_path
from evolve.cli import main

# Released migrations never change (an archive in the wild was built by exactly these steps).
RELEASED = {
    1: "617de2b862db647c",
    2: "d9f06d1f15674bd1",
    3: "17db4fd369edb924",
    4: "cb6c47a1dd267e63",
    5: "a78a0b6853a20b10",
}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_released_migrations_are_unchanged():
    for version, expected in RELEASED.items():
        assert hashlib.sha256(schema.MIGRATIONS[version - 1][1].encode()).hexdigest()[:16] == expected, version



def test_an_older_archive_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    hand_built_v1(path)
    with Archive.open(path, snapshots=False) as archive:
        assert archive.migrated_from == 1
        assert archive.rows("SELECT max(version) AS v, count(*) AS steps FROM schema_version") == [{"v": SCHEMA_VERSION, "steps": SCHEMA_VERSION}]
        (evaluation,) = archive.rows("SELECT feedback, checks, judge_status, judge_scores FROM evaluations")
        (best,) = archive.rows("SELECT run_id, library_id, score, n FROM best_so_far")
    assert evaluation == {"feedback": "fine", "checks": [{"name": "c", "passed": True, "message": "ok"}],
                          "judge_status": None, "judge_scores": None}
    assert best == {"run_id": "run-old", "library_id": "lib-a", "score": 0.5, "n": 1}


def test_a_reader_reads_an_older_archive_through_an_upgraded_copy_and_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "old.duckdb"
    hand_built_v1(path)
    before = digest(path)
    with open_for_reading(path) as reader:
        assert reader.migrated_from == 1 and reader.best("run-old")["n"] == 1
        assert "schema 1" in reader.upgrade_note() and "unchanged" in reader.upgrade_note()
        scratch = reader._scratch
        assert scratch is not None and scratch.is_dir()
    assert digest(path) == before and not scratch.exists()  # a committed archive stays committed; no copy left behind
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchall() == [(1,)]
    con.close()


def test_a_failed_migration_leaves_the_archive_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    hand_built_v1(path)
    broken = schema.MIGRATIONS + (("broken step", "ALTER TABLE trials ADD COLUMN x INTEGER; SELECT * FROM nowhere"),)
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(broken))
    monkeypatch.setattr("evolve.archive.opening.SCHEMA_VERSION", len(broken))
    with pytest.raises(duckdb.Error, match="nowhere"):
        Archive.open(path, snapshots=False)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchall() == [(1,)]
    assert "judge_status" not in [c[0] for c in con.execute("DESCRIBE evaluations").fetchall()]
    con.close()


def test_an_empty_duckdb_file_becomes_an_archive(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with Archive.open(path, snapshots=False) as archive:
        assert archive.runs() == []


@pytest.mark.parametrize("kind", ["random bytes", "truncated archive", "empty file", "folder"])
def test_a_corrupt_file_is_refused_untouched(tmp_path, generated_file, kind, capsys):
    path = tmp_path / "bad.duckdb"
    if kind == "random bytes":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "truncated archive":
        path.write_bytes(generated_file[0].read_bytes()[:8192])
    elif kind == "empty file":
        path.write_bytes(b"")
    else:
        path.mkdir()
    before = None if path.is_dir() else digest(path)
    for opener in (Archive.open, open_for_reading):
        with pytest.raises(ArchiveError) as error:
            opener(path)
        assert str(path) in str(error.value)
    assert "Nothing was changed" in str(error.value) or kind == "folder"
    assert main(["sql", "--run", str(path), "SELECT 1"]) == 2
    assert str(path) in capsys.readouterr().err
    assert (None if path.is_dir() else digest(path)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.duckdb"]  # no .wal, no snapshot


def test_a_foreign_duckdb_database_is_refused_untouched(tmp_path, capsys):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements (t DOUBLE, v DOUBLE)")
    con.close()
    before = digest(path)
    with pytest.raises(ArchiveError, match="not an evolve archive \\(it has tables measurements\\)"):
        Archive.open(path)
    assert main(["seed", str(tmp_path), "--run", str(path)]) == 2  # (the folder is not even valid skills)
    assert main(["sql", "--run", str(path), "SELECT 1"]) == 2
    assert "not an evolve archive" in capsys.readouterr().err
    assert digest(path) == before


def test_a_newer_archive_is_refused_untouched(generated, capsys):
    path, _ = generated
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (99, now()::TIMESTAMP, 'from the future')")
    con.close()
    before = digest(path)
    for opener in (Archive.open, open_for_reading):
        with pytest.raises(ArchiveError, match=f"schema version 99; this evolve knows versions up to {SCHEMA_VERSION}"):
            opener(path)
    assert main(["export", "--run", str(path), "--best", "--to", str(path.parent / "out")]) == 2
    assert "upgrade evolve" in capsys.readouterr().err
    assert digest(path) == before and not (path.parent / "out").exists()


def test_a_locked_archive_is_refused_and_readers_are_told_when_there_is_no_snapshot(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ArchiveLocked) as error:
            Archive.open(path)
        assert str(path) in str(error.value) and f"process {holder.pid}" in str(error.value)
        assert "Nothing was changed" in str(error.value)
        with pytest.raises(ArchiveError, match="no snapshot beside it yet"):
            open_for_reading(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_reading_exporting_and_seeding_while_a_run_holds_the_archive(tmp_path, capsys):
    path = tmp_path / "live.duckdb"
    with LiveWriter(path) as live:
        assert live.ask("trials") == "ok"
        assert main(["sql", "--run", str(path), "SELECT count(*) AS n FROM trials"]) == 0
        captured = capsys.readouterr()
        assert captured.out.split()[2] == "5"
        assert "held by a running process" in captured.err
        assert "reading its snapshot live.snapshot.duckdb from" in captured.err
        with pytest.raises(ArchiveLocked):  # publishing the snapshot must not have dropped the writer's lock
            Archive.open(path)
        time.sleep(0.05)
        assert live.ask("trials") == "ok"  # a commit publishes a fresh snapshot
        assert main(["sql", "--run", str(path), "SELECT count(*) AS n FROM trials"]) == 0
        assert capsys.readouterr().out.split()[2] == "10"
        assert main(["export", "--run", str(path), "--best", "--to", str(tmp_path / "best")]) == 0
        capsys.readouterr()
        (tmp_path / "best" / "recipe" / "SKILL.md").write_text(
            (tmp_path / "best" / "recipe" / "SKILL.md").read_text() + "\nA line added by hand.\n")
        assert main(["seed", str(tmp_path / "best"), "--run", str(path), "--note", "by hand"]) == 0
        assert "queued library" in capsys.readouterr().out
        seeds = live.ask("seeds").split()
        assert seeds[0] == "seeds" and len(seeds) == 2  # the run took the queued seed in
        assert not list((tmp_path / "live.inbox").glob("*.json"))
    assert live.goodbye == "closed"
    assert main(["sql", "--run", str(path), "SELECT operator, note FROM origins WHERE operator = 'manual'"]) == 0
    captured = capsys.readouterr()
    assert "by hand" in captured.out and "snapshot" not in captured.err  # the database itself, now free
    assert snapshot_path(path).exists()


def test_one_process_opens_an_archive_for_writing_once(tmp_path):
    path = tmp_path / "a.duckdb"
    with Archive.open(path, snapshots=False):
        for opener in (Archive.open, open_for_reading):
            with pytest.raises(ArchiveError, match="already open for writing in this process"):
                opener(path)
    with open_for_reading(path) as reader:  # closed: free again
        assert reader.runs() == []


def test_snapshot_copies_left_by_a_writer_killed_mid_publish_are_swept_when_the_archive_opens(tmp_path):
    import subprocess as sp

    from evolve.archive import snapshot as snap

    path = tmp_path / "evolve.duckdb"
    Archive.open(path, snapshots=False).close()
    dead = sp.Popen(["true"])
    dead.wait()
    left = tmp_path / f".evolve.snapshot.tmp-{dead.pid}.duckdb"
    left.write_bytes(b"half a copy")
    alive = tmp_path / f".evolve.snapshot.tmp-{os.getppid()}.duckdb"  # a live process's copy in progress
    alive.write_bytes(b"being written")
    Archive.open(path).close()
    assert not left.exists() and alive.exists()
    assert snap.sweep_temporaries(path) == []
