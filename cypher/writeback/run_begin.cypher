// writeback/run_begin: record the start of a detection run
// mode: write      returns: id
// Every result the toolkit writes carries the id of its (:DetectionRun). `params_key` identifies
// the detector and its parameters: a later run with the same key replaces this run's results.
/* :params { id: 'run-20250101-0001', detector: 'amounts', params: '{}', params_key: 'abc', version: '0.1.0', started: 1735689600 } */
CREATE (r:DetectionRun {id: $id, detector: $detector, params: $params, paramsKey: $params_key,
                        version: $version, started: datetime({epochSeconds: $started}),
                        status: 'running'})
RETURN r.id AS id
