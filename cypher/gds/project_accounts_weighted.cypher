// gds/project_accounts_weighted: accounts and who-pays-whom, one undirected edge per pair, log-amount weights
// mode: write      returns: graphName, nodeCount, relationshipCount
// The embeddings (FastRP, Node2Vec) want an undirected view of who deals with whom. Parallel
// transfers between two accounts are summed first, then weighted by log(1 + total amount): raw
// amounts are heavy-tailed and would let one large counterparty swamp every other neighbour.
// `transfers` is the number of transfers behind the edge. Accounts without transfers are kept
// (isolated nodes), so every account gets an embedding. Drop it with gds/drop_accounts_weighted.
/* :params { graph_name: 'aml-accounts' } */
MATCH (a:Account)
OPTIONAL MATCH (a)-[t:TRANSFER]->(b:Account)
WITH a, b, sum(t.amount) AS amount, count(t) AS transfers
WITH gds.graph.project($graph_name, a, b,
       {relationshipProperties: {weight: log(1.0 + amount), transfers: toFloat(transfers)}},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
