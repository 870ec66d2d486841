"""How a batch of trial rows gets into the archive: duplicates skipped, missing rows superseded, totals kept.

Contract (inside the writer's transaction; `batch` is a `rows.trial_table`, its rows numbered by `ord` from 0,
scanned as the Arrow table `incoming_trials`): `insert_trials(con, batch, base)` inserts every row whose identity
(run, library, trial key) is new as trial `base + ord` with its evaluation, first deleting any `missing` row that
a `scored` row replaces (same identity, or the key-less missing row of the same run, library, goal, model and
seed), and keeps `score_totals` equal to the aggregate of library trials. Returns the number of trial rows
written. Two promises of the caller let it skip lookups: `maybe_known=False`, that no trial in the archive has
the ident of a batch row or of a row one supersedes (then every row is new and nothing is replaced), and
`with_totals`, the library keys of the batch ('' = no skills) that may have score_totals rows (None: any).
"""
from __future__ import annotations

import duckdb
import pyarrow as pa

from .views import LIBRARY_CONDITIONS

_CONDITIONS = ", ".join(f"'{c}'" for c in LIBRARY_CONDITIONS)
_UPSERT = """ON CONFLICT (run_id, library_key, split) DO UPDATE SET
             n = s.n + EXCLUDED.n, total = s.total + EXCLUDED.total, missing = s.missing + EXCLUDED.missing"""


def insert_trials(con: duckdb.DuckDBPyConnection, batch: pa.Table, base: int, maybe_known: bool = True,
                  with_totals: set[str] | None = None) -> int:
    """See the module contract."""
    # The statements below read the Arrow tables `incoming_trials` and `incoming_totals` through DuckDB's
    # replacement scan of this frame's local variables (why: registering and unregistering them costs more
    # than the statement itself for a small batch). Only statements run from this function can see them.
    incoming_trials = batch  # noqa: F841 (read by the SQL)
    same = ("t.run_id = i.run_id AND t.trial_key = i.trial_key "
            "AND t.library_id IS NOT DISTINCT FROM i.library_id")
    # Why `ident` first: one BIGINT column answers "anything known?" without reading a million keys, and the
    # few rows it finds are all the exact comparisons below need to look at (equal identities, equal idents).
    alike = ("ident IN (SELECT ident FROM incoming_trials UNION ALL "
             "SELECT supersedes FROM incoming_trials WHERE supersedes IS NOT NULL)")
    matches = [r[0] for r in con.execute(f"SELECT trial_id FROM trials WHERE {alike}").fetchall()] \
        if maybe_known else []
    known = bool(matches)
    candidates = f"(SELECT * FROM trials WHERE {_among(matches, alike)})"
    if known:
        # A scored result supersedes a missing row of the same identity, or the key-less missing row of the
        # same cell (rows.fallback_key; its ident is the incoming row's `supersedes`), and that row's
        # evaluation goes with it.
        replaced = [r[0] for r in con.execute(f"""
            SELECT DISTINCT t.trial_id FROM {candidates} t JOIN incoming_trials i
            ON t.run_id = i.run_id AND t.library_id IS NOT DISTINCT FROM i.library_id
            AND (t.trial_key = i.trial_key OR t.trial_key = concat_ws(':', 'missing', i.goal, i.model, i.seed))
            WHERE t.status = 'missing' AND i.status = 'scored'""").fetchall()]
        if replaced:
            gone = _among(replaced, "trial_id IN (SELECT trial_id FROM replaced_ids)")
            if "replaced_ids" in gone:
                con.execute("CREATE OR REPLACE TEMP TABLE replaced_ids AS SELECT unnest(?::BIGINT[]) AS trial_id",
                            [replaced])
            con.execute(f"CREATE OR REPLACE TEMP TABLE replaced_trials AS SELECT * FROM trials WHERE {gone}")
            con.execute(f"DELETE FROM evaluations WHERE {gone}")
            con.execute(f"DELETE FROM trials WHERE {gone}")
            con.execute(_totals_sql("replaced_trials", -1))
    new_only = f"WHERE NOT EXISTS (SELECT 1 FROM {candidates} t WHERE {same})" if known else ""
    written = con.execute(f"""
        INSERT INTO trials
        SELECT {base} + i.ord, i.run_id, i.generation, i.library_id, i.condition, i.goal, i.split, i.model,
               i.seed, i.trial_key, i.ident, i.injected, i.used, i.over_budget, i.status, i.score, i.executed,
               i.turns, i.stop_reason, i.missing_reason, i.prompt_tokens, i.completion_tokens, i.cost_usd,
               i.wall_s, i.cached, i.created_at, i.phases
        FROM incoming_trials i {new_only}""").fetchall()[0][0]
    inserted = f"WHERE i.ord IN (SELECT trial_id - {base} FROM trials WHERE trial_id >= {base})" if known else ""
    con.execute(f"""
        INSERT INTO evaluations (trial_id, run_id, checks, feedback, transcript,
                                 judge_status, judge_model, judge_scores, judge_mean,
                                 isolation, replay_status, integrity, conversions, turn_details)
        SELECT {base} + i.ord, i.run_id, i.checks, i.feedback, i.transcript,
               i.judge_status, i.judge_model, i.judge_scores, i.judge_mean,
               i.isolation, i.replay_status, i.integrity, i.conversions, i.turn_details
        FROM incoming_trials i {inserted}""")
    if known:
        con.execute(_totals_sql(f"(SELECT * FROM trials WHERE trial_id >= {base})", 1))
        return written
    # Every row went in: their totals are aggregated by Arrow (why: a fraction of a DuckDB GROUP BY's cost), and
    # the totals of keys that have none yet are plainly inserted (why: ON CONFLICT costs several times more).
    totals = _totals(batch)
    if totals is not None:
        old = [with_totals is None or key in with_totals for key in totals["library_key"].to_pylist()]
        for keep, upsert in ((False, ""), (True, _UPSERT)):
            incoming_totals = totals.filter(pa.array([x is keep for x in old], pa.bool_()))
            if incoming_totals.num_rows:
                con.execute(f"INSERT INTO score_totals AS s SELECT * FROM incoming_totals {upsert}")
    return written


def _among(ids: list[int], otherwise: str) -> str:
    """A condition for the rows with these trial ids: a literal list when it is short (why: DuckDB then skips
    the row groups that hold none of them), else `otherwise` (a join costs less than a long list)."""
    if len(ids) > 256:
        return otherwise
    return f"trial_id IN ({', '.join(str(int(i)) for i in ids)})"


def _totals(batch: pa.Table) -> pa.Table | None:
    """What `_totals_sql` adds for the library trials of `batch`, as an Arrow table in score_totals' columns (the
    sums may differ from DuckDB's in the last bit, as DuckDB's own do with the order it adds in)."""
    import pyarrow.compute as pc  # (here: importing it takes a while, and most readers never need it)

    conditions = set(batch["condition"].unique().to_pylist())
    if conditions.isdisjoint(LIBRARY_CONDITIONS):
        return None
    if not conditions.issubset(LIBRARY_CONDITIONS):
        batch = batch.filter(pc.is_in(batch["condition"], pa.array(LIBRARY_CONDITIONS, pa.string())))  # pyright: ignore[reportAttributeAccessIssue]  (pyarrow.compute makes its functions at import)
    library = batch["library_id"]
    # both '' and NULL: one key (pyarrow.compute makes its functions at import: pyright cannot see them)
    if library.null_count and pc.any(pc.equal(library, "")).as_py():  # pyright: ignore[reportAttributeAccessIssue]
        library = library.fill_null("")
    grouped = pa.table({
        "run_id": batch["run_id"], "library_id": library, "split": batch["split"], "score": batch["score"],
        "missing": pc.equal(batch["status"], "missing"),  # pyright: ignore[reportAttributeAccessIssue]  (pyarrow.compute makes its functions at import)
    }).group_by(["run_id", "library_id", "split"], use_threads=False).aggregate(
        [("score", "count"), ("score", "sum"), ("missing", "sum")])
    return pa.table({"run_id": grouped["run_id"], "library_key": grouped["library_id"].fill_null(""),
                     "split": grouped["split"], "n": grouped["score_count"],
                     "total": grouped["score_sum"].fill_null(0.0), "missing": grouped["missing_sum"].cast(pa.int64())})


def _totals_sql(source: str, sign: int) -> str:
    """Add (sign 1) or take away (-1) the library trials of `source` to score_totals (see schema.py)."""
    return f"""
        INSERT INTO score_totals AS s
        SELECT run_id, coalesce(library_id, ''), split, {sign} * count(score), {sign} * coalesce(sum(score), 0),
               {sign} * count(*) FILTER (WHERE status = 'missing')
        FROM {source} WHERE condition IN ({_CONDITIONS}) GROUP BY ALL {_UPSERT}"""
