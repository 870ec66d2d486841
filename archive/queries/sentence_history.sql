-- When did a sentence first appear in a skill, and what did the libraries carrying it score afterwards?
-- Per run and generation from its first appearance on: the mean val score (scored trials) of the libraries
-- that carry the sentence against those that do not; the first row names the library and operator that
-- introduced it. Matching is case-insensitive on the exact text.
-- @param sentence: the text to look for
WITH carriers AS (
    SELECT DISTINCT s.library_id, s.name AS skill
    FROM library_skills s JOIN skills k ON k.sha256 = s.sha256
    WHERE contains(lower(k.text), lower($sentence))),
first_seen AS (
    SELECT o.run_id, min(o.generation) AS generation,
           arg_min(o.child, (o.generation, o.edge_id)) AS library_id,
           arg_min(o.operator, (o.generation, o.edge_id)) AS operator,
           arg_min(o.note, (o.generation, o.edge_id)) AS note
    FROM origins o WHERE o.child IN (SELECT library_id FROM carriers) GROUP BY o.run_id),
val AS (
    SELECT t.run_id, t.generation, t.library_id, t.score,
           t.library_id IN (SELECT library_id FROM carriers) AS carries
    FROM library_trials t JOIN first_seen f ON f.run_id = t.run_id AND t.generation >= f.generation
    WHERE t.split = 'val' AND t.status = 'scored' AND t.library_id IS NOT NULL)
SELECT v.run_id, v.generation,
       count(DISTINCT v.library_id) FILTER (WHERE v.carries) AS libraries_with,
       round(avg(v.score) FILTER (WHERE v.carries), 4) AS mean_with,
       count(v.score) FILTER (WHERE v.carries) AS n_with,
       count(DISTINCT v.library_id) FILTER (WHERE NOT v.carries) AS libraries_without,
       round(avg(v.score) FILTER (WHERE NOT v.carries), 4) AS mean_without,
       count(v.score) FILTER (WHERE NOT v.carries) AS n_without,
       CASE WHEN v.generation = f.generation
            THEN left(f.library_id, 12) || ' (' || f.operator || '): ' || f.note END AS introduced_by,
       (SELECT string_agg(DISTINCT c.skill, ', ') FROM carriers c) AS in_skills
FROM val v JOIN first_seen f ON f.run_id = v.run_id
GROUP BY v.run_id, v.generation, f.generation, f.library_id, f.operator, f.note
ORDER BY v.run_id, v.generation
