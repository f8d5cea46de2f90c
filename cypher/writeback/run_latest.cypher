// writeback/run_latest: the latest complete run of a detector (or of any detector when null)
// mode: read      returns: id, detector, started, finished, params, counts, status
/* :params { detector: null } */
MATCH (r:DetectionRun)
WHERE r.status = 'complete' AND ($detector IS NULL OR r.detector = $detector)
RETURN r.id AS id, r.detector AS detector, toString(r.started) AS started, toString(r.finished) AS finished,
       r.params AS params, r.counts AS counts, r.status AS status
ORDER BY r.started DESC, r.id DESC LIMIT 1
