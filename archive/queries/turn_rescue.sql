-- Do later turns rescue trials? Per condition and student model: trials, how many first notebooks failed to
-- run and how many of those ran by the last turn (fixed), how many first turns did not solve the goal and how
-- many of those were solved by the last turn (rescued), with both rates; and how often turns were cut,
-- resampled after a repeat, repaired cell-wise or given skill passages. Add `--param run=ID` for one run.
-- @param run = all: a run id, or all for every run
SELECT condition, model, count(*) AS trials,
       count(*) FILTER (WHERE NOT first_ran) AS first_failed,
       count(*) FILTER (WHERE NOT first_ran AND last_ran) AS fixed,
       round(count(*) FILTER (WHERE NOT first_ran AND last_ran) / nullif(count(*) FILTER (WHERE NOT first_ran), 0), 3)
           AS fixed_rate,
       count(*) FILTER (WHERE NOT first_solved) AS first_unsolved,
       count(*) FILTER (WHERE NOT first_solved AND last_solved) AS rescued,
       round(count(*) FILTER (WHERE NOT first_solved AND last_solved)
             / nullif(count(*) FILTER (WHERE NOT first_solved), 0), 3) AS rescue_rate,
       sum(turns) AS turns, sum(cut_turns) AS cut_turns, sum(repeated_turns) AS resampled_turns,
       sum(repair_turns) AS repair_turns, sum(hinted_turns) AS hinted_turns
FROM turn_outcomes
WHERE $run::VARCHAR = 'all' OR run_id = $run::VARCHAR
GROUP BY ALL
ORDER BY condition, model
