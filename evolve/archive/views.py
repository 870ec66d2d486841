"""The archive's views and macros: the questions every report and the engine ask, defined once in SQL.

Rebuilt by `schema.migrate` with every migration (see its contract). Definitions, precisely:

- Library trials: the trials that speak for a library are those with condition 'population' (an individual
  of the run), 'seed' (the seed-library baseline) or 'none' (the no-skills baseline, library_id NULL). Trials of
  other labelled baselines (e.g. best-of-N, a larger model) were drawn under another protocol and are left out
  of every library score below. Missing trials are counted, never averaged in.
- `library_scores`: per run, library (NULL = no skills) and split: n scored library trials, their mean score,
  and the number of missing ones. It reads the `score_totals` table, which the writer keeps equal to that
  aggregate over `library_trials` (a test checks it), so it costs nothing at a million trials.
- `best_so_far`: per run, ONE row: the run's best library. For a run made by the engine (it has
  `generation-done` events) that is the incumbent named by its latest one (a challenger becomes incumbent only
  after its re-score on fresh seeds held up), so SQL, `evolve export --best` and the run's report agree;
  `chosen_by` = 'incumbent'. Otherwise (an archive filled by other tools) the library (not NULL) with the highest
  mean score over its scored `val` library trials in that run; ties go to more trials, then fewer bytes, then
  the smaller id; `chosen_by` = 'val mean'. `score` and `n` are the library's mean and number of scored val
  library trials. Alongside, over the same run and split: the run's seed library (runs.seed_library) and the
  no-skills condition, each with mean and n (NULL when never scored), and the differences best − seed and
  best − none. A run with no scored val trial of its best library has no row.
- `origins`: the edge that first made each library in each run (the first one recorded: edges.origin).
- `lineage`: for each library of each run, every ancestor reachable through `origins` edges, with `depth`
  (0 = the library itself, 1 = its parents, ...; the shortest path when several lead there) and the operator,
  note, generation, parents and acceptance of the edge that made that ancestor. Cycles end the walk.
  `lineage_of(library, run)` is the same for one library: use it when you need one (it does not walk them all).
- `per_goal_scores`: per run, library (NULL = no skills), student model, goal and split: n scored, mean, min
  and max score, and the missing count, over library trials.
- `library_skills`: one row per (library, skill name, skill sha256).
- `population`: every library with an edge in a run: the generation and operator of its origin, whether any
  edge making it was accepted, its bytes, how many library trials it has in the run, and its val mean and n.
- `pending_seeds`: libraries brought in by `evolve seed` (origin operator 'manual') that have no library trial
  in their run yet: what the engine adds to its next generation. A seed stops being pending once its first
  trial is recorded.
- `turn_outcomes`: per scored trial, what its turns did: `first_ran` / `first_solved` (the first turn after any
  disclosure: its notebook ran / ran and passed every check; a cut or prose turn did neither), `last_ran` /
  `last_solved` (the trial's answer, the notebook it is scored on: since harness 5 the last notebook that ran,
  not always the last one executed; solved: the trial stopped as solved), and counts of turns, cut turns,
  repeated (resampled) turns, repair turns (cells kept from the last notebook) and turns whose feedback carried
  skill passages. A first-turn failure "fixed" by later turns is `NOT first_ran AND last_ran`; "rescued" is
  `NOT first_solved AND last_solved`. Trials recorded before schema v6 have no `solved` per turn: their
  `first_solved` is false.
- `latest_run()`: the id of the most recently started run.
"""
from __future__ import annotations

LIBRARY_CONDITIONS = ("population", "seed", "none")
_CONDITIONS = ", ".join(f"'{c}'" for c in LIBRARY_CONDITIONS)

# USING KEY + `recurring` turn the recursion into a breadth-first walk that visits each (library, ancestor)
# once: no path explosion through crossovers, no endless loop if an operator ever reproduces an ancestor.
# The links are materialised once per query (why: otherwise every step of the recursion re-reads the edges).
_WALK = """
    WITH RECURSIVE links AS MATERIALIZED (SELECT run_id, child, unnest(parents) AS parent FROM edges
                                          WHERE origin {links_filter}),
    walk(run_id, library_id, ancestor_id, depth) USING KEY (run_id, library_id, ancestor_id) AS (
        {anchor}
        UNION
        SELECT w.run_id, w.library_id, p.parent, w.depth + 1
        FROM walk w JOIN links p ON p.run_id = w.run_id AND p.child = w.ancestor_id
        WHERE NOT EXISTS (SELECT 1 FROM recurring.walk r
                          WHERE r.run_id = w.run_id AND r.library_id = w.library_id AND r.ancestor_id = p.parent)
    )
    SELECT w.run_id, w.library_id, w.ancestor_id, w.depth, o.operator, o.note, o.generation, o.parents,
           o.accepted, o.mutator_call
    FROM walk w LEFT JOIN origins o ON o.run_id = w.run_id AND o.child = w.ancestor_id
"""

VIEWS = f"""
CREATE OR REPLACE MACRO latest_run() AS (SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1);

CREATE OR REPLACE VIEW library_skills AS
SELECT library_id, unnest(map_keys(manifest)) AS name, unnest(map_values(manifest)) AS sha256 FROM libraries;

CREATE OR REPLACE VIEW library_trials AS
SELECT * FROM trials WHERE condition IN ({_CONDITIONS});

CREATE OR REPLACE VIEW library_scores AS
SELECT run_id, nullif(library_key, '') AS library_id, split, n, CASE WHEN n > 0 THEN total / n END AS mean, missing
FROM score_totals;

CREATE OR REPLACE VIEW best_so_far AS
WITH val AS (SELECT * FROM library_scores WHERE split = 'val' AND n > 0),
engine AS (  -- the incumbent of each engine run's latest generation
    SELECT run_id, json_extract_string(payload, '$.incumbent') AS library_id FROM events
    WHERE kind = 'generation-done' QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY event_id DESC) = 1),
top AS (SELECT run_id, max(mean) AS mean FROM val WHERE library_id IS NOT NULL
        AND run_id NOT IN (SELECT run_id FROM engine) GROUP BY run_id),
ranked AS (  -- only the libraries tied at the top reach the join and the tie-break (why: 100k libraries)
    SELECT v.run_id, v.library_id,
           row_number() OVER (PARTITION BY v.run_id ORDER BY v.n DESC, l.nbytes, v.library_id) AS rank
    FROM val v JOIN top t ON t.run_id = v.run_id AND t.mean = v.mean
    JOIN libraries l ON l.library_id = v.library_id),
picked AS (SELECT run_id, library_id, 'incumbent' AS chosen_by FROM engine WHERE library_id IS NOT NULL
           UNION ALL SELECT run_id, library_id, 'val mean' FROM ranked WHERE rank = 1)
SELECT p.run_id, p.library_id, r.mean AS score, r.n, r.missing, l.nbytes, l.n_skills,
       runs.seed_library, s.mean AS seed_score, s.n AS seed_n, z.mean AS none_score, z.n AS none_n,
       r.mean - s.mean AS vs_seed, r.mean - z.mean AS vs_none, p.chosen_by
FROM picked p JOIN val r ON r.run_id = p.run_id AND r.library_id = p.library_id
JOIN libraries l ON l.library_id = p.library_id
JOIN runs ON runs.run_id = p.run_id
LEFT JOIN val s ON s.run_id = p.run_id AND s.library_id = runs.seed_library
LEFT JOIN val z ON z.run_id = p.run_id AND z.library_id IS NULL;

CREATE OR REPLACE VIEW origins AS
SELECT * EXCLUDE (origin) FROM edges WHERE origin;

CREATE OR REPLACE VIEW lineage AS
{_WALK.format(anchor="SELECT run_id, child, child, 0 FROM origins", links_filter="")};

CREATE OR REPLACE MACRO lineage_of(lib, run) AS TABLE
{_WALK.format(anchor="SELECT run, lib, lib, 0", links_filter="AND run_id = run")};

CREATE OR REPLACE VIEW per_goal_scores AS
SELECT run_id, library_id, model, goal, split, count(score) AS n, avg(score) AS mean, min(score) AS min,
       max(score) AS max, count(*) FILTER (WHERE status = 'missing') AS missing
FROM library_trials GROUP BY run_id, library_id, model, goal, split;

CREATE OR REPLACE VIEW population AS
WITH made AS (SELECT run_id, child AS library_id, bool_or(accepted) AS accepted FROM edges GROUP BY ALL),
tried AS (SELECT run_id, library_key AS library_id, sum(n + missing) AS trials FROM score_totals GROUP BY ALL)
SELECT o.run_id, o.child AS library_id, o.generation, o.operator, o.parents, o.note, m.accepted,
       l.n_skills, l.nbytes, coalesce(t.trials, 0) AS trials, v.n AS val_n, v.mean AS val_score
FROM origins o
JOIN made m ON m.run_id = o.run_id AND m.library_id = o.child
JOIN libraries l ON l.library_id = o.child
LEFT JOIN tried t ON t.run_id = o.run_id AND t.library_id = o.child
LEFT JOIN library_scores v ON v.run_id = o.run_id AND v.library_id = o.child AND v.split = 'val';

CREATE OR REPLACE VIEW pending_seeds AS
SELECT run_id, library_id, generation, parents, note FROM population WHERE operator = 'manual' AND trials = 0;

CREATE OR REPLACE VIEW turn_outcomes AS
WITH turns AS (
    SELECT t.trial_id, t.run_id, t.generation, t.condition, t.library_id, t.goal, t.split, t.model, t.seed,
           t.executed AS answer_ran, t.stop_reason = 'solved' AS answer_solved,
           unnest(e.transcript) AS turn, unnest(coalesce(e.turn_details, [])) AS detail,
           unnest(range(1, len(e.transcript) + 1)) AS n
    FROM trials t JOIN evaluations e ON e.trial_id = t.trial_id
    WHERE t.status = 'scored'
)
SELECT trial_id, run_id, generation, condition, library_id, goal, split, model, seed,
       count(*) AS turns,
       arg_min(turn.outcome = 'evaluated' AND coalesce(turn.executed, false), n) AS first_ran,
       arg_min(coalesce(detail.solved, false), n) AS first_solved,
       any_value(answer_ran) AS last_ran,
       any_value(answer_solved) AS last_solved,
       count(*) FILTER (WHERE turn.outcome = 'cut') AS cut_turns,
       count(*) FILTER (WHERE turn.outcome = 'repeated') AS repeated_turns,
       count(*) FILTER (WHERE detail.kept_cells > 0) AS repair_turns,
       count(*) FILTER (WHERE len(detail.hints) > 0) AS hinted_turns
FROM turns
WHERE turn.outcome <> 'disclosure'
GROUP BY ALL;
"""
