// read/network_accounts: every account's attributes as parallel lists (one bulk read for NumPy)
// mode: read      returns: nids, ids, classes, currencies, countries, opened, capital, customers
// Detection reads the graph once and works vectorised in process; one record of lists moves
// far faster over Bolt than one record per account. `nids` are the server's internal node ids,
// used only within this read to join movements to accounts as integers instead of strings.
/* :params {} */
MATCH (a:Account)
RETURN collect(id(a)) AS nids, collect(a.id) AS ids, collect(coalesce(a.class, 'unknown')) AS classes,
       collect(coalesce(a.currency, 'USD')) AS currencies, collect(coalesce(a.country, 'ZZ')) AS countries,
       collect(CASE WHEN a.opened IS NULL THEN 0 ELSE datetime({date: a.opened}).epochSeconds END) AS opened,
       collect(coalesce(toFloat(a.registeredCapital), -1.0)) AS capital,
       collect(coalesce(a.customer, '')) AS customers
