// writeback/watermark: move the watermark to the newest movement in the graph
// mode: write      returns: ts
// Never moves backwards: the newest of the old watermark and the newest movement.
/* :params { now: 1735689600 } */
CALL () {
  MATCH ()-[m:TRANSFER|DEPOSIT|WITHDRAWAL]->() RETURN max(m.ts) AS newest
}
MERGE (w:AmlMeta {id: 'watermark'})
WITH w, newest
SET w.ts = CASE WHEN w.ts IS NULL OR (newest IS NOT NULL AND newest > w.ts) THEN newest ELSE w.ts END,
    w.updated = datetime({epochSeconds: $now})
RETURN w.ts.epochSeconds AS ts
