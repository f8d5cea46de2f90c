// load/transfers: create the transfers of one batch whose ids are not in the graph yet
// mode: write      returns: written (transfers created; batch size minus written = already present)
// Exactly once: a transfer whose id exists is skipped, and the uniqueness constraint on
// TRANSFER.id stops a duplicate even if two loads raced. Times arrive as epoch seconds.
/* :params { id: ['t1'], src: ['A1'], dst: ['A2'], amount: [100.0], currency: ['USD'], ts: [1706659200], channel: ['wire'] } */
UNWIND range(0, size($id) - 1) AS i
OPTIONAL MATCH ()-[old:TRANSFER {id: $id[i]}]->()
WITH i WHERE old IS NULL
MATCH (a:Account {id: $src[i]})
MATCH (b:Account {id: $dst[i]})
CREATE (a)-[:TRANSFER {id: $id[i], amount: $amount[i], currency: $currency[i],
                       ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(b)
RETURN count(*) AS written
