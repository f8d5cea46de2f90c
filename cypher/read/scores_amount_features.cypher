// read/scores_amount_features: per-account amount features computed on the server, as parallel lists
// mode: read      returns: ids, tx_in_count, tx_out_count, tx_in_sum, tx_out_sum, log_in_degree, log_out_degree, dep_count, dep_sum, wd_count, wd_sum, amount_log_mean, amount_log_std, pass_through
// Used by the embeddings job when no in-memory network is at hand: only ~14 numbers per account
// cross the wire instead of every movement. Counts and sums are log(1 + x); amounts are taken in
// their own currency (the in-process version converts to USD first). Ground truth is not read.
/* :params {} */
MATCH (a:Account)
CALL (a) {
  OPTIONAL MATCH (a)<-[t:TRANSFER]-(s:Account)
  RETURN count(t) AS tin, coalesce(sum(t.amount), 0.0) AS sin, count(DISTINCT s) AS din,
         coalesce(sum(log(1.0 + t.amount)), 0.0) AS l1in, coalesce(sum(log(1.0 + t.amount) ^ 2), 0.0) AS l2in
}
CALL (a) {
  OPTIONAL MATCH (a)-[t:TRANSFER]->(d:Account)
  RETURN count(t) AS tout, coalesce(sum(t.amount), 0.0) AS sout, count(DISTINCT d) AS dout,
         coalesce(sum(log(1.0 + t.amount)), 0.0) AS l1out, coalesce(sum(log(1.0 + t.amount) ^ 2), 0.0) AS l2out
}
CALL (a) {
  OPTIONAL MATCH (a)<-[m:DEPOSIT]-(:Cash)
  RETURN count(m) AS dn, coalesce(sum(m.amount), 0.0) AS ds,
         coalesce(sum(log(1.0 + m.amount)), 0.0) AS l1d, coalesce(sum(log(1.0 + m.amount) ^ 2), 0.0) AS l2d
}
CALL (a) {
  OPTIONAL MATCH (a)-[m:WITHDRAWAL]->(:Cash)
  RETURN count(m) AS wn, coalesce(sum(m.amount), 0.0) AS ws,
         coalesce(sum(log(1.0 + m.amount)), 0.0) AS l1w, coalesce(sum(log(1.0 + m.amount) ^ 2), 0.0) AS l2w
}
WITH a, tin, sin, din, tout, sout, dout, dn, ds, wn, ws,
     tin + tout + dn + wn AS n, l1in + l1out + l1d + l1w AS l1, l2in + l2out + l2d + l2w AS l2
WITH a, tin, sin, din, tout, sout, dout, dn, ds, wn, ws, n,
     CASE WHEN n > 0 THEN l1 / n ELSE 0.0 END AS mean, CASE WHEN n > 0 THEN l2 / n ELSE 0.0 END AS sq
RETURN collect(a.id) AS ids,
       collect(log(1.0 + tin)) AS tx_in_count, collect(log(1.0 + tout)) AS tx_out_count,
       collect(log(1.0 + sin)) AS tx_in_sum, collect(log(1.0 + sout)) AS tx_out_sum,
       collect(log(1.0 + din)) AS log_in_degree, collect(log(1.0 + dout)) AS log_out_degree,
       collect(log(1.0 + dn)) AS dep_count, collect(log(1.0 + ds)) AS dep_sum,
       collect(log(1.0 + wn)) AS wd_count, collect(log(1.0 + ws)) AS wd_sum,
       collect(mean) AS amount_log_mean,
       collect(sqrt(CASE WHEN sq - mean * mean > 0 THEN sq - mean * mean ELSE 0.0 END)) AS amount_log_std,
       collect(CASE WHEN sin + ds > 0 THEN
                 CASE WHEN (sout + ws) / (sin + ds) > 10.0 THEN 10.0 ELSE (sout + ws) / (sin + ds) END
               ELSE 0.0 END) AS pass_through
