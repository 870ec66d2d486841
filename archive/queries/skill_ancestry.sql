-- Where did a skill come from? For one skill of a library, every ancestor library back to the seed (nearest
-- first): the operator and note that made it, and what happened to this skill at that step
-- (added, changed, unchanged, removed, absent).
-- @param skill: the skill's name
-- @param library = best: a library id (or a unique prefix); 'best' = the best library of the run
-- @param run = latest: a run id; 'latest' = the most recently started run
WITH chosen_run AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
target AS (
    SELECT CASE WHEN $library = 'best'
                THEN (SELECT library_id FROM best_so_far WHERE run_id = (SELECT run_id FROM chosen_run))
                ELSE (SELECT min(library_id) FROM libraries WHERE starts_with(library_id, lower($library))) END AS id),
walk AS (SELECT * FROM lineage_of((SELECT id FROM target), (SELECT run_id FROM chosen_run))),
versions AS (
    SELECT w.depth, w.generation, w.ancestor_id, w.operator, w.note, w.parents,
           l.manifest[$skill] AS sha256,
           (SELECT p.manifest[$skill] FROM libraries p WHERE p.library_id = w.parents[1]) AS parent_sha256
    FROM walk w JOIN libraries l ON l.library_id = w.ancestor_id)
SELECT depth, generation, ancestor_id AS library_id, operator,
       CASE WHEN sha256 IS NULL AND parent_sha256 IS NULL THEN 'absent'
            WHEN sha256 IS NULL THEN 'removed'
            WHEN len(parents) = 0 OR parent_sha256 IS NULL THEN 'added'
            WHEN sha256 <> parent_sha256 THEN 'changed'
            ELSE 'unchanged' END AS skill_change,
       left(sha256, 12) AS skill_sha256, note
FROM versions
ORDER BY depth, generation, library_id
