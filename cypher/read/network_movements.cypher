// read/network_movements: every movement as parallel lists (kind 0 deposit, 1 transfer, 2 withdrawal)
// mode: read      returns: ids, kinds, src, dst, amounts, currencies, ts, channels
// Cash sides come back as null account ids. Ground truth is not read here: detection never sees it.
/* :params {} */
CALL () {
  MATCH (a:Account)-[t:TRANSFER]->(b:Account)
  RETURN t.id AS id, 1 AS kind, a.id AS src, b.id AS dst, t.amount AS amount, t.currency AS currency,
         t.ts.epochSeconds AS ts, t.channel AS channel
  UNION ALL
  MATCH (:Cash)-[d:DEPOSIT]->(b:Account)
  RETURN d.id AS id, 0 AS kind, null AS src, b.id AS dst, d.amount AS amount, d.currency AS currency,
         d.ts.epochSeconds AS ts, d.channel AS channel
  UNION ALL
  MATCH (a:Account)-[w:WITHDRAWAL]->(:Cash)
  RETURN w.id AS id, 2 AS kind, a.id AS src, null AS dst, w.amount AS amount, w.currency AS currency,
         w.ts.epochSeconds AS ts, w.channel AS channel
}
RETURN collect(id) AS ids, collect(kind) AS kinds, collect(coalesce(src, "")) AS src,
       collect(coalesce(dst, "")) AS dst,
       collect(amount) AS amounts, collect(currency) AS currencies, collect(ts) AS ts,
       collect(channel) AS channels
