// read/stats: how big the financial network is; `aml stats --json` prints exactly this
// mode: read      returns: accounts, transfers, deposits, withdrawals, amount_cents
// The amount total is summed in integer cents so that two identical graphs give identical bytes
// whatever order the server scans them in.
/* :params {} */
CALL () { MATCH (a:Account) RETURN count(a) AS accounts }
CALL () { MATCH ()-[t:TRANSFER]->() RETURN count(t) AS transfers, sum(toInteger(round(t.amount * 100))) AS tc }
CALL () { MATCH ()-[d:DEPOSIT]->() RETURN count(d) AS deposits, sum(toInteger(round(d.amount * 100))) AS dc }
CALL () { MATCH ()-[w:WITHDRAWAL]->() RETURN count(w) AS withdrawals, sum(toInteger(round(w.amount * 100))) AS wc }
RETURN accounts, transfers, deposits, withdrawals, tc + dc + wc AS amount_cents
