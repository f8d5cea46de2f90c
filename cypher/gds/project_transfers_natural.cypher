// gds/project_transfers_natural: accounts and transfers as directed edges, parallel transfers merged
// mode: write      returns: graphName, nodeCount, relationshipCount
// A native projection (fast): one edge per ordered pair of accounts that transferred, so the
// degree of a node is its number of distinct counterparties. Used for the degree features (and
// their cross-check against NumPy). Drop it with gds/drop_transfers_natural.
/* :params { graph_name: 'aml-natural' } */
CALL gds.graph.project($graph_name, 'Account',
  {TRANSFER: {orientation: 'NATURAL', aggregation: 'SINGLE'}})
YIELD graphName, nodeCount, relationshipCount
RETURN graphName, nodeCount, relationshipCount
