// saved/path_hops: the hops of one laundering path, in order: who paid whom, how much and when
// mode: read      returns: hop, from, from_class, to, to_class, transfer, amount, currency, ts, channel, carried, after
// The transfers of (:LaunderingPath {id: $path_id}) as loaded (amount, currency, time, channel),
// with `carried` = the share of the previous hop's amount this hop moved on and `after` = the
// time since the previous hop (null on the first hop). Path ids come from
// saved/optimal_paths_ranked or saved/paths_through_account.
/* :params { path_id: 'paths-20250101T000000-abcdef:0' } */
MATCH (p:LaunderingPath {id: $path_id})
UNWIND range(0, size(p.transfers) - 1) AS i
MATCH (a:Account)-[t:TRANSFER {id: p.transfers[i]}]->(b:Account)
WITH i, a, b, t ORDER BY i
WITH collect({i: i, a: a, b: b, t: t}) AS hops
UNWIND hops AS h
WITH h, CASE WHEN h.i = 0 THEN null ELSE hops[h.i - 1].t END AS prev
RETURN h.i + 1 AS hop, h.a.id AS from, h.a.class AS from_class, h.b.id AS to, h.b.class AS to_class,
       h.t.id AS transfer, h.t.amount AS amount, h.t.currency AS currency, h.t.ts AS ts,
       h.t.channel AS channel,
       CASE WHEN prev IS NULL THEN null ELSE round(h.t.amount / prev.amount, 4) END AS carried,
       CASE WHEN prev IS NULL THEN null ELSE duration.between(prev.ts, h.t.ts) END AS after
ORDER BY hop
