// paths/enumerate_qpp: the paths of paths/enumerate, by a quantified path pattern (kept to measure)
// mode: read      returns: source, target, accounts, transfers, amounts, ts
// Same parameters, rules and result as paths/enumerate, for $max_hops <= 6 (a quantifier's bounds
// are literals). A QPP predicate sees one iteration only, so the rules that compare consecutive
// hops cannot prune the expansion: inside the pattern only a box around the first hop is tested
// (no earlier than it, within ($max_hops - 1) windows after it, carrying at least
// min(1, $min_carry)^($max_hops - 1) of its amount), and the exact rules, simplicity (QPPs walk
// trails, which may repeat accounts) and the hub bound are filtered afterwards. docs/paths.md
// compares it with paths/enumerate and paths/enumerate_apoc on generated data.
/* :params { sources: ['AC10000001'], targets: ['AC10000002'], max_hops: 6, window_days: 30, min_carry: 0.5, fanout_cap: 20, limit: 100001 } */
UNWIND $sources AS source_id
MATCH (s:Account {id: source_id})-[r1:TRANSFER]->(a1:Account)
WHERE a1 <> s AND ($max_hops > 1 OR a1.id IN $targets)
MATCH (a1) ((x:Account)-[r:TRANSFER]->(y:Account)
             WHERE x <> y AND r1.ts <= r.ts
               AND r.amount >= r1.amount * CASE WHEN $min_carry < 1.0 THEN $min_carry ^ ($max_hops - 1) ELSE 1.0 END
               AND ($window_days IS NULL
                    OR r.ts <= r1.ts + duration({seconds: ($max_hops - 1) * $window_days * 86400}))){0,5} (t:Account)
WHERE t.id IN $targets AND size(r) < $max_hops
WITH [r1] + r AS rels, [s, a1] + y AS nodes
WHERE all(i IN range(0, size(nodes) - 2) WHERE NOT nodes[i] IN nodes[i + 1..])
  AND all(i IN range(1, size(rels) - 1) WHERE rels[i - 1].ts <= rels[i].ts
          AND rels[i].amount >= $min_carry * rels[i - 1].amount
          AND ($window_days IS NULL OR rels[i].ts <= rels[i - 1].ts + duration({seconds: $window_days * 86400})))
  AND ($fanout_cap IS NULL OR all(h IN rels WHERE h IN COLLECT {
        MATCH (u:Account)-[q:TRANSFER]->(z:Account) WHERE u = startNode(h) AND z <> u
        RETURN q ORDER BY q.amount DESC, q.id LIMIT $fanout_cap }))
RETURN nodes[0].id AS source, last(nodes).id AS target, [n IN nodes | n.id] AS accounts,
       [h IN rels | h.id] AS transfers, [h IN rels | h.amount] AS amounts,
       [h IN rels | h.ts.epochSeconds] AS ts
LIMIT $limit
