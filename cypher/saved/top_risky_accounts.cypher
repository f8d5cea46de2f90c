// saved/top_risky_accounts: the riskiest accounts of the latest score run, with their reasons
// mode: read      returns: account, class, score, flagged, reasons, cluster, abnormal
// Paste into Neo4j Browser; change `top` in the :params line. Open an account's reasons with
// `aml explain <id>` or: MATCH (f:Flag)-[:FLAGS]->(:Account {id: '<id>'}) RETURN f
/* :params { top: 25 } */
MATCH (r:DetectionRun {status: 'complete', detector: 'scores'})
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
MATCH (a:Account) WHERE a.amlScoreRunId = r.id AND a.amlScore > 0
RETURN a.id AS account, a.class AS class, round(a.amlScore, 3) AS score, a.amlFlagged AS flagged,
       a.amlReasons AS reasons, a.amlCluster AS cluster, a.amlAbnormal AS abnormal
ORDER BY a.amlScore DESC, a.id
LIMIT $top
