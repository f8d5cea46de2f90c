// writeback/scores: the combined risk score of a batch of accounts, tagged with the score run
// mode: write      returns: written
// a.amlScore (0..1, higher is riskier), a.amlFlagged, a.amlReasons (rule ids, strongest first),
// a.amlScoreRunId. Derived properties only: no loaded fact is overwritten.
/* :params { run_id: 'scores-1', ids: ['A1'], scores: [0.9], flagged: [true], reasons: [['cycle', 'large_amount']] } */
UNWIND range(0, size($ids) - 1) AS i
MATCH (a:Account {id: $ids[i]})
SET a.amlScore = $scores[i], a.amlFlagged = $flagged[i], a.amlReasons = $reasons[i], a.amlScoreRunId = $run_id
RETURN count(*) AS written
