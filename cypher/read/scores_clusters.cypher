// read/scores_clusters: the abnormal-cluster marks of the latest complete embeddings run
// mode: read      returns: run, ids, abnormal, scores
// Accounts of older embedding runs are ignored; `run` is null when no embeddings run exists.
/* :params {} */
OPTIONAL MATCH (r:DetectionRun {status: 'complete', detector: 'embeddings'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
OPTIONAL MATCH (a:Account) WHERE r IS NOT NULL AND a.amlClusterRunId = r.id
RETURN r.id AS run, collect(a.id) AS ids, collect(coalesce(a.amlAbnormal, false)) AS abnormal,
       collect(coalesce(a.amlAbnormalScore, 0.0)) AS scores
