// gds/fastrp_stream: FastRP embedding of every account of a projection, one row per account
// mode: read      returns: id, embedding
// `config` is FastRP's configuration map (embeddingDimension, iterationWeights, randomSeed,
// concurrency, relationshipWeightProperty...). A fixed randomSeed with concurrency 1 gives the
// same vectors on every run.
/* :params { graph_name: 'aml-accounts', config: {embeddingDimension: 32, randomSeed: 42, concurrency: 1} } */
CALL gds.fastRP.stream($graph_name, $config)
YIELD nodeId, embedding
RETURN gds.util.asNode(nodeId).id AS id, embedding
