// load/alerts: the injected laundering instances (truth/alerts.csv), linked to their accounts
// mode: write      returns: written (alerts created; existing ones are left as they are)
// (:Alert {id, typology, movements, accountIds})-[:INVOLVES]->(:Account). Ground truth:
// detection never reads it.
/* :params { id: ['A000001'], typology: ['cycle'], accounts: [['A1', 'A2']], movements: [['t1', 't2']] } */
UNWIND range(0, size($id) - 1) AS i
OPTIONAL MATCH (old:Alert {id: $id[i]})
WITH i WHERE old IS NULL
CREATE (al:Alert {id: $id[i], typology: $typology[i], movements: $movements[i], accountIds: $accounts[i]})
WITH al, i
CALL (al, i) {
  UNWIND $accounts[i] AS accId
  MATCH (a:Account {id: accId})
  CREATE (al)-[:INVOLVES]->(a)
}
RETURN count(al) AS written
