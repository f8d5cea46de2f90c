// load/deposits: create the cash deposits of one batch whose ids are not in the graph yet
// mode: write      returns: written
// A deposit is (:Cash {id: 'cash'})-[:DEPOSIT]->(:Account): cash entering the network.
/* :params { id: ['d1'], dst: ['A1'], amount: [9500.0], currency: ['USD'], ts: [1706659200], channel: ['cash'] } */
MATCH (cash:Cash {id: 'cash'})
UNWIND range(0, size($id) - 1) AS i
OPTIONAL MATCH ()-[old:DEPOSIT {id: $id[i]}]->()
WITH cash, i WHERE old IS NULL
MATCH (b:Account {id: $dst[i]})
CREATE (cash)-[:DEPOSIT {id: $id[i], amount: $amount[i], currency: $currency[i],
                         ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(b)
RETURN count(*) AS written
