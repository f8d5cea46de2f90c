#!/usr/bin/env bash
# bootstrap: make this checkout runnable on a fresh machine, and do nothing the second time.
#   - Java 17+ and Maven (from Debian's packages when missing and we are root),
#   - .venv with Python 3.11 and the toolkit installed editable with its test extras
#     (re-installed only when pyproject.toml changed),
#   - the Neo4j server, GDS, APOC and Browser jars, resolved by Maven into ~/.cache/aml-toolkit
#     (`aml server install` reuses the cache).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

need_pkgs=()
command -v java >/dev/null 2>&1 || need_pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
# the report test renders HTML in headless Chromium (Debian's package)
if [ "${AML_WITH_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then need_pkgs+=(chromium); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need_pkgs[*]} from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "error: missing ${need_pkgs[*]}: install Java 17+ and Maven, then run again" >&2
    exit 1
  fi
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$cand"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "error: Python 3.11 not found: install it or set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ "$(cat .venv/.aml-installed 2>/dev/null)" != "$want" ]; then
  say "installing the toolkit and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > .venv/.aml-installed
fi

.venv/bin/aml server install >&2
