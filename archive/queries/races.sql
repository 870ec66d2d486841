-- How did each racing decision of a run end (evolve.engine.racing)? The stage (minibatch: child vs parent on train;
-- incumbency: challenger vs the best so far on val), the verdict, the pairs it took, the mean difference and its
-- standard error, whether it hit the cap undecided, and the prior σ0 measured from seed-to-seed spread.
-- @param run = all: a run id, or all for every run
SELECT run_id, (payload->>'$.generation')::INTEGER AS generation, payload->>'$.stage' AS stage,
       left(payload->>'$.challenger', 12) AS challenger, left(payload->>'$.incumbent', 12) AS incumbent,
       payload->>'$.verdict' AS verdict, (payload->>'$.pairs')::INTEGER AS pairs,
       (payload->>'$.missing')::INTEGER AS missing, round((payload->>'$.mean')::DOUBLE, 3) AS mean_delta,
       round((payload->>'$.se')::DOUBLE, 3) AS se, (payload->>'$.at_cap')::BOOLEAN AS at_cap,
       round((payload->>'$.prior_sd')::DOUBLE, 3) AS prior_sd, (payload->>'$.rounds')::INTEGER AS rounds
FROM events
WHERE kind = 'race' AND ($run::VARCHAR = 'all' OR run_id = $run::VARCHAR)
ORDER BY run_id, event_id
