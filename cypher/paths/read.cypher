// paths/read: the laundering paths of one run (or of the latest complete `paths` run), best first
// mode: read      returns: run, id, key, source, target, accounts, transfers, amounts, r1, r2, r2_distance, utility, rank, optimal, steps
// `steps` are the accounts reached through the (:STEP) relationships, in position order, so a
// caller can check that they match `accounts`.
/* :params { run_id: null } */
OPTIONAL MATCH (r:DetectionRun {detector: 'paths'})
WHERE ($run_id IS NULL AND r.status = 'complete') OR r.id = $run_id
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (p:LaunderingPath {runId: r.id})
CALL (p) {
  MATCH (p)-[s:STEP]->(a:Account)
  WITH s, a ORDER BY s.position
  RETURN collect(a.id) AS steps
}
RETURN r.id AS run, p.id AS id, p.key AS key, p.source AS source, p.target AS target,
       p.accounts AS accounts, p.transfers AS transfers, p.amounts AS amounts, p.r1 AS r1,
       p.r2 AS r2, p.r2Distance AS r2_distance, p.utility AS utility, p.rank AS rank,
       p.optimal AS optimal, steps
ORDER BY p.utility DESC, p.source, p.target, p.id
