// gds/fastrp_mutate: FastRP embeddings stored in the projection (not the database) as `embedding`
// mode: write      returns: nodePropertiesWritten
// For server-side K-means (gds/kmeans_stream), so the vectors never leave the server.
/* :params { graph_name: 'aml-accounts', config: {embeddingDimension: 32, randomSeed: 42, concurrency: 1, mutateProperty: 'embedding'} } */
CALL gds.fastRP.mutate($graph_name, $config)
YIELD nodePropertiesWritten
RETURN nodePropertiesWritten
