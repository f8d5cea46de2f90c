// paths/flagged_accounts: accounts flagged by the latest complete run of a detector (e.g. amounts)
// mode: read      returns: run, ids (run is null when the detector has no complete run)
// The path search can start or end only at accounts the amount rules flagged ([paths]
// source_flagged / target_flagged).
/* :params { detector: 'amounts' } */
OPTIONAL MATCH (r:DetectionRun {detector: $detector, status: 'complete'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
OPTIONAL MATCH (f:Flag {runId: r.id})-[:FLAGS]->(a:Account)
RETURN r.id AS run, collect(DISTINCT a.id) AS ids
