// saved/structuring_recent: who split cash under the reporting threshold in the last $days days
// mode: read      returns: account, customer, count, totalUsd, thresholdUsd, deposits,
//                           otherAccounts, windowStart, windowEnd, run
// The `structuring` flags of the latest complete `aml detect amounts` run (the run
// `toolkit.runs.latest_run` picks) whose deposits reach into the period: the last deposit on
// or after $as_of - $days days, the first on or before $as_of. `deposits` lists them in time
// order; `otherAccounts` are the same customer's other accounts that took part. The graph of
// the flags in Browser:
//   MATCH (f:Flag {rule: 'structuring'})-[:FLAGS|INVOLVES]->(a:Account) RETURN f, a
/* :params { days: 30, as_of: datetime('2025-07-01T00:00:00Z') } */
MATCH (r:DetectionRun {detector: 'amounts', status: 'complete'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (f:Flag {rule: 'structuring', runId: r.id})-[:FLAGS]->(a:Account)
WHERE f.windowEnd >= $as_of - duration({days: $days}) AND f.windowStart <= $as_of
CALL (f) {
  UNWIND f.movements AS mid
  MATCH (:Cash)-[d:DEPOSIT {id: mid}]->(b:Account)
  WITH d, b ORDER BY d.ts, d.id
  RETURN collect({id: d.id, account: b.id, amount: d.amount, currency: d.currency, ts: d.ts}) AS deposits
}
CALL (f) {
  OPTIONAL MATCH (f)-[:INVOLVES]->(o:Account)
  WITH o ORDER BY o.id
  RETURN collect(o.id) AS otherAccounts
}
RETURN a.id AS account, a.customer AS customer, size(f.movements) AS count, f.value AS totalUsd,
       f.threshold AS thresholdUsd, deposits, otherAccounts, f.windowStart AS windowStart,
       f.windowEnd AS windowEnd, r.id AS run
ORDER BY windowEnd DESC, account
