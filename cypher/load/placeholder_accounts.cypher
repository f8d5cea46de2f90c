// load/placeholder_accounts: create accounts that movements name but no accounts file described
// mode: write      returns: written (placeholders created)
// Used by `aml load --create-missing`. The placeholder carries `placeholder: true` and class
// 'unknown' until an accounts file describes it (load/accounts completes it then).
/* :params { id: ['X9'], currency: ['USD'] } */
UNWIND range(0, size($id) - 1) AS i
MERGE (a:Account {id: $id[i]})
ON CREATE SET a.class = 'unknown', a.currency = $currency[i], a.country = 'ZZ', a.placeholder = true,
              a.created = true
WITH a WHERE a.created
REMOVE a.created
RETURN count(*) AS written
