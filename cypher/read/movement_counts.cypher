// read/movement_counts: how many movements of each kind the graph holds (count store, instant)
// mode: read      returns: transfer, deposit, withdrawal
/* :params {} */
CALL () { MATCH ()-[t:TRANSFER]->() RETURN count(t) AS transfer }
CALL () { MATCH ()-[d:DEPOSIT]->() RETURN count(d) AS deposit }
CALL () { MATCH ()-[w:WITHDRAWAL]->() RETURN count(w) AS withdrawal }
RETURN transfer, deposit, withdrawal
