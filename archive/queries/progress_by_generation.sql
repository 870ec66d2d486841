-- How did the run's libraries score, generation by generation, against the baselines? One row per `kind`:
-- 'library' (val: each library's mean over its scored library trials with a 95% normal interval, at the
-- generation that made it; test: a library's mean test score at each generation it was tested), 'best' (val: the
-- engine's incumbent mean at the end of each generation) and 'baseline' (per split, over the whole run: the seed
-- library, no skills, and best-of-N = the mean over goals of the best sample per goal).
-- @param run = latest: a run id; 'latest' = the most recently started run
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
scored AS (SELECT * FROM trials WHERE run_id = (SELECT run_id FROM chosen) AND status = 'scored'
           AND split IN ('val', 'test')),
made AS (SELECT child AS library_id, min(generation) AS generation FROM origins
         WHERE run_id = (SELECT run_id FROM chosen) GROUP BY child),
seed AS (SELECT seed_library AS library_id FROM runs WHERE run_id = (SELECT run_id FROM chosen)),
val AS (
    SELECT t.library_id, coalesce(any_value(m.generation), min(t.generation)) AS generation, avg(t.score) AS mean,
           stddev_samp(t.score) AS sd, count(*) AS n
    FROM scored t LEFT JOIN made m ON m.library_id = t.library_id
    WHERE t.split = 'val' AND t.condition IN ('population', 'seed') AND t.library_id IS NOT NULL
    GROUP BY t.library_id),
best_of AS (  -- best-of-N: the best sample per goal, then the mean over goals
    SELECT split, avg(best) AS mean, sum(samples) AS n
    FROM (SELECT split, goal, max(score) AS best, count(*) AS samples FROM scored WHERE condition = 'best-of-n'
          GROUP BY split, goal)
    GROUP BY split)
SELECT 'library' AS kind, 'val' AS split, generation,
       CASE WHEN library_id = (SELECT library_id FROM seed) THEN 'seed library' ELSE 'library' END AS label,
       library_id, mean, CASE WHEN n > 1 THEN greatest(0, mean - 1.96 * sd / sqrt(n)) END AS lo,
       CASE WHEN n > 1 THEN least(1, mean + 1.96 * sd / sqrt(n)) END AS hi, n
FROM val
UNION ALL
SELECT 'library', 'test', generation, 'library', library_id, avg(score), NULL, NULL, count(*)
FROM scored WHERE split = 'test' AND condition = 'population' GROUP BY ALL
UNION ALL
SELECT 'best', 'val', json_extract(payload, '$.generation')::INTEGER, 'incumbent',
       json_extract_string(payload, '$.incumbent'), json_extract(payload, '$.best_val')::DOUBLE, NULL, NULL,
       json_extract(payload, '$.best_n')::INTEGER
FROM events WHERE run_id = (SELECT run_id FROM chosen) AND kind = 'generation-done'
UNION ALL
SELECT 'baseline', split, NULL, 'seed library', any_value(library_id), avg(score), NULL, NULL, count(*)
FROM scored WHERE library_id = (SELECT library_id FROM seed) AND condition IN ('population', 'seed')
GROUP BY split
UNION ALL
SELECT 'baseline', split, NULL, 'no skills', NULL, avg(score), NULL, NULL, count(*)
FROM scored WHERE condition = 'none' GROUP BY split
UNION ALL
SELECT 'baseline', split, NULL, 'best-of-N', NULL, mean, NULL, NULL, n FROM best_of
ORDER BY kind, split DESC, generation NULLS FIRST, label, library_id
