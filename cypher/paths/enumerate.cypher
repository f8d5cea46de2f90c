// paths/enumerate: candidate laundering paths from $sources to $targets, one hop at a time
// mode: read      returns: source, target, accounts, transfers, amounts, ts
// A path is transfers t_1..t_m, 1 <= m <= $max_hops (at most 8), over distinct accounts, from a
// source to a target, time-respecting (ts(t_i) <= ts(t_i+1) <= ts(t_i) + $window_days; null: no
// upper bound) and carrying (amount(t_i+1) >= $min_carry * amount(t_i)). Hub bound: an account's
// eligible out-transfers are only its $fanout_cap largest (amount desc, then id asc; null: all).
// The exact rules of toolkit.paths.enumerate_paths, which the tests hold this query to.
//
// Why one block per hop and not a quantified path pattern or apoc.path.expandConfig: the time
// and carry rules compare consecutive hops, which neither can test while expanding (a QPP
// predicate sees one iteration, the APOC expander none), so both enumerate every simple path of
// up to L hops and filter afterwards. Here each block extends only the paths still open, with
// the rules applied as it expands (docs/paths.md has the measurements). The blocks are identical;
// each passes finished paths (`done`) through and extends the open ones by one transfer.
// $limit stops the search once that many paths are found (the caller asks for one more than it
// accepts, to tell "exactly at the limit" from "over it"). Results are unordered.
/* :params { sources: ['AC10000001'], targets: ['AC10000002'], max_hops: 6, window_days: 30, min_carry: 0.5, fanout_cap: 20, limit: 100001 } */
UNWIND $sources AS source_id
MATCH (s:Account {id: source_id})
CALL (s) {
  MATCH (s)-[r:TRANSFER]->(w:Account) WHERE w <> s
  WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
  RETURN r, w
}
WITH s, r, w WHERE $max_hops > 1 OR w.id IN $targets
WITH [r] AS rels, [s, w] AS nodes, false AS done
// hop 2
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 3
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 4
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 5
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 6
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 7
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
// hop 8
CALL (rels, nodes, done) {
  WITH rels, nodes, done WHERE done OR last(nodes).id IN $targets
  RETURN rels AS rels_, nodes AS nodes_, true AS done_
  UNION ALL
  WITH rels, nodes, done WHERE NOT done AND size(rels) < $max_hops
  WITH rels, nodes, last(rels) AS prev, last(nodes) AS v
  CALL (v) {
    MATCH (v)-[r:TRANSFER]->(w:Account) WHERE w <> v
    WITH r, w ORDER BY r.amount DESC, r.id LIMIT coalesce($fanout_cap, 4611686018427387904)
    RETURN r, w
  }
  WITH rels, nodes, prev, r, w
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN rels + r AS rels_, nodes + w AS nodes_, false AS done_
}
WITH rels_ AS rels, nodes_ AS nodes, done_ AS done
WITH rels, nodes WHERE done OR last(nodes).id IN $targets
RETURN nodes[0].id AS source, last(nodes).id AS target, [n IN nodes | n.id] AS accounts,
       [r IN rels | r.id] AS transfers, [r IN rels | r.amount] AS amounts,
       [r IN rels | r.ts.epochSeconds] AS ts
LIMIT $limit
