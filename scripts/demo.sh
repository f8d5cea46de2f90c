#!/usr/bin/env bash
# demo: the toolkit end to end on the local server. Leaves the server running so that you can
# open Neo4j Browser afterwards (`.venv/bin/aml server stop` stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
AML=.venv/bin/aml
step() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }

step "start the local Neo4j server"
$AML server start
step "health check"
$AML doctor
