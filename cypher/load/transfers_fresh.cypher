// load/transfers_fresh: create the transfers of one batch into a graph that had none of this kind before this file
// mode: write      returns: written (transfers created; batch size minus written = already present)
// The fast route of a first load: no per-row existence check. The uniqueness constraint still
// guards exactly-once: a batch that meets an existing id fails whole and is re-sent through
// load/transfers, which skips existing ids.
/* :params { id: ['t1'], src: ['A1'], dst: ['A2'], amount: [100.0], currency: ['USD'], ts: [1706659200], channel: ['wire'] } */
UNWIND range(0, size($id) - 1) AS i
WITH i
MATCH (a:Account {id: $src[i]})
MATCH (b:Account {id: $dst[i]})
CREATE (a)-[:TRANSFER {id: $id[i], amount: $amount[i], currency: $currency[i],
                       ts: datetime({epochSeconds: $ts[i]}), channel: $channel[i]}]->(b)
RETURN count(*) AS written
