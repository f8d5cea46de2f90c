// saved/account_flags: everything flagged for one account, by every current detection run
// mode: read      returns: rule, value, threshold, score, movements, otherAccounts, windowStart,
//                           windowEnd, details, detector, run
// The flags of complete runs (superseded and failed runs are left out) on the account
// $account_id, strongest first (in the order of `aml explain`): the rule, the figure and the
// bound or limit it crossed, the movements behind it and the run that wrote it. No row: the
// account is not flagged, or does not exist (MATCH (a:Account {id: $account_id}) RETURN a).
/* :params { account_id: 'AC10000000' } */
MATCH (f:Flag)-[:FLAGS]->(a:Account {id: $account_id})
MATCH (r:DetectionRun {id: f.runId}) WHERE r.status = 'complete'
CALL (f) {
  // every involved account is in f.accounts (flags of older runs: their INVOLVES edges)
  UNWIND coalesce(f.accounts, [(f)-[:INVOLVES]->(o:Account) | o.id]) AS other
  WITH other ORDER BY other
  RETURN collect(other) AS otherAccounts
}
RETURN f.rule AS rule, f.value AS value, f.threshold AS threshold, f.score AS score,
       f.movements AS movements, otherAccounts, f.windowStart AS windowStart, f.windowEnd AS windowEnd,
       f.details AS details, r.detector AS detector, r.id AS run
ORDER BY score DESC, rule, f.id
