// read/data_present: whether the graph holds accounts, and whether it holds any ground truth
// (evaluation reads labels only when they exist; detection never reads this)
// mode: read      returns: accounts (bool), truth (bool)
/* :params {} */
CALL { MATCH (a:Account) RETURN count(a) > 0 AS accounts }
CALL { OPTIONAL MATCH (t:AccountTruth) RETURN count(t) AS nt }
CALL { OPTIONAL MATCH (m:MovementTruth) RETURN count(m) AS nm }
RETURN accounts, nt + nm > 0 AS truth
