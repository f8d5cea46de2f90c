// writeback/scores_reset: every account the score run did not write gets score 0 of that run
// mode: autocommit      returns: nothing
// Runs after writeback/scores wrote the accounts with evidence; in batches, so a 100k-account
// bank is one statement.
/* :params { run_id: 'scores-1' } */
MATCH (a:Account) WHERE a.amlScoreRunId IS NULL OR a.amlScoreRunId <> $run_id
CALL (a) {
  SET a.amlScore = 0.0, a.amlFlagged = false, a.amlReasons = [], a.amlScoreRunId = $run_id
} IN TRANSACTIONS OF 20000 ROWS
