// paths/enumerate: candidate laundering paths from $sources to $targets, one hop at a time
// mode: read      returns: source, target, accounts, transfers, amounts, ts
// A path is transfers t_1..t_m, 1 <= m <= $max_hops (at most 8), over distinct accounts, from a
// source to a target, time-respecting (ts(t_i) <= ts(t_i+1) <= ts(t_i) + $window_days days; null:
// no upper bound) and carrying (amount(t_i+1) >= $min_carry * amount(t_i)). Hub bound: only an
// account's $fanout_cap largest out-transfers are followed (amount desc, then id asc; null: all).
// These are exactly the rules of toolkit.paths.enumerate_paths, which the tests hold this to.
// $pair_targets (optional, null: every target for every source) maps a source id to the only
// targets its paths may end at, for a search over given (S0, S_{N+1}) pairs. $near (optional,
// null: no pruning) maps account ids to the fewest transfers from them to any target, ignoring
// time and amounts (a lower bound, so pruning by it drops no path); accounts not in it are
// taken to be out of reach.
//
// How: breadth first, one block per hop (the blocks are identical). `open` holds the paths that
// may still grow, `found` those that end at a target. A block groups the open paths by their
// last account, reads that account's out-transfers ONCE (a hub reached by a thousand paths is
// read once per hop, not a thousand times), keeps its $fanout_cap largest, and extends every
// path of the group by those that keep the time and carry rules, reach a new account and leave
// enough hops to reach a target. The top $fanout_cap are picked by a bounded insertion (reduce)
// rather than ORDER BY ... LIMIT: a Top operator here would hold rows that carry the grouped
// paths, which the server's memory accounting counts once per held row. (A TRANSFER always
// joins two accounts, so its far end needs no label check.)
// Why not a quantified path pattern or apoc.path.expandConfig: the time and carry rules compare
// consecutive hops, which neither can test while expanding, so both walk every simple path of up
// to L hops and filter afterwards (docs/paths.md has the measurements).
// The search stops growing once more than $limit paths are found (the caller passes one more
// than it accepts, to tell "at the limit" from "over it"). Results are unordered.
/* :params { sources: ['AC10000001'], targets: ['AC10000002'], pair_targets: null, near: null, max_hops: 6, window_days: 30, min_carry: 0.5, fanout_cap: 20, limit: 100001 } */
UNWIND $sources AS source_id
MATCH (s:Account {id: source_id})
WITH DISTINCT s
WITH s, [(s)-[r:TRANSFER]->(w) WHERE w <> s | [r.amount, r, w]] AS outs
WITH s, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
       ELSE reduce(top = [], o IN outs |
         CASE WHEN size(top) >= $fanout_cap
                   AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
              ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                    + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
         END)
  END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
UNWIND outs AS o
WITH s, o
WHERE ($max_hops > 1 OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[s.id] END))
  AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops)
WITH collect({rels: [o[2]], nodes: [s, o[3]], source: s.id, at: o[5], ts: o[4], amount: o[0]}) AS open
WITH [p IN open WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found,
     [p IN open WHERE $max_hops > 1] AS open
// hop 2
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 3
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 4
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 5
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 6
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 7
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
// hop 8
CALL (open) {
  UNWIND open AS p
  WITH last(p.nodes) AS v, collect(p) AS group
  WITH group, [(v)-[r:TRANSFER]->(w) WHERE w <> v | [r.amount, r, w]] AS outs
  WITH group, [o IN CASE WHEN $fanout_cap IS NULL OR size(outs) <= $fanout_cap THEN outs
         ELSE reduce(top = [], o IN outs |
           CASE WHEN size(top) >= $fanout_cap
                     AND (last(top)[0] > o[0] OR (last(top)[0] = o[0] AND last(top)[1].id < o[1].id)) THEN top
                ELSE ([x IN top WHERE x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id)] + [o]
                      + [x IN top WHERE NOT (x[0] > o[0] OR (x[0] = o[0] AND x[1].id < o[1].id))])[..$fanout_cap]
           END)
    END | [o[0], o[1].id, o[1], o[2], o[1].ts, o[2].id]] AS outs
  // only the transfers some path of the group could take next: no earlier than the earliest
  // arrival, within a window of the latest, carrying enough of the smallest amount
  WITH group, outs,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts < m THEN p.ts ELSE m END) AS earliest,
       reduce(m = group[0].ts, p IN group | CASE WHEN p.ts > m THEN p.ts ELSE m END) AS latest,
       reduce(m = group[0].amount, p IN group | CASE WHEN p.amount < m THEN p.amount ELSE m END) AS smallest
  UNWIND outs AS o
  WITH group, o WHERE o[4] >= earliest AND o[0] >= $min_carry * smallest
    AND ($window_days IS NULL OR o[4] <= latest + duration({seconds: $window_days * 86400}))
  UNWIND group AS p
  WITH p, o
  WHERE p.ts <= o[4] AND o[0] >= $min_carry * p.amount
    AND ($window_days IS NULL OR o[4] <= p.ts + duration({seconds: $window_days * 86400}))
    AND ($near IS NULL OR coalesce($near[o[5]], $max_hops) < $max_hops - size(p.rels))
    AND (size(p.rels) + 1 < $max_hops OR (CASE WHEN $pair_targets IS NULL THEN o[5] IN $targets ELSE o[5] IN $pair_targets[p.source] END))
    AND NOT o[3] IN p.nodes
  RETURN collect({rels: p.rels + o[2], nodes: p.nodes + o[3], source: p.source, at: o[5], ts: o[4], amount: o[0]}) AS grown
}
WITH found + [p IN grown WHERE (CASE WHEN $pair_targets IS NULL THEN p.at IN $targets ELSE p.at IN $pair_targets[p.source] END)] AS found, grown
WITH found, CASE WHEN size(found) > $limit THEN [] ELSE [p IN grown WHERE size(p.rels) < $max_hops] END AS open
UNWIND found[..$limit] AS p
RETURN p.source AS source, p.at AS target, [n IN p.nodes | n.id] AS accounts,
       [r IN p.rels | r.id] AS transfers, [r IN p.rels | r.amount] AS amounts,
       [r IN p.rels | r.ts.epochSeconds] AS ts
