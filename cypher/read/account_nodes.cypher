// read/account_nodes: the internal node ids of the accounts with the given ids
// mode: read      returns: ids, nodes
// The loader's fast first-load queries find a movement's accounts by node id (read/account_ids
// gives them for the accounts already in the graph); this reads them for the accounts the loader
// creates later (placeholders, AMLworld's bank + account pairs). Node ids stay valid while the
// account exists.
/* :params { ids: ['A1', 'A2'] } */
UNWIND $ids AS x
MATCH (a:Account {id: x})
RETURN collect(a.id) AS ids, collect(id(a)) AS nodes
