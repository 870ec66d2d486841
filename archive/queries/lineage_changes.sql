-- What did each step of a run's lineage change in the skills? Per library made from parents in the run: each
-- skill that differs from its first parent (added, removed or changed) with the parent's and the child's text.
-- @param run = latest: a run id; 'latest' = the most recently started run
-- @param libraries = all: comma-separated library ids, or all
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
made AS (SELECT child, parents[1] AS parent FROM origins
         WHERE run_id = (SELECT run_id FROM chosen) AND len(parents) > 0
           AND ($libraries = 'all' OR list_contains(string_split($libraries, ','), child))),
kids AS (SELECT m.child, m.parent, s.name, s.sha256 FROM made m JOIN library_skills s ON s.library_id = m.child),
dads AS (SELECT m.child, m.parent, s.name, s.sha256 FROM made m JOIN library_skills s ON s.library_id = m.parent)
SELECT coalesce(k.child, d.child) AS library_id, coalesce(k.parent, d.parent) AS parent,
       coalesce(k.name, d.name) AS skill,
       CASE WHEN d.sha256 IS NULL THEN 'added' WHEN k.sha256 IS NULL THEN 'removed' ELSE 'changed' END AS change,
       pt.text AS parent_text, ct.text AS child_text
FROM kids k FULL JOIN dads d ON d.child = k.child AND d.name = k.name
LEFT JOIN skills pt ON pt.sha256 = d.sha256
LEFT JOIN skills ct ON ct.sha256 = k.sha256
WHERE k.sha256 IS DISTINCT FROM d.sha256
ORDER BY library_id, skill
