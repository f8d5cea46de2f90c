// gds/drop_transfers_natural: drop a projection made by gds/project_transfers_natural (no error if absent)
// mode: write      returns: graphName
/* :params { graph_name: 'aml-natural' } */
CALL gds.graph.drop($graph_name, false) YIELD graphName
RETURN graphName
