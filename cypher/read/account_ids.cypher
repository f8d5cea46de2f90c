// read/account_ids: every account id in the graph, with its internal node id
// mode: read      returns: ids, nodes
// The loader checks movements against the ids, and its fast first-load queries find a movement's
// accounts by node id (a seek instead of an index lookup); node ids stay valid while the account
// exists.
/* :params {} */
MATCH (a:Account) RETURN collect(a.id) AS ids, collect(id(a)) AS nodes
