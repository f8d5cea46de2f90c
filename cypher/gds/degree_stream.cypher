// gds/degree_stream: distinct senders (REVERSE) or receivers (NATURAL) of every account, as two lists
// mode: read      returns: ids, degrees
// Run on gds/project_transfers_natural. `orientation` is 'NATURAL' (out-degree) or 'REVERSE' (in-degree).
/* :params { graph_name: 'aml-natural', orientation: 'NATURAL' } */
CALL gds.degree.stream($graph_name, {orientation: $orientation})
YIELD nodeId, score
RETURN collect(gds.util.asNode(nodeId).id) AS ids, collect(score) AS degrees
