// writeback/scores_ml: the "machine-learning based" baseline's score of a batch of accounts (benchmark)
// mode: write      returns: written
// a.amlMlScore: the baseline's probability of laundering. Derived, prefixed: no loaded fact changes.
/* :params { ids: ['A1'], scores: [0.5] } */
UNWIND range(0, size($ids) - 1) AS i
MATCH (a:Account {id: $ids[i]})
SET a.amlMlScore = $scores[i]
RETURN count(*) AS written
