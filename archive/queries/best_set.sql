-- What is the best skill set so far in each run, how does it score next to the seed library and no skills,
-- and which skills does it hold? (best = the `best_so_far` view: the engine's incumbent, else the highest mean val score)
SELECT b.run_id, b.library_id, round(b.score, 4) AS val_score, b.n, b.missing,
       round(b.seed_score, 4) AS seed_score, b.seed_n, round(b.none_score, 4) AS none_score, b.none_n,
       s.name AS skill, k.nbytes AS skill_bytes, s.sha256 AS skill_sha256
FROM best_so_far b
JOIN library_skills s ON s.library_id = b.library_id
JOIN skills k ON k.sha256 = s.sha256
ORDER BY b.run_id, s.name
