// read/truth_accounts: account ground truth, for evaluation only (detection never reads it)
// mode: read      returns: ids, labels
// Only accounts with a (:AccountTruth) node are labelled; the generator's files label every account.
/* :params {} */
MATCH (t:AccountTruth)
RETURN collect(t.id) AS ids,
       collect(coalesce(t.isLaundering IN [true, 'true', 'True', 'TRUE', 1, '1'], false)) AS labels
