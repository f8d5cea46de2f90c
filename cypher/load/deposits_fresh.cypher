// load/deposits_fresh: create the cash deposits of one batch into a graph that had none of this kind before this file
// mode: write      returns: written
// A deposit is (:Cash {id: 'cash'})-[:DEPOSIT]->(:Account): cash entering the network.
// The fast route of a first load: no per-row existence check; the uniqueness constraint still
// guards exactly-once (a failing batch is re-sent through the checking query).
/* :params { id: ['d1'], dst: ['A1'], amount: [9500.0], currency: ['USD'], ts: [1706659200], channel: ['cash'] } */
MATCH (cash:Cash {id: 'cash'})
UNWIND range(0, size($id) - 1) AS i
WITH cash, i
MATCH (b:Account {id: $dst[i]})
CREATE (cash)-[:DEPOSIT {id: $id[i], amount: $amount[i], currency: $currency[i],
                         ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(b)
RETURN count(*) AS written
