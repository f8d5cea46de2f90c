// read/watermark: the refresh job's watermark (time of the newest movement it has loaded)
// mode: read      returns: ts (epoch seconds or null), updated
/* :params {} */
OPTIONAL MATCH (m:AmlMeta {id: 'watermark'})
RETURN m.ts.epochSeconds AS ts, toString(m.updated) AS updated
