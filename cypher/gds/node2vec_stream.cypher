// gds/node2vec_stream: Node2Vec (DeepWalk when p = q = 1) embedding of every account, one row per account
// mode: read      returns: id, embedding
// `config` is Node2Vec's configuration map (embeddingDimension, walkLength, walksPerNode,
// windowSize, inOutFactor, returnFactor, iterations, randomSeed, concurrency...). Reproducible
// only with a randomSeed and concurrency 1.
/* :params { graph_name: 'aml-accounts', config: {embeddingDimension: 32, walkLength: 20, walksPerNode: 5, randomSeed: 42, concurrency: 1} } */
CALL gds.node2vec.stream($graph_name, $config)
YIELD nodeId, embedding
RETURN gds.util.asNode(nodeId).id AS id, embedding
