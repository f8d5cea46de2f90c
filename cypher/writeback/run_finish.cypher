// writeback/run_finish: mark a run complete (with its counts) or failed (with the error)
// mode: write      returns: id, status
/* :params { id: 'run-20250101-0001', status: 'complete', counts: '{}', error: null, finished: 1735689600 } */
MATCH (r:DetectionRun {id: $id})
SET r.status = $status, r.counts = $counts, r.error = $error,
    r.finished = datetime({epochSeconds: $finished})
RETURN r.id AS id, r.status AS status
