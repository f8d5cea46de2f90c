// gds/project_transfers_undirected: project accounts and transfers (both directions, amount weights)
// mode: write      returns: graphName, nodeCount, relationshipCount
// FastRP and K-means want an undirected view of who deals with whom; the amount is the weight.
// Drop it with gds.graph.drop($graph_name) (the toolkit's projection() context manager does).
/* :params { graph_name: 'aml-example' } */
MATCH (a:Account)
OPTIONAL MATCH (a)-[t:TRANSFER]->(b:Account)
WITH gds.graph.project($graph_name, a, b,
       {relationshipProperties: {amount: coalesce(t.amount, 0.0)}},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
