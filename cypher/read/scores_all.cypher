// read/scores_all: the latest score run's account scores as parallel lists (for evaluation)
// mode: read      returns: run, ids, scores, flagged
/* :params {} */
OPTIONAL MATCH (r:DetectionRun {status: 'complete', detector: 'scores'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
OPTIONAL MATCH (a:Account) WHERE r IS NOT NULL AND a.amlScoreRunId = r.id
RETURN r.id AS run, collect(a.id) AS ids, collect(a.amlScore) AS scores, collect(a.amlFlagged) AS flagged
