"""The bulk trial path's shortcuts keep record_trials' semantics: vectorised idents equal rows.ident, the writer's
in-memory view of a run (contents.py) never lets a duplicate through (after a reopen, a rollback, a replacement),
and large batches of known trials (the join path of trials.py) behave like small ones."""
import hashlib

import pytest

from evolve.archive import Archive, rows
from evolve.archive.synthetic import trial_result


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def totals_match(archive: Archive) -> bool:
    totals = archive.rows("SELECT run_id, library_id, split, n, round(mean, 9) AS mean, missing "
                          "FROM library_scores ORDER BY ALL")
    direct = archive.rows("SELECT run_id, library_id, split, count(score) AS n, round(avg(score), 9) AS mean, "
                          "count(*) FILTER (WHERE status = 'missing') AS missing FROM library_trials "
                          "GROUP BY ALL ORDER BY ALL")
    return totals == direct


def test_vectorised_idents_equal_rows_ident():
    keys = [sha("a"), sha("b").upper(), "z" * 64, "0x" + "1" * 62, " 1" + "a" * 62, "short", ""]
    results = []
    for i, key in enumerate(keys):
        result = trial_result("lib" if i % 2 else None, "goal-c", "val", i, 0.5 if i % 3 else None, key=key or None)
        result.key = key
        results.append(result)
    table = rows.trial_table("run-x", 0, [(r.library_id, r) for r in results], "population", {}, {})
    assert table["ident"].to_pylist() == [rows.ident("run-x", r.library_id, r.key or rows.fallback_key(r))
                                          for r in results]
    assert table["supersedes"].to_pylist() == [
        rows.ident("run-x", r.library_id, rows.fallback_key(r)) if r.key and r.status == "scored" else None
        for r in results]


def test_no_duplicate_gets_through_a_reopen_or_a_rollback(tmp_path):
    path = tmp_path / "a.duckdb"
    batch = [trial_result(sha(f"lib{i % 3}"), "goal-c", "val", i, 0.5, key=sha(f"k{i}")) for i in range(30)]
    with Archive.open(path, snapshots=False) as archive:
        run = archive.start_run({})
        assert archive.record_trials(run, 0, batch) == 30
        with pytest.raises(RuntimeError), archive.transaction():
            assert archive.record_trials(run, 1, [trial_result(sha("new"), "goal-c", "val", 0, 0.1)]) == 1
            raise RuntimeError("rolled back")
        assert archive.record_trials(run, 1, [trial_result(sha("new"), "goal-c", "val", 0, 0.1)]) == 1
        assert archive.record_trials(run, 1, batch[:10]) == 0
    with Archive.open(path, snapshots=False) as archive:
        assert archive.record_trials(run, 2, batch + [trial_result(sha("lib0"), "goal-c", "val", 99, 0.9)]) == 1
        (count,) = archive.rows("SELECT count(*) AS n, count(DISTINCT (library_id, trial_key)) AS distinct_n "
                                "FROM trials")
        assert count == {"n": 32, "distinct_n": 32} and totals_match(archive)


@pytest.mark.parametrize("size", [5, 400])  # 400: more known rows than trials.py lists literally
def test_known_batches_large_and_small_replace_and_skip_alike(tmp_path, size):
    with Archive.open(tmp_path / "a.duckdb", snapshots=False) as archive:
        run = archive.start_run({})
        lib = sha("lib")
        outages = []
        for i in range(size):
            outage = trial_result(lib, "goal-c", "val", i, None)
            outage.key = ""  # key-less: went missing before the prompt existed
            outages.append(outage)
        missing = [trial_result(lib, "goal-d", "val", i, None, key=sha(f"m{i}")) for i in range(size)]
        assert archive.record_trials(run, 0, outages + missing) == 2 * size
        retries = [trial_result(lib, "goal-c", "val", i, 0.5, key=sha(f"r{i}")) for i in range(size)] + \
                  [trial_result(lib, "goal-d", "val", i, 0.7, key=sha(f"m{i}")) for i in range(size)]
        assert archive.record_trials(run, 1, retries + missing) == 2 * size  # the missing ones again: nothing
        assert archive.record_trials(run, 2, retries) == 0
        statuses = archive.rows("SELECT status, count(*) AS n FROM trials GROUP BY ALL")
        evaluations = archive.rows("SELECT count(*) AS n FROM evaluations JOIN trials USING (trial_id)")
        assert statuses == [{"status": "scored", "n": 2 * size}] and evaluations == [{"n": 2 * size}]
        assert totals_match(archive)
