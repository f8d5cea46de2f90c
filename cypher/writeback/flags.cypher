// writeback/flags: write findings as (:Flag) nodes linked to the account they flag
// mode: write      returns: written
// (:Flag {id, runId, rule, value, threshold, score, windowStart, windowEnd, movements, accounts, details})
//   -[:FLAGS]->(:Account)          the account the finding is about
//   -[:INVOLVES]->(:Account)       the other accounts involved (counterparties, cycle members),
//                                  for the rows whose `link` is true (strong enough to draw)
// `accounts` keeps the ids of every involved account on every flag; weak typology hits (most of
// them) keep them there only: drawing their edges was 70% of the storage time (see
// toolkit/writeback.py). A row without `link` is drawn.
// One Browser line: MATCH (f:Flag)-[:FLAGS]->(:Account {id: 'A1'}) RETURN f
/* :params { run_id: 'run-1', rows: [{id: 'f1', rule: 'large_amount', account: 'A1', accounts: [], link: true, movements: ['t1'], value: 1.0, threshold: 0.5, score: 1.0, window_start: null, window_end: null, details: '{}'}] } */
UNWIND $rows AS row
MATCH (a:Account {id: row.account})
CREATE (f:Flag {id: row.id, runId: $run_id, rule: row.rule, value: row.value, threshold: row.threshold,
                score: row.score, movements: row.movements, accounts: row.accounts, details: row.details,
                windowStart: CASE WHEN row.window_start IS NULL THEN null ELSE datetime({epochSeconds: row.window_start}) END,
                windowEnd: CASE WHEN row.window_end IS NULL THEN null ELSE datetime({epochSeconds: row.window_end}) END})
CREATE (f)-[:FLAGS]->(a)
WITH f, row
CALL (f, row) {
  WITH f, row WHERE coalesce(row.link, true)
  UNWIND row.accounts AS other
  MATCH (o:Account {id: other})
  CREATE (f)-[:INVOLVES]->(o)
}
RETURN count(DISTINCT f) AS written
