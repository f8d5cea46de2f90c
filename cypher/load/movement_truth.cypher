// load/movement_truth: ground truth of movements labelled as laundering (absent = honest)
// mode: write      returns: written
// Only positive labels get a node: a 2M-movement file with 1% laundering makes 20k nodes, not 2M.
// (:AmlMeta {id: 'truth'}).movementLabels says that labels were loaded at all.
/* :params { id: ['t1'], typology: ['cycle'], alert_id: ['A000001'] } */
MERGE (m:AmlMeta {id: 'truth'}) SET m.movementLabels = true
WITH m
UNWIND range(0, size($id) - 1) AS i
MERGE (t:MovementTruth {id: $id[i]})
SET t.isLaundering = true, t.typology = $typology[i], t.alertId = $alert_id[i]
RETURN count(*) AS written
