// gds/drop_accounts_weighted: drop a projection made by gds/project_accounts_weighted (no error if absent)
// mode: write      returns: graphName
// The toolkit drops its projections itself, also when a step fails; this file is for Browser users.
/* :params { graph_name: 'aml-accounts' } */
CALL gds.graph.drop($graph_name, false) YIELD graphName
RETURN graphName
