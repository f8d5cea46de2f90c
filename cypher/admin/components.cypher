// admin/components: the server's version and edition
// mode: read      returns: name, version, edition
/* :params {} */
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
