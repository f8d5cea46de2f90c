// gds/kmeans_stream: GDS K-means over a node property of a projection, one row per account
// mode: read      returns: id, cluster, distance
// `config`: nodeProperty, k, randomSeed, concurrency, maxIterations, numberOfRestarts.
// `distance` is the Euclidean distance of the account to its cluster's centroid.
/* :params { graph_name: 'aml-accounts', config: {nodeProperty: 'embedding', k: 8, randomSeed: 42, concurrency: 1} } */
CALL gds.kmeans.stream($graph_name, $config)
YIELD nodeId, communityId, distanceFromCentroid
RETURN gds.util.asNode(nodeId).id AS id, communityId AS cluster, distanceFromCentroid AS distance
