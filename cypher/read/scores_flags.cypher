// read/scores_flags: the current flags the combined score is built from, as parallel lists
// mode: read      returns: accounts, rules, scores, involved
// "Current" = the flags of the latest complete run of each detector (amounts, typologies, paths,
// ...). Cluster flags are left out (the score reads the cluster marks on the accounts instead) and
// so are the score runs themselves. `involved` holds, per flag, the ids of the accounts it
// INVOLVES (fan counterparties, cycle and path members). Ground truth is never read here.
/* :params {} */
MATCH (r:DetectionRun {status: 'complete'})
WHERE NOT r.detector IN ['embeddings', 'scores']
WITH r ORDER BY r.started DESC, r.id DESC
WITH r.detector AS detector, collect(r.id)[0] AS run
WITH collect(run) AS runs
MATCH (f:Flag)-[:FLAGS]->(a:Account)
WHERE f.runId IN runs AND f.rule <> 'abnormal_cluster'
RETURN collect(a.id) AS accounts, collect(f.rule) AS rules, collect(coalesce(f.score, 1.0)) AS scores,
       collect([(f)-[:INVOLVES]->(o:Account) | o.id]) AS involved
