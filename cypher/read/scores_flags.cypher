// read/scores_flags: the current flags the combined score is built from, as parallel lists
// mode: read      returns: accounts, rules, scores, involved, details
// "Current" = the flags of the latest complete run of each detector (amounts, typologies, paths,
// ...). Cluster flags are left out (the score reads the cluster marks on the accounts instead) and
// so are the score runs themselves. `involved` holds, per flag, the ids of the accounts it
// involves (fan counterparties, cycle and path members: `f.accounts`, or the INVOLVES edges of
// flags written before that property existed); `details` the flag's figures (JSON) for
// the rules in $with_details (the typologies, whose shape figures weigh their rarity), else ''
// (collect() drops nulls, which would misalign the lists).
// Ground truth is never read here.
/* :params { with_details: ['fan_in', 'fan_out', 'scatter_gather', 'gather_scatter', 'cycle', 'layering'] } */
MATCH (r:DetectionRun {status: 'complete'})
WHERE NOT r.detector IN ['embeddings', 'scores']
WITH r ORDER BY r.started DESC, r.id DESC
WITH r.detector AS detector, collect(r.id)[0] AS run
WITH collect(run) AS runs
MATCH (f:Flag)-[:FLAGS]->(a:Account)
WHERE f.runId IN runs AND f.rule <> 'abnormal_cluster'
RETURN collect(a.id) AS accounts, collect(f.rule) AS rules, collect(coalesce(f.score, 1.0)) AS scores,
       collect(coalesce(f.accounts, [(f)-[:INVOLVES]->(o:Account) | o.id])) AS involved,
       collect(CASE WHEN f.rule IN $with_details THEN coalesce(f.details, '') ELSE '' END) AS details
