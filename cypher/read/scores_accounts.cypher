// read/scores_accounts: every account id, and whether it moved money at all (the score's population)
// mode: read      returns: ids, active, transfer_active
// A rule's weight depends on the share of *active* accounts it flags; dormant accounts would
// make every rule look rarer than it is. `transfer_active`: at least one transfer (the typology
// detectors' population).
/* :params {} */
MATCH (a:Account)
RETURN collect(a.id) AS ids,
       collect(COUNT { (a)-[:TRANSFER|DEPOSIT|WITHDRAWAL]-() } > 0) AS active,
       collect(COUNT { (a)-[:TRANSFER]-() } > 0) AS transfer_active
