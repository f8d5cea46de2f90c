// paths/enumerate_apoc: the paths of paths/enumerate, by apoc.path.expandConfig (kept to measure)
// mode: read      returns: source, target, accounts, transfers, amounts, ts
// Same parameters, rules and result as paths/enumerate. The APOC expander takes no predicate on
// relationship properties, so it walks every simple path (uniqueness NODE_PATH) of up to
// $max_hops transfers that ends at a target (endNodes; it goes on past them) and the time, carry
// and hub rules are filtered afterwards. docs/paths.md compares it with paths/enumerate.
/* :params { sources: ['AC10000001'], targets: ['AC10000002'], max_hops: 6, window_days: 30, min_carry: 0.5, fanout_cap: 20, limit: 100001 } */
MATCH (t:Account) WHERE t.id IN $targets
WITH collect(t) AS ends
UNWIND $sources AS source_id
MATCH (s:Account {id: source_id})
CALL apoc.path.expandConfig(s, {relationshipFilter: 'TRANSFER>', labelFilter: '+Account', minLevel: 1,
                                maxLevel: $max_hops, uniqueness: 'NODE_PATH', endNodes: ends})
YIELD path
WITH relationships(path) AS rels, nodes(path) AS nodes
WHERE all(i IN range(1, size(rels) - 1) WHERE rels[i - 1].ts <= rels[i].ts
          AND rels[i].amount >= $min_carry * rels[i - 1].amount
          AND ($window_days IS NULL OR rels[i].ts <= rels[i - 1].ts + duration({seconds: $window_days * 86400})))
  AND ($fanout_cap IS NULL OR all(h IN rels WHERE h IN COLLECT {
        MATCH (u:Account)-[q:TRANSFER]->(z:Account) WHERE u = startNode(h) AND z <> u
        RETURN q ORDER BY q.amount DESC, q.id LIMIT $fanout_cap }))
RETURN nodes[0].id AS source, last(nodes).id AS target, [n IN nodes | n.id] AS accounts,
       [h IN rels | h.id] AS transfers, [h IN rels | h.amount] AS amounts,
       [h IN rels | h.ts.epochSeconds] AS ts
LIMIT $limit
