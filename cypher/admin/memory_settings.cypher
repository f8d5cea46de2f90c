// admin/memory_settings: the server's heap, page cache and transaction memory settings
// mode: read      returns: name, value
/* :params {} */
SHOW SETTINGS YIELD name, value
WHERE name IN ['server.memory.heap.initial_size', 'server.memory.heap.max_size',
               'server.memory.pagecache.size', 'dbms.memory.transaction.total.max']
RETURN name, value ORDER BY name
