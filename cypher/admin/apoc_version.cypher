// admin/apoc_version: the APOC core library's version
// mode: read      returns: version
/* :params {} */
RETURN apoc.version() AS version
