// read/scores_evidence_movements: every movement cited as evidence by a current flag, with the score of the flagged account
// mode: read      returns: ids, scores, flagged
// The movement-level decision of our method (aml evaluate): a movement is flagged when a current
// flag cites it and the account that flag is about is flagged by the combined score; its score is
// the highest such account score. Cluster flags cite no movements.
/* :params {} */
MATCH (r:DetectionRun {status: 'complete'})
WHERE NOT r.detector IN ['embeddings', 'scores']
WITH r ORDER BY r.started DESC, r.id DESC
WITH r.detector AS detector, collect(r.id)[0] AS run
WITH collect(run) AS runs
MATCH (f:Flag)-[:FLAGS]->(a:Account)
WHERE f.runId IN runs AND f.rule <> 'abnormal_cluster'
UNWIND f.movements AS movement
WITH movement, max(coalesce(a.amlScore, 0.0)) AS score, max(CASE WHEN a.amlFlagged THEN 1 ELSE 0 END) AS flagged
RETURN collect(movement) AS ids, collect(score) AS scores, collect(flagged = 1) AS flagged
