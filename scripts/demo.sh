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
step "detection, one run: amounts -> typologies -> paths -> embeddings + K-means -> combined score"
$AML detect
step "the riskiest accounts (what investigators sort by)"
$AML scores --top 10
ACCOUNT=$($AML scores --top 1 --json | .venv/bin/python -c 'import json,sys; rows=json.load(sys.stdin); print(rows[0]["account_id"] if rows else "")')
if [ -n "$ACCOUNT" ]; then
  step "why is $ACCOUNT flagged?"
  $AML explain "$ACCOUNT" --limit 10
fi
step "evaluation against the generator's ground truth (ours vs the paper's two baselines)"
$AML evaluate --no-generated --loaded --out out/evaluation
step "HTML report of the run and the Browser guide"
$AML report --out out/report
$AML guide --out out/guide
step "done"
echo "Neo4j Browser: http://127.0.0.1:7474/browser/  (user neo4j, password in ~/.cache/aml-toolkit/server/password)"
echo "Report: out/report/index.html   Guide: .venv/bin/aml guide --serve, then in Browser :play http://localhost:8001/aml.html"
echo "Paste into Browser:"
echo "  MATCH (a:Account) WHERE a.amlFlagged RETURN a.id, a.amlScore, a.amlReasons ORDER BY a.amlScore DESC LIMIT 20"
echo "  MATCH (f:Flag)-[:FLAGS]->(a:Account {id: '$ACCOUNT'}) RETURN f, a"
