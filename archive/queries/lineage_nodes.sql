-- What did each library of a run come from, and what became of it? Per library with an edge in the run: its
-- parents, generation, operator and note, bytes and skills, val mean and trials, what the run did with it
-- (`status`: seed, manual, refused by the gate, refused on the minibatch, lost to the incumbent (its re-score or
-- incumbency race: a `rescore-refused` event), became best, kept, undecided) and whether it lies on the best library's lineage (`on_best_path`) or is the best (`is_best`).
-- @param run = latest: a run id; 'latest' = the most recently started run
WITH chosen AS (SELECT CASE WHEN $run = 'latest' THEN latest_run() ELSE $run END AS run_id),
best AS (SELECT library_id FROM best_so_far WHERE run_id = (SELECT run_id FROM chosen)),
path AS (SELECT ancestor_id FROM lineage_of((SELECT library_id FROM best), (SELECT run_id FROM chosen))),
said AS (SELECT kind, json_extract_string(payload, '$.library') AS library_id FROM events
         WHERE run_id = (SELECT run_id FROM chosen) AND kind IN ('new-best', 'rescore-refused'))
SELECT p.library_id, p.parents, p.generation, p.operator, p.note, p.accepted, p.nbytes, p.n_skills,
       p.val_score, p.val_n,
       CASE WHEN p.operator IN ('seed', 'manual') THEN p.operator
            WHEN p.library_id IN (SELECT library_id FROM said WHERE kind = 'new-best') THEN 'became best'
            WHEN NOT p.accepted AND contains(p.note, ' | gate: ') THEN 'refused by the gate'
            WHEN NOT p.accepted THEN 'refused on the minibatch'
            WHEN p.library_id IN (SELECT library_id FROM said WHERE kind = 'rescore-refused') THEN 'lost to the incumbent'
            WHEN p.accepted IS NULL THEN 'undecided'
            ELSE 'kept' END AS status,
       p.library_id IN (SELECT ancestor_id FROM path) AS on_best_path,
       p.library_id IS NOT DISTINCT FROM (SELECT library_id FROM best) AS is_best
FROM population p
WHERE p.run_id = (SELECT run_id FROM chosen)
ORDER BY p.generation, p.library_id
