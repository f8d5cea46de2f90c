// admin/count_all: how many nodes and relationships the database holds (from the count store)
// mode: read      returns: nodes, relationships
/* :params {} */
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
