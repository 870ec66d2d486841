-- Does the evolution overfit its training goals? Per run and generation: the mean score (scored library
-- trials) on train, val and test, the trial counts, and the gaps train − val and val − test.
-- @param run = all: a run id, or all for every run
SELECT run_id, generation,
       round(avg(score) FILTER (WHERE split = 'train'), 4) AS train,
       round(avg(score) FILTER (WHERE split = 'val'), 4) AS val,
       round(avg(score) FILTER (WHERE split = 'test'), 4) AS test,
       count(score) FILTER (WHERE split = 'train') AS n_train,
       count(score) FILTER (WHERE split = 'val') AS n_val,
       count(score) FILTER (WHERE split = 'test') AS n_test,
       round(avg(score) FILTER (WHERE split = 'train') - avg(score) FILTER (WHERE split = 'val'), 4) AS train_val_gap,
       round(avg(score) FILTER (WHERE split = 'val') - avg(score) FILTER (WHERE split = 'test'), 4) AS val_test_gap
FROM library_trials
WHERE status = 'scored' AND library_id IS NOT NULL AND ($run::VARCHAR = 'all' OR run_id = $run::VARCHAR)
GROUP BY run_id, generation
ORDER BY run_id, generation
