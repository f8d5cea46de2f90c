// load/alerts: the injected laundering instances (truth/alerts.csv), linked to their accounts
// mode: write      returns: written
// (:Alert {id, typology, movements})-[:INVOLVES]->(:Account). Ground truth: detection never reads it.
/* :params { id: ['A000001'], typology: ['cycle'], accounts: [['A1', 'A2']], movements: [['t1', 't2']] } */
UNWIND range(0, size($id) - 1) AS i
MERGE (al:Alert {id: $id[i]})
SET al.typology = $typology[i], al.movements = $movements[i], al.accountIds = $accounts[i]
WITH al, i
UNWIND $accounts[i] AS accId
MATCH (a:Account {id: accId})
MERGE (al)-[:INVOLVES]->(a)
RETURN count(DISTINCT al) AS written
