// writeback/account_typology_scores: the per-account typology score of a run
// mode: write      returns: written
// a.amlTypologyScore in [0, 1] (how many hits, how strong, how unusual against the population)
// and a.amlTypologyRunId; accounts not in $rows are reset to 0 by writeback/reset_typology_scores.
/* :params { run_id: 'typologies-1', rows: [{id: 'A1', score: 0.8}] } */
UNWIND $rows AS row
MATCH (a:Account {id: row.id})
SET a.amlTypologyScore = row.score, a.amlTypologyRunId = $run_id
RETURN count(*) AS written
