// writeback/mark_interrupted: mark runs left 'running' by a job that died as failed
// mode: write      returns: ids
// A run whose process or server stopped mid-way could not mark itself failed; the next run of the
// same detector does it, so no run stays 'running' for ever. Its partial results are never
// current (only complete runs count) and are removed when a later run supersedes it.
/* :params { detector: 'amounts', id: 'run-2' } */
MATCH (r:DetectionRun {detector: $detector, status: 'running'})
WHERE r.id <> $id
SET r.status = 'failed', r.error = coalesce(r.error, 'interrupted: the job or the server stopped before the run finished')
RETURN collect(r.id) AS ids
