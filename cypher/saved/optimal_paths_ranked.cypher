// saved/optimal_paths_ranked: the launderer's optimal path of each (S0, S_N+1) pair, ranked by utility
// mode: read      returns: ranked, path, source, target, accounts, amounts, r1, r2, r2_distance, utility, reach, run
// One row per pair: its rank-1 path (the best utility U of the pair's candidate paths) from the
// current (complete) `paths` runs, best utility first; `ranked` numbers the rows. R1 = transfers,
// R2 = the random walk's probability of exactly this path, reach = the walk's probability of
// arriving at the target within L transfers by any route. Parameter: the $top rows to show.
/* :params { top: 25 } */
MATCH (p:LaunderingPath {optimal: true})
MATCH (r:DetectionRun {id: p.runId}) WHERE r.status = 'complete'
WITH p, r ORDER BY p.utility DESC, p.id
LIMIT $top
WITH collect({p: p, r: r}) AS rows
UNWIND range(0, size(rows) - 1) AS i
WITH i, rows[i].p AS p, rows[i].r AS r
RETURN i + 1 AS ranked, p.id AS path, p.source AS source, p.target AS target,
       p.accounts AS accounts, p.amounts AS amounts, p.r1 AS r1, p.r2 AS r2,
       p.r2Distance AS r2_distance, p.utility AS utility, p.pairReach AS reach, r.id AS run
ORDER BY ranked
