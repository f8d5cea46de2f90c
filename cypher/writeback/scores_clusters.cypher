// writeback/scores_clusters: cluster marks of a batch of accounts, tagged with the embeddings run
// mode: write      returns: written
// a.amlCluster (cluster id), a.amlCentroidDistance (Euclidean distance to its centroid),
// a.amlAbnormal, a.amlAbnormalScore (0..1), a.amlClusterRunId.
/* :params { run_id: 'embeddings-1', ids: ['A1'], clusters: [3], distances: [0.42], abnormal: [false], scores: [0.1] } */
UNWIND range(0, size($ids) - 1) AS i
MATCH (a:Account {id: $ids[i]})
SET a.amlCluster = $clusters[i], a.amlCentroidDistance = $distances[i], a.amlAbnormal = $abnormal[i],
    a.amlAbnormalScore = $scores[i], a.amlClusterRunId = $run_id
RETURN count(*) AS written
