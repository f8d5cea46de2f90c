// read/truth_movements: the movements labelled laundering, for evaluation only
// mode: read      returns: labelled, ids
// `labelled` is false when the loaded data carried no movement labels at all (then the movement
// level cannot be evaluated); otherwise a movement without a (:MovementTruth) node is honest.
/* :params {} */
OPTIONAL MATCH (m:AmlMeta {id: 'truth'})
CALL () {
  MATCH (t:MovementTruth) WHERE t.isLaundering
  RETURN collect(t.id) AS ids
}
RETURN coalesce(m.movementLabels, false) AS labelled, ids
