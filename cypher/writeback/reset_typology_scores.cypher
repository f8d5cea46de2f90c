// writeback/reset_typology_scores: clear typology scores written by other runs
// mode: autocommit      returns: nothing
/* :params { run_id: 'typologies-1' } */
MATCH (a:Account) WHERE a.amlTypologyRunId IS NOT NULL AND a.amlTypologyRunId <> $run_id
CALL (a) { REMOVE a.amlTypologyScore, a.amlTypologyRunId } IN TRANSACTIONS OF 10000 ROWS
