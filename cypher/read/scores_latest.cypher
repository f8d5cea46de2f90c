// read/scores_latest: the account scores of the latest complete score run, riskiest first
// mode: read      returns: account_id, score, flagged, reasons
// What `aml scores` exports for case-management tools. `top` null = every account.
/* :params { top: 100 } */
MATCH (r:DetectionRun {status: 'complete', detector: 'scores'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (a:Account) WHERE a.amlScoreRunId = r.id
WITH a ORDER BY a.amlScore DESC, a.id
LIMIT coalesce($top, 1000000000)
RETURN a.id AS account_id, a.amlScore AS score, a.amlFlagged AS flagged, a.amlReasons AS reasons
