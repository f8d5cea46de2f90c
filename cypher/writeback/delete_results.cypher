// writeback/delete_results: delete the flags and paths written by the given runs, in batches
// mode: autocommit      returns: nothing
/* :params { run_ids: ['run-20250101-0001'] } */
MATCH (n) WHERE (n:Flag OR n:LaunderingPath) AND n.runId IN $run_ids
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
