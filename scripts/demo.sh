#!/usr/bin/env bash
# demo: the toolkit end to end on the local server: install and start it, generate a synthetic
# bank (~50k transfers with injected laundering), load it, run detection, explain a flagged
# account. Leaves the server running so that you can open Neo4j Browser afterwards
# (`.venv/bin/aml server stop` stops it). Uses ./demo-data and clears the local database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
AML=.venv/bin/aml
DATA=demo-data
step() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }

step "start the local Neo4j server"
$AML server start
step "health check"
$AML doctor
step "generate a synthetic bank: 50,000 transfers, medium hardness, seed 42"
rm -rf "$DATA"
$AML generate --transfers 50000 --seed 42 --out "$DATA"
step "load it (a clean database first)"
$AML db clear --yes
$AML load "$DATA"
step "what is in the graph"
$AML stats
step "load again: nothing changes"
$AML load "$DATA"
$AML stats --json
step "abnormal amounts"
$AML detect amounts
step "why is the most flagged account flagged?"
ACCOUNT=$(.venv/bin/python - <<'PY'
from toolkit.config import load_settings
from toolkit.db import connect
with connect(load_settings()) as db:
    rows = db.cypher("MATCH (f:Flag)-[:FLAGS]->(a:Account) RETURN a.id AS id, count(f) AS n ORDER BY n DESC, id LIMIT 1")
print(rows[0]["id"] if rows else "")
PY
)
[ -n "$ACCOUNT" ] && $AML explain "$ACCOUNT"
step "done"
echo "Neo4j Browser: http://127.0.0.1:7474/browser/  (user neo4j, password in ~/.cache/aml-toolkit/server/password)"
echo "Paste into Browser:"
echo "  MATCH (f:Flag)-[:FLAGS]->(a:Account) RETURN a.id, collect(f.rule) AS rules, count(f) AS flags ORDER BY flags DESC LIMIT 20"
echo "  MATCH (f:Flag {rule: 'structuring'})-[:FLAGS]->(a:Account) RETURN f, a"
