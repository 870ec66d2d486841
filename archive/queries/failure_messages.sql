-- What goes wrong most often on each goal? The most frequent failures per goal over all runs: failed checks
-- (with numbers replaced by '#', so "'rate' = 3.1 Hz" and "'rate' = 7 Hz" count as one), the final turn's
-- notebook error, and why trials went missing; with how many trials and one example.
-- @param limit = 5: how many failures to show per goal
WITH failures AS (
    SELECT t.goal, 'check ' || c.name AS kind, c.message AS example
    FROM trials t JOIN evaluations e ON e.trial_id = t.trial_id, unnest(e.checks) AS u(c)
    WHERE NOT c.passed
    UNION ALL
    SELECT t.goal, 'error', split_part(e.transcript[-1].error, chr(10), 1)
    FROM trials t JOIN evaluations e ON e.trial_id = t.trial_id
    WHERE len(e.transcript) > 0 AND e.transcript[-1].error IS NOT NULL
    UNION ALL
    SELECT goal, 'missing', missing_reason FROM trials WHERE status = 'missing'),
counted AS (
    SELECT goal, kind, regexp_replace(example, '[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?', '#', 'g') AS pattern,
           count(*) AS trials, any_value(example) AS example
    FROM failures GROUP BY ALL)
SELECT goal, kind, pattern, trials, example
FROM counted
QUALIFY row_number() OVER (PARTITION BY goal ORDER BY trials DESC, kind, pattern) <= $limit::INTEGER
ORDER BY goal, trials DESC, kind, pattern
