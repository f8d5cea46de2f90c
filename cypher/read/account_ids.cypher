// read/account_ids: every account id in the graph (the loader checks movements against them)
// mode: read      returns: ids
/* :params {} */
MATCH (a:Account) RETURN collect(a.id) AS ids
