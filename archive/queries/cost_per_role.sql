-- What did each model role cost? Per run, role and model: calls, failed calls, tokens in and out, cost in USD
-- (NULL when the provider reports none), the calls' total wall time, and mean and 95th-percentile latency.
-- @param run = all: a run id, or all for every run
SELECT run_id, role, model, count(*) AS calls, count(*) FILTER (WHERE NOT ok) AS failed,
       sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
       round(sum(cost_usd), 4) AS cost_usd, round(sum(latency_s), 1) AS latency_s,
       round(avg(latency_s), 3) AS mean_latency_s, round(quantile_cont(latency_s, 0.95), 3) AS p95_latency_s
FROM llm_calls
WHERE $run::VARCHAR = 'all' OR run_id = $run::VARCHAR
GROUP BY run_id, role, model
ORDER BY run_id, cost_usd DESC NULLS LAST, role, model
