// read/network_movements: the movements of a chunk of accounts as parallel lists
// mode: read      returns: ids, kinds, src, dst, amounts, currencies, ts, channels
// Transfers and withdrawals of the accounts in $nids (their senders), deposits into them.
// Accounts travel as internal node ids (integers, -1 for the cash side): the reader maps them
// back to account rows. Ground truth is not read here: detection never sees it.
/* :params { nids: [0, 1, 2] } */
UNWIND $nids AS nid
MATCH (a:Account) WHERE id(a) = nid
CALL (a, nid) {
  MATCH (a)-[t:TRANSFER]->(b:Account)
  RETURN t.id AS id, 1 AS kind, nid AS src, id(b) AS dst, t.amount AS amount, t.currency AS currency,
         t.ts.epochSeconds AS ts, t.channel AS channel
  UNION ALL
  MATCH (:Cash)-[d:DEPOSIT]->(a)
  RETURN d.id AS id, 0 AS kind, -1 AS src, nid AS dst, d.amount AS amount, d.currency AS currency,
         d.ts.epochSeconds AS ts, d.channel AS channel
  UNION ALL
  MATCH (a)-[w:WITHDRAWAL]->(:Cash)
  RETURN w.id AS id, 2 AS kind, nid AS src, -1 AS dst, w.amount AS amount, w.currency AS currency,
         w.ts.epochSeconds AS ts, w.channel AS channel
}
RETURN collect(id) AS ids, collect(kind) AS kinds, collect(src) AS src, collect(dst) AS dst,
       collect(amount) AS amounts, collect(currency) AS currencies, collect(ts) AS ts,
       collect(channel) AS channels
