// paths/enumerate: candidate laundering paths from $sources to $targets, one hop at a time
// mode: read      returns: source, target, accounts, transfers, amounts, ts
// A path is transfers t_1..t_m, 1 <= m <= $max_hops (at most 8), over distinct accounts, from a
// source to a target, time-respecting (ts(t_i) <= ts(t_i+1) <= ts(t_i) + $window_days days; null:
// no upper bound) and carrying (amount(t_i+1) >= $min_carry * amount(t_i)). Hub bound: only an
// account's $fanout_cap largest out-transfers are followed (amount desc, then id asc; null: all).
// These are exactly the rules of toolkit.paths.enumerate_paths, which the tests hold this to.
//
// How: breadth first, one block per hop (the blocks are identical). `open` holds the paths that
// may still grow, `found` those that end at a target. A block groups the open paths by their
// last account, reads that account's out-transfers ONCE (a hub reached by a thousand paths is
// read once per hop, not a thousand times), keeps its $fanout_cap largest, and extends every
// path of the group by those that keep the time and carry rules and reach a new account; on the
// last hop only transfers into a target are kept. The top $fanout_cap are picked by a bounded
// insertion (reduce) rather than ORDER BY ... LIMIT: a Top operator here would hold rows that
// carry the grouped paths, which the server's memory accounting counts once per held row.
// Why not a quantified path pattern or apoc.path.expandConfig: the time and carry rules compare
// consecutive hops, which neither can test while expanding, so both walk every simple path of up
// to L hops and filter afterwards (docs/paths.md has the measurements).
// The search stops growing once more than $limit paths are found (the caller passes one more
// than it accepts, to tell "at the limit" from "over it"). Results are unordered.
/* :params { sources: ['AC10000001'], targets: ['AC10000002'], max_hops: 6, window_days: 30, min_carry: 0.5, fanout_cap: 20, limit: 100001 } */
UNWIND $sources AS source_id
MATCH (s:Account {id: source_id})
WITH DISTINCT s
WITH s, [(s)-[r:TRANSFER]->(w:Account) WHERE w <> s | [r.amount, r.id, r, w]] AS outs
WITH s, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
       ELSE reduce(top = [], o IN outs |
         CASE WHEN size(top) >= $fanout_cap
                   AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
              ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                    + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
         END)
  END AS outs
UNWIND outs AS o
WITH collect({rels: [o[2]], nodes: [s, o[3]]}) AS open
WITH [p IN open WHERE last(p.nodes).id IN $targets] AS found,
     [p IN open WHERE $max_hops > 1] AS open
// hop 2
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 3
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 4
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 5
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 6
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 7
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 8
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w:Account) WHERE w <> v | [r.amount, r.id, r, w]] AS outs
  WITH group, CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1] < o[1])) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1])] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1] < o[1]))])[..$fanout_cap]
           END)
    END AS outs
  UNWIND outs AS o
  UNWIND group AS p
  WITH p, o[2] AS r, o[3] AS w, last(p.rels) AS prev
  WHERE prev.ts <= r.ts AND r.amount >= $min_carry * prev.amount AND NOT w IN p.nodes
    AND ($window_days IS NULL OR r.ts <= prev.ts + duration({seconds: $window_days * 86400}))
    AND (size(p.rels) + 1 < $max_hops OR w.id IN $targets)
  RETURN collect({rels: p.rels + r, nodes: p.nodes + w}) AS grown
}
WITH found + [p IN grown WHERE last(p.nodes).id IN $targets] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
UNWIND found[..$limit] AS p
RETURN p.nodes[0].id AS source, last(p.nodes).id AS target, [n IN p.nodes | n.id] AS accounts,
       [r IN p.rels | r.id] AS transfers, [r IN p.rels | r.amount] AS amounts,
       [r IN p.rels | r.ts.epochSeconds] AS ts
