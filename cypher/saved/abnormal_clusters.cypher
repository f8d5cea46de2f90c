// saved/abnormal_clusters: the clusters of the latest embeddings run, with their abnormal members
// mode: read      returns: cluster, size, abnormal, abnormal_share, flagged_members, examples
// One row per cluster, the most abnormal first. `flagged_members` counts members flagged by the
// combined score; `examples` lists a few abnormal accounts farthest from the centroid.
/* :params { examples: 5 } */
MATCH (r:DetectionRun {status: 'complete', detector: 'embeddings'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (a:Account) WHERE a.amlClusterRunId = r.id
WITH a.amlCluster AS cluster, a ORDER BY a.amlCentroidDistance DESC
WITH cluster, count(a) AS size, sum(CASE WHEN a.amlAbnormal THEN 1 ELSE 0 END) AS abnormal,
     sum(CASE WHEN a.amlFlagged THEN 1 ELSE 0 END) AS flagged_members,
     collect(CASE WHEN a.amlAbnormal THEN a.id END)[0..$examples] AS examples
RETURN cluster, size, abnormal, round(toFloat(abnormal) / size, 4) AS abnormal_share, flagged_members, examples
ORDER BY abnormal_share DESC, size
