// detect/amount_bounds: per account, count, mean and sample sd of the USD amounts it initiates
// mode: read      returns: account, class, currency, n, mu, sigma
// The Cypher form of toolkit.amounts.account_bounds' aggregate (toolkit/amounts/cypher_oracle.py):
// an account initiates the deposits into it and the transfers and withdrawals out of it. Amounts
// are converted with $usd_rates (USD per unit; a code without a rate counts at face value) and,
// with $log_scale, taken as natural logs of the positive ones. stDev is the sample sd (n - 1);
// Cypher gives 0.0 for n = 1 where the NumPy side has NaN, so callers treat n < 2 as "no sd".
// Every account comes back, n = 0 and null mu for those that initiated nothing. The t / normal
// quantile and the class-and-currency fallback are applied in Python after this aggregate.
/* :params { usd_rates: {USD: 1.0, EUR: 1.08, GBP: 1.27}, log_scale: false } */
MATCH (a:Account)
CALL (a) {
  CALL (a) {
    MATCH (:Cash)-[d:DEPOSIT]->(a) RETURN d.amount AS amount, d.currency AS currency
    UNION ALL
    MATCH (a)-[t:TRANSFER]->(:Account) RETURN t.amount AS amount, t.currency AS currency
    UNION ALL
    MATCH (a)-[w:WITHDRAWAL]->(:Cash) RETURN w.amount AS amount, w.currency AS currency
  }
  WITH amount * coalesce($usd_rates[coalesce(currency, '')], 1.0) AS usd
  WHERE usd IS NOT NULL AND NOT isNaN(usd) AND (NOT $log_scale OR usd > 0)
  WITH CASE WHEN $log_scale THEN log(usd) ELSE usd END AS x
  RETURN count(x) AS n, avg(x) AS mu, stDev(x) AS sigma
}
RETURN a.id AS account, coalesce(a.class, 'unknown') AS class, coalesce(a.currency, 'USD') AS currency,
       n, mu, sigma
