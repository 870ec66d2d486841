-- Where does a trial's time go? Per run and student model, over trials that ran here (not from the cache): the
-- number of trials, their mean wall time, and the mean seconds of each phase (evolve.phases: queue, model
-- waiting, prompt reading, generation, kernel start, imports, execution, checks, replay; NULL when never
-- measured), with generation's and execution's shares of the wall time.
-- @param run = all: a run id, or all for every run
SELECT run_id, model, count(*) AS trials, round(avg(wall_s), 1) AS wall_s,
       round(avg(phases.queue_s), 2) AS queue_s, round(avg(phases.model_wait_s), 2) AS model_wait_s,
       round(avg(phases.prompt_s), 2) AS prompt_s, round(avg(phases.generation_s), 2) AS generation_s,
       round(avg(phases.kernel_start_s), 2) AS kernel_start_s, round(avg(phases.imports_s), 2) AS imports_s,
       round(avg(phases.execution_s), 2) AS execution_s, round(avg(phases.checks_s), 2) AS checks_s,
       round(avg(phases.replay_s), 2) AS replay_s,
       round(sum(phases.generation_s) / nullif(sum(wall_s), 0), 3) AS generation_share,
       round(sum(phases.execution_s) / nullif(sum(wall_s), 0), 3) AS execution_share
FROM trials
WHERE NOT cached AND phases IS NOT NULL AND ($run::VARCHAR = 'all' OR run_id = $run::VARCHAR)
GROUP BY ALL
ORDER BY run_id, model
