// saved/paths_through_account: laundering paths (placement to integration) that pass through an account
// mode: read      returns: path, position, source, target, accounts, r1, r2, r2_distance, utility, rank, optimal, run
// Paths of the current (complete) `paths` runs with a step at the account, best utility first;
// `position` is where the account sits (0 = S0, r1 = S_N+1), `rank` the path's rank among the
// paths of its (source, target) pair (1 = the launderer's optimum). Parameters: $account_id,
// at most $limit rows. To draw them in the graph view:
//   MATCH (p:LaunderingPath)-[:STEP]->(:Account {id: $account_id}) MATCH (p)-[s:STEP]->(a) RETURN p, s, a
/* :params { account_id: 'AC10000001', limit: 25 } */
MATCH (p:LaunderingPath)-[s:STEP]->(:Account {id: $account_id})
MATCH (r:DetectionRun {id: p.runId}) WHERE r.status = 'complete'
RETURN p.id AS path, s.position AS position, p.source AS source, p.target AS target,
       p.accounts AS accounts, p.r1 AS r1, p.r2 AS r2, p.r2Distance AS r2_distance,
       p.utility AS utility, p.rank AS rank, p.optimal AS optimal, r.id AS run
ORDER BY p.utility DESC, p.id
LIMIT $limit
