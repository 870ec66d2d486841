-- How did val scores move as the run spent trials? Every val trial of one run in the order it was recorded:
-- its number in that order, generation, condition (population, seed, none, best-of-n, ...), library, goal,
-- seed and score (NULL when missing). The report plots it with the best library mean so far.
-- @param run = latest: a run id; 'latest' = the most recently started run
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id)
SELECT row_number() OVER (ORDER BY trial_id) AS trial, generation, condition, library_id, goal, seed, score
FROM trials
WHERE run_id = (SELECT run_id FROM chosen) AND split = 'val'
ORDER BY trial_id
