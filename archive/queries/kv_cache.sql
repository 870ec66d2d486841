-- How much of the prompts did the model providers serve from their cache? Per run, role and model, over calls
-- that succeeded: calls, prompt tokens, cached prompt tokens (as the provider reported them; calls that
-- reported nothing are counted apart) and the hit rate over the calls that reported.
-- @param run = all: a run id, or all for every run
SELECT run_id, role, model, count(*) AS calls, sum(prompt_tokens) AS prompt_tokens,
       sum(cached_tokens) AS cached_tokens, count(*) FILTER (WHERE cached_tokens IS NULL) AS calls_not_reporting,
       round(sum(cached_tokens) / nullif(sum(prompt_tokens) FILTER (WHERE cached_tokens IS NOT NULL), 0), 3)
           AS hit_rate
FROM llm_calls
WHERE ok AND ($run::VARCHAR = 'all' OR run_id = $run::VARCHAR)
GROUP BY ALL
ORDER BY run_id, role, model
