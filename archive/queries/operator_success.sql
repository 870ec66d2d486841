-- Which operators work? Per run and operator: children proposed (edges), kept by the gate (accepted), the
-- keep rate, and the mean change in val score of a child against the mean val score of its parents (over
-- children whose val score and parents' val scores exist). Root edges ('seed') have no parents and no delta.
-- @param run = all: a run id, or all for every run
WITH val AS (SELECT run_id, library_id, mean FROM library_scores WHERE split = 'val' AND n > 0),
links AS (SELECT run_id, edge_id, child, unnest(parents) AS parent FROM edges),  -- (an equi-join: fast at 10^4)
deltas AS (
    SELECT e.run_id, e.edge_id, c.mean - avg(p.mean) AS delta
    FROM links e
    JOIN val c ON c.run_id = e.run_id AND c.library_id = e.child
    JOIN val p ON p.run_id = e.run_id AND p.library_id = e.parent
    GROUP BY e.run_id, e.edge_id, c.mean)
SELECT e.run_id, e.operator, count(*) AS proposed,
       count(*) FILTER (WHERE e.accepted) AS kept,
       count(*) FILTER (WHERE e.accepted IS NULL) AS undecided,
       round(count(*) FILTER (WHERE e.accepted) / count(*), 4) AS keep_rate,
       round(avg(d.delta), 4) AS mean_val_delta, count(d.delta) AS n_delta
FROM edges e LEFT JOIN deltas d ON d.run_id = e.run_id AND d.edge_id = e.edge_id
WHERE $run::VARCHAR = 'all' OR e.run_id = $run::VARCHAR
GROUP BY e.run_id, e.operator
ORDER BY e.run_id, keep_rate DESC, e.operator
