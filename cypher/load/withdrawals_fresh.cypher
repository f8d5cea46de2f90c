// load/withdrawals_fresh: create the cash withdrawals of one batch into a graph that had none of this kind before this file
// mode: write      returns: written
// A withdrawal is (:Account)-[:WITHDRAWAL]->(:Cash {id: 'cash'}): cash leaving the network.
// The fast route of a first load: no per-row existence check; the uniqueness constraint still
// guards exactly-once (a failing batch is re-sent through the checking query).
/* :params { id: ['w1'], src: ['A1'], amount: [2000.0], currency: ['USD'], ts: [1706659200], channel: ['cash'] } */
MATCH (cash:Cash {id: 'cash'})
UNWIND range(0, size($id) - 1) AS i
WITH cash, i
MATCH (a:Account {id: $src[i]})
CREATE (a)-[:WITHDRAWAL {id: $id[i], amount: $amount[i], currency: $currency[i],
                         ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(cash)
RETURN count(*) AS written
