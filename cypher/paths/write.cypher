// paths/write: write measured laundering paths as (:LaunderingPath) nodes of a detection run
// mode: write      returns: written
// (:LaunderingPath {id, runId, key, source, target, r1, r2, r2Distance, utility, rank, optimal,
//                   transfers, amounts, accounts, times, pairReach, pairReachDistance,
//                   pairMostLikelyHops, pairExpectedHops})
//   -[:STEP {position: i, transfer, amount, ts}]->(:Account)   i = 0 (S0) .. r1 (S_{N+1}); the
//   transfer, amount and time are those of the hop that arrives at position i (null at 0).
// `key` identifies the path by its transfers, the same in every run; `id` is run id + ':' + n.
// Idempotent: MERGE on the path id and on each step, so a retried batch is applied once.
/* :params { run_id: 'paths-1', rows: [{id: 'paths-1:0', key: 'k', source: 'A', target: 'C', r1: 2, r2: 0.5, r2_distance: 0.693, utility: 10.0, rank: 1, optimal: true, transfers: ['t1', 't2'], amounts: [100.0, 90.0], accounts: ['A', 'B', 'C'], ts: [1706659200, 1706745600], pair_reach: 0.5, pair_reach_distance: 0.693, pair_most_likely_hops: 2, pair_expected_hops: 2.0}] } */
UNWIND $rows AS row
MERGE (p:LaunderingPath {id: row.id})
SET p.runId = $run_id, p.key = row.key, p.source = row.source, p.target = row.target,
    p.r1 = row.r1, p.r2 = row.r2, p.r2Distance = row.r2_distance, p.utility = row.utility,
    p.rank = row.rank, p.optimal = row.optimal, p.transfers = row.transfers,
    p.amounts = row.amounts, p.accounts = row.accounts,
    p.times = [t IN row.ts | datetime({epochSeconds: t})],
    p.pairReach = row.pair_reach, p.pairReachDistance = row.pair_reach_distance,
    p.pairMostLikelyHops = row.pair_most_likely_hops, p.pairExpectedHops = row.pair_expected_hops
WITH p, row
CALL (p, row) {
  UNWIND range(0, size(row.accounts) - 1) AS i
  MATCH (a:Account {id: row.accounts[i]})
  MERGE (p)-[s:STEP {position: i}]->(a)
  SET s.transfer = CASE WHEN i = 0 THEN null ELSE row.transfers[i - 1] END,
      s.amount = CASE WHEN i = 0 THEN null ELSE row.amounts[i - 1] END,
      s.ts = CASE WHEN i = 0 THEN null ELSE datetime({epochSeconds: row.ts[i - 1]}) END
}
RETURN count(*) AS written
