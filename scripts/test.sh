#!/usr/bin/env bash
# test: the whole default test suite on the real local Neo4j server (started and stopped by the
# suite). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k loader --runslow`.
set -euo pipefail
cd "$(dirname "$0")/.."
AML_WITH_CHROMIUM=1 bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
