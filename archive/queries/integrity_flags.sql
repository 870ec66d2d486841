-- Which trials were caught forging their evidence, and why? Every trial whose final evaluation carries an
-- integrity flag (the trusted replay or the evidence contradicted what the notebook claimed), newest first,
-- with the library, goal, split and the reason; plus how the replay concluded on the other trials.
-- @param run = all: a run id, or all for every run
SELECT t.run_id, t.generation, t.library_id, t.goal, t.split, t.model, t.seed, e.replay_status,
       e.integrity AS reason, t.created_at
FROM trials t JOIN evaluations e ON e.trial_id = t.trial_id
WHERE e.integrity IS NOT NULL AND ($run::VARCHAR = 'all' OR t.run_id = $run::VARCHAR)
ORDER BY t.created_at DESC, t.trial_id DESC
