// saved/accounts_above_bound: which accounts moved amounts above their own statistical bound
// mode: read      returns: account, class, movements, largestUsd, boundUsd, maxScore,
//                           movementIds, run, params
// The `large_amount` flags of one `aml detect amounts` run, per account: $run_id, or with null
// the latest complete run. `boundUsd` is the account's one-sided upper bound (its own history,
// or its class-and-currency pool when the history is short; the prediction bound unless the
// run's `params` say "mean"); `movementIds` are the movements above it, largest first.
// Accounts with the most movements above their bound come first.
/* :params { run_id: null, limit: 25 } */
MATCH (r:DetectionRun {detector: 'amounts', status: 'complete'})
WHERE $run_id IS NULL OR r.id = $run_id
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (f:Flag {rule: 'large_amount', runId: r.id})-[:FLAGS]->(a:Account)
WITH r, a, f ORDER BY f.value DESC, f.id
WITH r, a, count(f) AS movements, max(f.value) AS largestUsd, min(f.threshold) AS boundUsd,
     max(f.score) AS maxScore, collect(f.movements[0]) AS movementIds
RETURN a.id AS account, a.class AS class, movements, largestUsd, boundUsd, maxScore, movementIds,
       r.id AS run, r.params AS params
ORDER BY movements DESC, largestUsd DESC, account
LIMIT $limit
