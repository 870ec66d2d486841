"""Reads over an archive connection, shared by the writer (the engine) and read-only views (`evolve sql`, export).

Contract: every method only reads; each works on a writable connection, a read-only one or a snapshot.
Libraries come back as `Library` values rebuilt from the stored skill texts with `evolve.skills.parse` and their
bundled files, so what the engine gets back is exactly what it stored (same skill hashes, same library id).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import duckdb

from .. import skills as skill_io
from ..library import Library
from ..skills import Skill
from .errors import ArchiveError


class Reads:
    """Mixin: needs `self._con` (a DuckDB connection), `self.path` and `self._lock` (an RLock)."""

    _con: duckdb.DuckDBPyConnection
    path: Path
    _lock: threading.RLock

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying connection, for ad-hoc SQL (hold no cursor across a writer's transaction)."""
        return self._con

    def rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """Run one query; rows as dicts (column name -> value)."""
        with self._lock:
            result = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=False)) for row in result.fetchall()]

    def runs(self) -> list[dict[str, Any]]:
        return self.rows("SELECT run_id, started_at, seed_library, note FROM runs ORDER BY started_at, run_id")

    def integrity_totals(self, run_id: str) -> dict[str, Any]:
        """How a run's scored trials fared with the integrity machinery: `flagged` (caught forging), `by_replay`
        (replay status -> trials; NULL status as 'not-run'), and `isolation` (each distinct feature set -> trials)."""
        flagged = self.rows("SELECT count(*) AS n FROM evaluations WHERE run_id = ? AND integrity IS NOT NULL",
                            [run_id])[0]["n"]
        by_replay = {r["status"]: r["n"] for r in self.rows(
            "SELECT coalesce(replay_status, 'not-run') AS status, count(*) AS n FROM evaluations WHERE run_id = ? "
            "GROUP BY ALL ORDER BY 1", [run_id])}
        isolation = {tuple(r["features"] or ()): r["n"] for r in self.rows(
            "SELECT isolation AS features, count(*) AS n FROM evaluations WHERE run_id = ? GROUP BY ALL ORDER BY 2 DESC",
            [run_id])}
        return {"flagged": flagged, "by_replay": by_replay, "isolation": isolation}

    def turn_totals(self, run_id: str) -> dict[str, int]:
        """Over a run's scored trials (view `turn_outcomes`): `trials`, `first_failed` (first notebook did not run),
        `fixed` (of those, the last one ran), `first_unsolved`, `rescued` (of those, the last one solved)."""
        return self.rows(
            "SELECT count(*) AS trials, count(*) FILTER (WHERE NOT first_ran) AS first_failed, "
            "count(*) FILTER (WHERE NOT first_ran AND last_ran) AS fixed, "
            "count(*) FILTER (WHERE NOT first_solved) AS first_unsolved, "
            "count(*) FILTER (WHERE NOT first_solved AND last_solved) AS rescued "
            "FROM turn_outcomes WHERE run_id = ?", [run_id])[0]

    def judge_totals(self, run_id: str) -> list[dict[str, Any]]:
        """Per condition, the LLM judge over a run's scored trials: trials judged, trials it failed on (missing),
        and the mean rubric score (1-5) beside the mean objective score of the same trials. Empty: no judge."""
        return self.rows(
            "SELECT t.condition, count(*) FILTER (WHERE e.judge_status = 'judged') AS judged, "
            "count(*) FILTER (WHERE e.judge_status = 'missing') AS missing, avg(e.judge_mean) AS rubric, "
            "avg(t.score) FILTER (WHERE e.judge_status = 'judged') AS score "
            "FROM trials t JOIN evaluations e USING (trial_id) WHERE t.run_id = ? AND t.status = 'scored' "
            "AND e.judge_status IS NOT NULL GROUP BY ALL ORDER BY 1", [run_id])

    def run_config(self, run_id: str) -> dict:
        """The configuration a run goes by: the latest accepted `config-changed` event's, else the one it started
        with (`{}` when none was kept)."""
        changed = self.rows("SELECT payload FROM events WHERE run_id = ? AND kind = 'config-changed' "
                            "ORDER BY event_id DESC LIMIT 1", [run_id])
        if changed:
            return json.loads(changed[0]["payload"]).get("config") or {}
        found = self.rows("SELECT config FROM runs WHERE run_id = ?", [run_id])
        return json.loads(found[0]["config"]) if found and found[0]["config"] else {}

    def race_totals(self, run_id: str) -> list[dict[str, Any]]:
        """Per stage (minibatch, incumbency), the run's racing decisions (`race` events): how many, how they
        ended, how many hit the cap undecided, and the mean pairs they took."""
        return self.rows(
            "SELECT payload->>'$.stage' AS stage, count(*) AS decisions, "
            "count(*) FILTER (WHERE payload->>'$.verdict' = 'better') AS better, "
            "count(*) FILTER (WHERE payload->>'$.verdict' = 'not better') AS not_better, "
            "count(*) FILTER (WHERE (payload->>'$.at_cap')::BOOLEAN) AS at_cap, "
            "avg((payload->>'$.pairs')::DOUBLE) AS mean_pairs "
            "FROM events WHERE run_id = ? AND kind = 'race' GROUP BY ALL ORDER BY 1", [run_id])

    def has_event(self, run_id: str, kind: str) -> bool:
        return bool(self.rows("SELECT 1 FROM events WHERE run_id = ? AND kind = ? LIMIT 1", [run_id, kind]))

    def call_uids(self, run_id: str) -> set[str]:
        """The uids of the model calls recorded for a run (evolve.engine.call_journal reconciles against them)."""
        return {r["uid"] for r in self.rows("SELECT uid FROM llm_calls WHERE run_id = ? AND uid IS NOT NULL",
                                            [run_id])}

    def spent(self, run_id: str) -> dict[str, dict[str, float]]:
        """Per role, what a run's recorded calls spent: calls, prompt and completion tokens, cost in US dollars
        (unknown costs count as 0). What a resumed run's budgets start from."""
        return {r["role"]: {"calls": r["calls"], "prompt_tokens": r["prompt"], "completion_tokens": r["completion"],
                            "cost_usd": r["cost"]}
                for r in self.rows("SELECT role, count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS prompt, "
                                   "coalesce(sum(completion_tokens), 0) AS completion, "
                                   "coalesce(sum(cost_usd), 0.0) AS cost FROM llm_calls WHERE run_id = ? "
                                   "GROUP BY role", [run_id])}

    def latest_run(self) -> str | None:
        found = self.rows("SELECT latest_run() AS run_id")
        return found[0]["run_id"] if found else None

    def has_run(self, run_id: str) -> bool:
        return bool(self.rows("SELECT 1 FROM runs WHERE run_id = ?", [run_id]))

    def resolve_run(self, run_id: str | None = None) -> str:
        """The run a command means: `run_id` (an id or a unique prefix of one), or the latest when None.
        ArchiveError (naming the file and the way on) when the archive has no run yet, none with that id, or
        several with that prefix, so every command says it the same way."""
        latest = self.latest_run()
        if latest is None:
            raise ArchiveError(self.path, "has no run yet.", "Start one with: evolve run")
        if run_id is None or self.has_run(run_id):
            return run_id or latest
        found = [r["run_id"] for r in self.rows("SELECT run_id FROM runs WHERE starts_with(run_id, ?) "
                                                "ORDER BY run_id LIMIT 5", [run_id])]
        if len(found) == 1:
            return found[0]
        if found:
            raise ArchiveError(self.path, f"has several runs starting with '{run_id}': {', '.join(found)}.",
                               "Give more of the run id.")
        raise ArchiveError(self.path, f"has no run '{run_id}'.",
                           "List the runs with: evolve sql \"SELECT * FROM runs\"")

    # -- what the engine and its report ask of a run ---------------------------------------------------------

    def seed_library(self, run_id: str) -> str:
        """The id of the library the run started from."""
        return self.rows("SELECT seed_library FROM runs WHERE run_id = ?", [run_id])[0]["seed_library"]

    def trials_spent(self, run_id: str) -> int:
        """Trials the run actually ran (cache hits cost nothing): what its trial budget counts."""
        return self.rows("SELECT count(*) AS n FROM trials WHERE run_id = ? AND NOT cached", [run_id])[0]["n"]

    def last_event(self, run_id: str, kind: str) -> dict[str, Any] | None:
        """The payload of the run's latest event of `kind` (None: no such event)."""
        found = self.rows("SELECT payload FROM events WHERE run_id = ? AND kind = ? ORDER BY event_id DESC LIMIT 1",
                          [run_id, kind])
        return json.loads(found[0]["payload"]) if found else None

    def proposals(self, run_id: str, generation: int) -> list[dict[str, Any]]:
        """The children operators proposed in a generation, in the order they were made: child, parents (ids) and
        accepted (None: not decided yet). Seeds and hand-made (`manual`) libraries are not proposals."""
        return self.rows("SELECT child, parents, accepted FROM origins WHERE run_id = ? AND generation = ? "
                         "AND operator NOT IN ('seed', 'manual') ORDER BY edge_id", [run_id, generation])

    def declined(self, run_id: str, generation: int) -> int:
        """How many proposals of a generation the operators declined (`declined` events): each used its slot."""
        return self.rows("SELECT count(*) AS n FROM events WHERE run_id = ? AND kind = 'declined' "
                         "AND json_extract(payload, '$.generation')::INT = ?", [run_id, generation])[0]["n"]

    def trial_totals(self, run_id: str) -> dict[str, Any]:
        """Over all the run's trials: `trials`, `fresh` (not from the cache), `missing`, `wall_s` (summed)."""
        return self.rows("SELECT count(*) AS trials, count(*) FILTER (WHERE NOT cached) AS fresh, "
                         "count(*) FILTER (WHERE status = 'missing') AS missing, coalesce(sum(wall_s), 0) AS wall_s "
                         "FROM trials WHERE run_id = ?", [run_id])[0]

    def proposal_totals(self, run_id: str) -> dict[str, int]:
        """Children `proposed` in the run (every edge but the seed's) and how many were `accepted`."""
        return self.rows("SELECT count(*) AS proposed, count(*) FILTER (WHERE accepted) AS accepted FROM origins "
                         "WHERE run_id = ? AND operator NOT IN ('seed')", [run_id])[0]

    def calls_by_role(self, run_id: str) -> list[dict[str, Any]]:
        """Per model role, in role order: calls, prompt and completion tokens, latency (s) and cost (unknown: 0)."""
        return self.rows("SELECT role, count(*) AS calls, sum(prompt_tokens) AS prompt, "
                         "sum(completion_tokens) AS completion, sum(latency_s) AS latency, "
                         "sum(coalesce(cost_usd, 0)) AS cost FROM llm_calls WHERE run_id = ? GROUP BY role "
                         "ORDER BY role", [run_id])

    def trial_outcomes(self, run_id: str) -> list[dict[str, Any]]:
        """Every trial of the run with what selection and the mutator need of its evaluation: library_id, goal,
        split, seed, condition, status, score, executed, injected, checks, feedback and `code` (the last reply)."""
        return self.rows(
            """SELECT t.library_id, t.goal, t.split, t.seed, t.condition, t.status, t.score, t.executed,
                      t.injected, e.checks, e.feedback,
                      CASE WHEN len(e.transcript) > 0 THEN e.transcript[-1].reply ELSE '' END AS code
               FROM trials t LEFT JOIN evaluations e USING (trial_id) WHERE t.run_id = ?""", [run_id])

    def condition_trials(self, conditions: tuple[str, ...] = ("seed", "none")) -> list[dict[str, Any]]:
        """Every scored trial of the given conditions in every run, for the difficulty ladder (evolve.ladder):
        goal, split, condition, model, run_id, trial_key, score, executed and `solved` (it ran and every
        check passed). Missing trials are left out: they measured nothing."""
        return self.rows(
            """SELECT t.goal, t.split, t.condition, t.model, t.run_id, t.trial_key, t.score, t.executed,
                      t.executed AND len(e.checks) > 0
                        AND NOT list_contains(list_transform(e.checks, lambda c: c.passed), false) AS solved
               FROM trials t LEFT JOIN evaluations e USING (trial_id)
               WHERE t.status = 'scored' AND list_contains(?, t.condition)
               ORDER BY t.goal, t.condition, t.trial_key""", [list(conditions)])

    def library(self, library_id: str) -> Library:
        """The stored library `library_id` (a full id or a unique prefix of at least 6 characters)."""
        library_id = self.resolve_library(library_id)
        found = self.rows("SELECT s.name, s.sha256, k.text FROM library_skills s JOIN skills k USING (sha256) "
                          "WHERE s.library_id = ?", [library_id])
        skills = []
        for row in found:
            skill, problems = skill_io.parse(row["text"], Path(f"archive:{row['sha256'][:12]}"),
                                             folder_name=row["name"], max_bytes=1 << 30)
            if skill is None:
                raise ArchiveError(self.path, f"skill {row['name']} ({row['sha256'][:12]}) of library "
                                   f"{library_id[:12]} no longer parses: {problems[0].message if problems else ''}",
                                   "The archive was written by an incompatible evolve.")
            skills.append(self._with_files(skill, row["sha256"]))
        return Library.of(skills)

    def _with_files(self, skill: Skill, sha: str) -> Skill:
        """The stored skill `sha` with its bundled files; ArchiveError when they do not rebuild it exactly."""
        if skill.sha256 == sha:  # a SKILL.md-only skill (every skill of an archive before schema version 8)
            return skill
        found = self.rows("SELECT l.path, f.content FROM skill_files l JOIN files f USING (sha256) "
                          "WHERE l.skill = ? ORDER BY l.path", [sha])
        rebuilt = skill.with_files({r["path"]: bytes(r["content"]) for r in found})
        if rebuilt.sha256 != sha:
            raise ArchiveError(self.path, f"skill {skill.name} ({sha[:12]}) does not rebuild from its stored text and "
                                          f"{len(found)} bundled file(s) (it hashes to {rebuilt.sha256[:12]}).",
                               "The archive is damaged or was written by an incompatible evolve.")
        return rebuilt

    def resolve_library(self, prefix: str) -> str:
        """A full library id from an id or a unique prefix; ArchiveError naming the choices otherwise."""
        prefix = prefix.strip().lower()
        if len(prefix) < 6:
            raise ArchiveError(self.path, f"library id '{prefix}' is too short.", "Give at least 6 characters.")
        found = [r["library_id"] for r in self.rows(
            "SELECT library_id FROM libraries WHERE starts_with(library_id, ?) ORDER BY 1 LIMIT 5", [prefix])]
        if len(found) == 1:
            return found[0]
        if not found:
            raise ArchiveError(self.path, f"has no library {prefix}.",
                               "List libraries with: evolve sql \"SELECT * FROM population\"")
        raise ArchiveError(self.path, f"library prefix {prefix} matches several: {', '.join(f[:16] for f in found)}.",
                           "Give more characters.")

    def libraries_of_run(self, run_id: str) -> list[str]:
        """Every library with an edge in the run, in the order they were made."""
        return [r["library_id"] for r in self.rows(
            "SELECT library_id FROM population WHERE run_id = ? ORDER BY generation, library_id", [run_id])]

    def best(self, run_id: str) -> dict[str, Any] | None:
        """The run's `best_so_far` row (see views.py for the exact definition), or None."""
        found = self.rows("SELECT * FROM best_so_far WHERE run_id = ?", [run_id])
        return found[0] if found else None

    def scores(self, run_id: str, library_id: str | None, split: str = "val") -> dict[str, Any]:
        """n, mean and missing of one library (None = no skills) on one split in a run (n = 0 when none)."""
        found = self.rows("SELECT n, mean, missing FROM library_scores WHERE run_id = ? AND split = ? "
                          "AND library_id IS NOT DISTINCT FROM ?", [run_id, split, library_id])
        return found[0] if found else {"n": 0, "mean": None, "missing": 0}

    def lineage(self, library_id: str, run_id: str) -> list[dict[str, Any]]:
        """The library's ancestors in the run (depth 0 = itself), nearest first."""
        return self.rows("SELECT * FROM lineage_of(?, ?) ORDER BY depth, generation, ancestor_id",
                         [library_id, run_id])

    def trial_identities(self, run_id: str, status: str | None = "scored") -> set[tuple[str | None, str]]:
        """(library_id, trial_key) of the run's trials (by default only scored ones): what resume skips."""
        sql = "SELECT library_id, trial_key FROM trials WHERE run_id = ?"
        params: list[Any] = [run_id]
        if status is not None:
            sql, params = sql + " AND status = ?", params + [status]
        with self._lock:
            return set(self._con.execute(sql, params).fetchall())

    def last_generation(self, run_id: str) -> int | None:
        """The highest generation with a trial or an edge in the run (None: nothing recorded yet)."""
        return self.rows("SELECT max(g) AS g FROM (SELECT max(generation) AS g FROM trials WHERE run_id = $r "
                         "UNION ALL SELECT max(generation) FROM edges WHERE run_id = $r)", {"r": run_id})[0]["g"]
