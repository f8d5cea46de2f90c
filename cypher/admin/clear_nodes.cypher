// admin/clear_nodes: delete every node of the database, in batches of $batch_size
// mode: autocommit      returns: nothing
/* :params { batch_size: 50000 } */
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch_size ROWS
