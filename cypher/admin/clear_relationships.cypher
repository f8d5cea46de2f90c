// admin/clear_relationships: delete every relationship of the database, in batches of $batch_size
// mode: autocommit      returns: nothing
// Relationships go first so that dense nodes (the (:Cash) node) are never deleted with millions
// of relationships in one transaction.
/* :params { batch_size: 50000 } */
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF $batch_size ROWS
