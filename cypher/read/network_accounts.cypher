// read/network_accounts: every account's attributes as parallel lists (one bulk read for NumPy)
// mode: read      returns: ids, classes, currencies, countries, opened, capital, customers
// Detection reads the graph once and works vectorised in process; one record of lists moves
// far faster over Bolt than one record per account.
/* :params {} */
MATCH (a:Account)
RETURN collect(a.id) AS ids, collect(coalesce(a.class, 'unknown')) AS classes,
       collect(coalesce(a.currency, 'USD')) AS currencies, collect(coalesce(a.country, 'ZZ')) AS countries,
       collect(coalesce(datetime({date: a.opened}).epochSeconds, 0)) AS opened,
       collect(coalesce(toFloat(a.registeredCapital), -1.0)) AS capital,
       collect(coalesce(a.customer, '')) AS customers
