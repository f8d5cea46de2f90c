// load/accounts: create the accounts of one batch that are not in the graph yet
// mode: write      returns: written (accounts created or completed in this batch)
// Columns travel as parallel lists (cheaper to pack than a list of maps). An account that exists
// only as a placeholder (made by `aml load --create-missing` for a movement that named it) is
// completed with the file's attributes; any other existing account is left as it is, so a re-run
// changes nothing.
/* :params { id: ['A1'], class: ['personal'], currency: ['USD'], country: ['US'], opened: ['2024-01-31'], registered_capital: [null], customer: [null], name: [null] } */
UNWIND range(0, size($id) - 1) AS i
MERGE (a:Account {id: $id[i]})
ON CREATE SET a.class = $class[i], a.currency = $currency[i], a.country = $country[i],
              a.opened = date($opened[i]), a.registeredCapital = $registered_capital[i],
              a.customer = $customer[i], a.name = $name[i], a.created = true
ON MATCH SET a.created = coalesce(a.placeholder, false)
WITH a, i WHERE a.created
SET a.class = $class[i], a.currency = $currency[i], a.country = $country[i],
    a.opened = date($opened[i]), a.registeredCapital = $registered_capital[i],
    a.customer = $customer[i], a.name = $name[i]
REMOVE a.created, a.placeholder
RETURN count(*) AS written
