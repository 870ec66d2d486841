"""How a batch of trial rows gets into the archive: duplicates skipped, missing rows superseded, totals kept.

Contract (inside the writer's transaction, with the batch registered as the Arrow table `incoming_trials`, its
rows numbered by `ord` from 0): `insert_trials(con, base)` inserts every row whose identity (run, library, trial
key) is new as trial `base + ord` with its evaluation, first deleting any `missing` row that a `scored` row
replaces (same identity, or the key-less missing row of the same run, library, goal, model and seed), and
keeps `score_totals` equal to the aggregate of library trials. Returns the number of trial rows written.
"""
from __future__ import annotations

import duckdb

from .views import LIBRARY_CONDITIONS

_CONDITIONS = ", ".join(f"'{c}'" for c in LIBRARY_CONDITIONS)


def insert_trials(con: duckdb.DuckDBPyConnection, base: int) -> int:
    """See the module contract."""
    same = ("t.run_id = i.run_id AND t.trial_key = i.trial_key "
            "AND t.library_id IS NOT DISTINCT FROM i.library_id")
    # Why `ident` first: one BIGINT column answers "anything known?" without reading a million keys.
    known = con.execute("SELECT count(*) FROM trials WHERE ident IN (SELECT ident FROM incoming_trials UNION ALL "
                        "SELECT supersedes FROM incoming_trials WHERE supersedes IS NOT NULL)").fetchall()[0][0]
    if known:
        # A scored result supersedes a missing row of the same identity, or the key-less missing row of the
        # same cell (rows.fallback_key), and that row's evaluation goes with it.
        replaced = f"""SELECT t.trial_id FROM trials t JOIN incoming_trials i
                       ON t.run_id = i.run_id AND t.library_id IS NOT DISTINCT FROM i.library_id
                       AND (t.trial_key = i.trial_key
                            OR t.trial_key = concat_ws(':', 'missing', i.goal, i.model, i.seed))
                       WHERE t.status = 'missing' AND i.status = 'scored'"""
        con.execute(f"CREATE OR REPLACE TEMP TABLE replaced_trials AS SELECT * FROM trials "
                    f"WHERE trial_id IN ({replaced})")
        con.execute("DELETE FROM evaluations WHERE trial_id IN (SELECT trial_id FROM replaced_trials)")
        con.execute("DELETE FROM trials WHERE trial_id IN (SELECT trial_id FROM replaced_trials)")
        add_totals(con, "replaced_trials", -1)
    fresh = f"WHERE NOT EXISTS (SELECT 1 FROM trials t WHERE {same})" if known else ""
    written = con.execute(f"""
        INSERT INTO trials
        SELECT {base} + i.ord, i.run_id, i.generation, i.library_id, i.condition, i.goal, i.split, i.model,
               i.seed, i.trial_key, i.ident, i.injected, i.used, i.over_budget, i.status, i.score, i.executed,
               len(i.transcript), i.stop_reason, i.missing_reason,
               coalesce(list_sum([t.prompt_tokens FOR t IN i.transcript]), 0),
               coalesce(list_sum([t.completion_tokens FOR t IN i.transcript]), 0),
               i.cost_usd, i.wall_s, i.cached, i.created_at
        FROM incoming_trials i {fresh}""").fetchall()[0][0]
    inserted = f"WHERE i.ord IN (SELECT trial_id - {base} FROM trials WHERE trial_id >= {base})" if known else ""
    con.execute(f"""
        INSERT INTO evaluations (trial_id, run_id, checks, feedback, transcript,
                                 judge_status, judge_model, judge_scores, judge_mean)
        SELECT {base} + i.ord, i.run_id, i.checks, i.feedback, i.transcript,
               i.judge_status, i.judge_model, i.judge_scores, i.judge_mean
        FROM incoming_trials i {inserted}""")
    add_totals(con, f"(SELECT * FROM trials WHERE trial_id >= {base})" if known else "incoming_trials", 1)
    return written


def add_totals(con: duckdb.DuckDBPyConnection, source: str, sign: int) -> None:
    """Add (sign 1) or take away (-1) the library trials of `source` to score_totals (see schema.py)."""
    con.execute(f"""
        INSERT INTO score_totals AS s
        SELECT run_id, coalesce(library_id, ''), split, {sign} * count(score), {sign} * coalesce(sum(score), 0),
               {sign} * count(*) FILTER (WHERE status = 'missing')
        FROM {source} WHERE condition IN ({_CONDITIONS}) GROUP BY ALL
        ON CONFLICT (run_id, library_key, split) DO UPDATE SET
            n = s.n + EXCLUDED.n, total = s.total + EXCLUDED.total, missing = s.missing + EXCLUDED.missing""")
