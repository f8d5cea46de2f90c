// read/explain_account: every reason an account is flagged, from the current (complete) runs
// mode: read      returns: found, reasons
// Each reason: the rule id, the value, the bound or limit it crossed, the movements involved, the
// run, and the finding's own figures (details, JSON). An unknown account returns found = false.
/* :params { account_id: 'A1' } */
OPTIONAL MATCH (a:Account {id: $account_id})
OPTIONAL MATCH (f:Flag)-[:FLAGS]->(a)
OPTIONAL MATCH (r:DetectionRun {id: f.runId})
WITH a, f, r ORDER BY f.score DESC, f.rule, f.id
WITH a, collect(CASE WHEN f IS NOT NULL AND r.status = 'complete' THEN {
        rule: f.rule, value: f.value, threshold: f.threshold, movements: f.movements,
        score: f.score, run: f.runId, details: f.details,
        window: CASE WHEN f.windowStart IS NULL THEN null ELSE [toString(f.windowStart), toString(f.windowEnd)] END
     } END) AS reasons
RETURN a IS NOT NULL AS found, reasons
