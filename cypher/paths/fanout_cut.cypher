// paths/fanout_cut: what the hub bound of the path search cuts, over the whole network
// mode: read      returns: accounts_capped, transfers_cut
// An account's eligible out-transfers (to another account) beyond its $fanout_cap largest are
// never followed by paths/enumerate: this counts the accounts that have more and the transfers
// dropped (the figures of toolkit.paths.EnumerationStats). A null cap cuts nothing.
/* :params { fanout_cap: 20 } */
MATCH (a:Account)
WHERE $fanout_cap IS NOT NULL AND COUNT { (a)-[:TRANSFER]->() } > $fanout_cap
WITH a, COUNT { (a)-[:TRANSFER]->(b:Account) WHERE b <> a } AS eligible
WHERE eligible > $fanout_cap
RETURN count(a) AS accounts_capped, coalesce(sum(eligible - $fanout_cap), 0) AS transfers_cut
