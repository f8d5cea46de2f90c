// saved/why_flagged: why is this account flagged? Every reason from the current detection runs
// mode: read      returns: rule, value, threshold, score, movements, run, details
// The same reasons `aml explain ACCOUNT_ID` prints, strongest first.
/* :params { account_id: 'AC00000001' } */
MATCH (f:Flag)-[:FLAGS]->(a:Account {id: $account_id})
MATCH (r:DetectionRun {id: f.runId}) WHERE r.status = 'complete'
RETURN f.rule AS rule, f.value AS value, f.threshold AS threshold, f.score AS score,
       f.movements AS movements, f.runId AS run, f.details AS details
ORDER BY f.score DESC, f.rule, f.id
