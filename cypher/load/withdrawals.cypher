// load/withdrawals: create the cash withdrawals of one batch whose ids are not in the graph yet
// mode: write      returns: written
// A withdrawal is (:Account)-[:WITHDRAWAL]->(:Cash {id: 'cash'}): cash leaving the network.
/* :params { id: ['w1'], src: ['A1'], amount: [2000.0], currency: ['USD'], ts: [1706659200], channel: ['cash'] } */
MATCH (cash:Cash {id: 'cash'})
UNWIND range(0, size($id) - 1) AS i
OPTIONAL MATCH ()-[old:WITHDRAWAL {id: $id[i]}]->()
WITH cash, i WHERE old IS NULL
MATCH (a:Account {id: $src[i]})
CREATE (a)-[:WITHDRAWAL {id: $id[i], amount: $amount[i], currency: $currency[i],
                         ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(cash)
RETURN count(*) AS written
