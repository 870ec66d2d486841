-- How often are the student's answers cut off at max_tokens, per goal and model? Turns whose reply was cut
-- (never executed) and turns whose reply was read at all, with the rate; trials whose final turn was cut.
SELECT t.goal, t.model, count(*) FILTER (WHERE u.turn.outcome = 'cut') AS cut_turns, count(*) AS turns,
       round(count(*) FILTER (WHERE u.turn.outcome = 'cut') / count(*), 3) AS cut_rate,
       count(DISTINCT t.trial_id) FILTER (WHERE t.stop_reason = 'cut') AS trials_ending_cut
FROM trials t JOIN evaluations e ON e.trial_id = t.trial_id, unnest(e.transcript) AS u(turn)
WHERE u.turn.outcome <> 'disclosure'
GROUP BY ALL
ORDER BY cut_rate DESC, t.goal, t.model
