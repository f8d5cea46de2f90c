// writeback/supersede: mark earlier runs with the same detector and parameters as superseded
// mode: write      returns: ids (the superseded runs, whose results writeback/delete_results removes)
// Called after a run completed, so a failed run never removes the results it would replace.
// The older (:DetectionRun) nodes stay as history.
/* :params { id: 'run-20250101-0002', params_key: 'abc' } */
MATCH (old:DetectionRun {paramsKey: $params_key})
WHERE old.id <> $id AND NOT old.status ENDS WITH 'superseded'
SET old.status = CASE old.status WHEN 'complete' THEN 'superseded' ELSE old.status + '-superseded' END
RETURN collect(old.id) AS ids
