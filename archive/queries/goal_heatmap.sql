-- Which goals does each library solve? Per goal and library, the mean score on val and test (where scored) over
-- scored library trials, for the seed library, the best library, the `top` libraries by val mean and no skills
-- (library_id NULL); `rank` orders the columns (0 seed, 1 best, 2 the others by val mean, 3 no skills) and
-- `goal_mean` (the goal's mean over every library trial of the run on that split) orders goals by difficulty.
-- @param run = latest: a run id; 'latest' = the most recently started run
-- @param top = 12: how many libraries besides the seed and the best, by val mean
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
val AS (SELECT library_id, mean, n FROM library_scores
        WHERE run_id = (SELECT run_id FROM chosen) AND split = 'val' AND n > 0 AND library_id IS NOT NULL),
picked AS (
    SELECT seed_library AS library_id, 0 AS rank FROM runs WHERE run_id = (SELECT run_id FROM chosen)
    UNION ALL SELECT library_id, 1 FROM best_so_far WHERE run_id = (SELECT run_id FROM chosen)
    UNION ALL SELECT library_id, 2 FROM (SELECT library_id FROM val ORDER BY mean DESC, n DESC, library_id
                                         LIMIT $top::INTEGER)),
columns AS (SELECT library_id, min(rank) AS rank FROM picked WHERE library_id IS NOT NULL GROUP BY library_id),
scored AS (SELECT library_id, goal, split, score FROM library_trials
           WHERE run_id = (SELECT run_id FROM chosen) AND status = 'scored' AND split IN ('val', 'test')),
difficulty AS (SELECT goal, split, avg(score) AS goal_mean FROM scored GROUP BY ALL),
cells AS (SELECT library_id, goal, split, avg(score) AS mean, count(*) AS n FROM scored
          WHERE library_id IS NULL OR library_id IN (SELECT library_id FROM columns) GROUP BY ALL)
SELECT c.library_id, coalesce(k.rank, 3) AS rank, v.mean AS val_mean, c.split, c.goal, c.mean, c.n, d.goal_mean
FROM cells c
LEFT JOIN columns k ON k.library_id = c.library_id
LEFT JOIN val v ON v.library_id = c.library_id
JOIN difficulty d ON d.goal = c.goal AND d.split = c.split
ORDER BY c.split DESC, d.goal_mean, c.goal, rank, v.mean DESC NULLS LAST, c.library_id
