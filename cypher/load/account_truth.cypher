// load/account_truth: ground truth of accounts, kept apart from what detection reads
// mode: write      returns: written
// (:AccountTruth {id, isLaundering, typology, alertId}) shares the account's id; only evaluation
// reads it. Re-loading overwrites it with the same values.
/* :params { id: ['A1'], is_laundering: [true], typology: ['fan_in'], alert_id: ['A000001'] } */
UNWIND range(0, size($id) - 1) AS i
MERGE (t:AccountTruth {id: $id[i]})
SET t.isLaundering = $is_laundering[i], t.typology = $typology[i], t.alertId = $alert_id[i]
RETURN count(*) AS written
