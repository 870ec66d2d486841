-- Why were children refused? Per operator and reason, over one run: children the gate refused (its first
-- reason, numbers as '#'), children not better than their parent on the train minibatch (with the race's verdict
-- when one decided it), challengers that did not beat the incumbent on fresh val seeds (re-score or incumbency
-- race), and proposals the operator itself declined.
-- @param run = latest: a run id; 'latest' = the most recently started run
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
mine AS (SELECT * FROM origins WHERE run_id = (SELECT run_id FROM chosen)),
races AS (SELECT payload->>'$.stage' AS stage, payload->>'$.challenger' AS library_id,
                 payload->>'$.verdict' || CASE WHEN (payload->>'$.at_cap')::BOOLEAN THEN ' at the cap' ELSE '' END
                     AS verdict
          FROM events WHERE run_id = (SELECT run_id FROM chosen) AND kind = 'race'),
refused AS (
    SELECT operator, CASE WHEN contains(note, ' | gate: ')
                          THEN 'gate: ' || split_part(split_part(note, ' | gate: ', 2), '; ', 1)
                          ELSE coalesce('minibatch race: ' || (SELECT any_value(verdict) FROM races r
                                        WHERE r.stage = 'minibatch' AND r.library_id = mine.child),
                                        'minibatch: not better than its parent') END AS reason
    FROM mine WHERE NOT accepted AND operator NOT IN ('seed', 'manual')
    UNION ALL
    SELECT coalesce(m.operator, '?'),
           coalesce('incumbency race: ' || (SELECT any_value(verdict) FROM races r WHERE r.stage = 'incumbency'
                                            AND r.library_id = m.child), 're-score: did not hold up on fresh seeds')
    FROM events e LEFT JOIN mine m ON m.child = json_extract_string(e.payload, '$.library')
    WHERE e.run_id = (SELECT run_id FROM chosen) AND e.kind = 'rescore-refused'
    UNION ALL
    SELECT json_extract_string(payload, '$.operator'), 'declined: ' || json_extract_string(payload, '$.reason')
    FROM events WHERE run_id = (SELECT run_id FROM chosen) AND kind = 'declined')
SELECT operator, regexp_replace(reason, '[-+]?[0-9]*\.?[0-9]+', '#', 'g') AS reason, count(*) AS children
FROM refused
GROUP BY ALL
ORDER BY children DESC, operator, reason
