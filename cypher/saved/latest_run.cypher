// saved/latest_run: the latest detection run and what it found
// mode: read      returns: run, detector, status, started, finished, counts, flags, accounts
// The newest complete run (of any detector), its counts per rule, and how many flags and
// distinct accounts it wrote.
/* :params {} */
MATCH (r:DetectionRun) WHERE r.status = 'complete'
WITH r ORDER BY r.started DESC, r.id DESC LIMIT 1
OPTIONAL MATCH (f:Flag {runId: r.id})-[:FLAGS]->(a:Account)
RETURN r.id AS run, r.detector AS detector, r.status AS status, toString(r.started) AS started,
       toString(r.finished) AS finished, r.counts AS counts, count(f) AS flags, count(DISTINCT a) AS accounts
