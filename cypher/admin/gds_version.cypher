// admin/gds_version: the Graph Data Science library's version and how many procedures it registers
// mode: read      returns: version, procedures
/* :params {} */
RETURN gds.version() AS version, COUNT { CALL gds.list() YIELD name RETURN name } AS procedures
