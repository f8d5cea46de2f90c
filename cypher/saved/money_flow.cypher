// saved/money_flow: money flowing around an account, up to 2 hops in and out
// mode: read      returns: path (draw it in Browser's graph view)
// Transfers into the account and onward from its counterparties (and the same outwards),
// at most $limit paths, largest amounts first; cash in and out of the account itself too.
/* :params { account_id: 'AC00000001', limit: 100 } */
MATCH (a:Account {id: $account_id})
CALL (a) {
  MATCH p = (a)-[t1:TRANSFER]->(:Account)-[t2:TRANSFER]->(:Account)
  WHERE t2.ts >= t1.ts
  RETURN p, t1.amount AS amount
  UNION
  MATCH p = (:Account)-[t1:TRANSFER]->(:Account)-[t2:TRANSFER]->(a)
  WHERE t2.ts >= t1.ts
  RETURN p, t2.amount AS amount
  UNION
  MATCH p = (a)-[m:DEPOSIT|WITHDRAWAL]-(:Cash)
  RETURN p, m.amount AS amount
}
RETURN p ORDER BY amount DESC LIMIT $limit
