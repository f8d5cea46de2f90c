// writeback/scores_ml_rw: the "machine learning + random walk" baseline's score of a batch of accounts (benchmark)
// mode: write      returns: written
// a.amlMlRwScore: the baseline's probability of laundering. Derived, prefixed: no loaded fact changes.
/* :params { ids: ['A1'], scores: [0.5] } */
UNWIND range(0, size($ids) - 1) AS i
MATCH (a:Account {id: $ids[i]})
SET a.amlMlRwScore = $scores[i]
RETURN count(*) AS written
