// schema: constraints and indexes of the financial network (run by `aml load` and `aml db init`)
// mode: schema
//
// The graph model (README, "Graph model"):
//   (:Account {id, class, currency, country, opened, registeredCapital, customer, name})
//   (:Account)-[:TRANSFER   {id, amount, currency, ts, channel}]->(:Account)
//   (:Cash {id: 'cash'})-[:DEPOSIT    {id, amount, currency, ts, channel}]->(:Account)
//   (:Account)-[:WITHDRAWAL {id, amount, currency, ts, channel}]->(:Cash {id: 'cash'})
// Cash movements hang off one (:Cash) node, so `(a)-[m:DEPOSIT|WITHDRAWAL]-(:Cash)` is all of an
// account's cash in and out, and every path query that walks :Account nodes never walks cash.
// Ground truth lives apart, on (:AccountTruth) and (:MovementTruth) nodes keyed by the same ids,
// which detection never reads; (:Alert) nodes group a typology's accounts and movements.
// Every id is unique (uniqueness constraints also give the index every MERGE/MATCH uses).
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (a:Account) REQUIRE a.id IS UNIQUE;
CREATE CONSTRAINT cash_id IF NOT EXISTS FOR (c:Cash) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT transfer_id IF NOT EXISTS FOR ()-[t:TRANSFER]-() REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT deposit_id IF NOT EXISTS FOR ()-[d:DEPOSIT]-() REQUIRE d.id IS UNIQUE;
CREATE CONSTRAINT withdrawal_id IF NOT EXISTS FOR ()-[w:WITHDRAWAL]-() REQUIRE w.id IS UNIQUE;
CREATE CONSTRAINT account_truth_id IF NOT EXISTS FOR (t:AccountTruth) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT movement_truth_id IF NOT EXISTS FOR (t:MovementTruth) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (a:Alert) REQUIRE a.id IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:DetectionRun) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT path_id IF NOT EXISTS FOR (p:LaunderingPath) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT flag_id IF NOT EXISTS FOR (f:Flag) REQUIRE f.id IS UNIQUE;
CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:AmlMeta) REQUIRE m.id IS UNIQUE;
CREATE INDEX account_class IF NOT EXISTS FOR (a:Account) ON (a.class);
CREATE INDEX transfer_ts IF NOT EXISTS FOR ()-[t:TRANSFER]-() ON (t.ts);
CREATE INDEX deposit_ts IF NOT EXISTS FOR ()-[d:DEPOSIT]-() ON (d.ts);
CREATE INDEX flag_rule IF NOT EXISTS FOR (f:Flag) ON (f.rule, f.runId);
CREATE INDEX path_run IF NOT EXISTS FOR (p:LaunderingPath) ON (p.runId);
CREATE INDEX run_started IF NOT EXISTS FOR (r:DetectionRun) ON (r.started);
MERGE (:Cash {id: 'cash'});
