"""Find, parse and check the ``.cypher`` files under ``cypher/``.

Why files: investigators paste the same queries into Neo4j Browser that the toolkit runs, so each
query lives once, in a file with a header saying what it answers::

    // detect/fan_in: accounts receiving from >= $min_senders distinct senders within $window_days
    // mode: read       returns: accountId, senders
    /* :params { window_days: 30, min_senders: 5 } */
    MATCH ...

The keys of the ``:params`` block are the declared parameters; calling a query with a missing or
unknown parameter fails with one message listing all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from toolkit.errors import QueryError

__all__ = ["CypherFile", "cypher_dir", "load_query", "all_queries", "parse_params"]

_PARAMS_RE = re.compile(r"/\*\s*:params\s*(\{.*?\})\s*\*/", re.S)


def cypher_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "cypher"


def parse_params(block: str) -> tuple[str, ...]:
    """Top-level keys of a Browser ``:params`` map, e.g. ``{a: 1, b: [1, 2], c: {x: 1}}`` -> a, b, c."""
    inner = block.strip()[1:-1]
    keys, depth, token, in_str = [], 0, "", ""
    for ch in inner:
        if in_str:
            if ch == in_str:
                in_str = ""
            continue
        if ch in "'\"":
            in_str = ch
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif ch == ":" and depth == 0:
            keys.append(token.strip().strip("`"))
            token = ""
            continue
        elif ch == "," and depth == 0:
            token = ""
            continue
        if depth == 0 and ch not in "}])":
            token += ch
    return tuple(k for k in keys if k)


@dataclass(frozen=True)
class CypherFile:
    """One query file: its name (path under ``cypher/`` without suffix), text and header."""

    name: str
    text: str
    purpose: str
    mode: str
    params: tuple[str, ...]

    def check_params(self, given: dict) -> None:
        missing = sorted(set(self.params) - set(given))
        unknown = sorted(set(given) - set(self.params))
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing {', '.join('$' + p for p in missing)}")
            if unknown:
                parts.append(f"unknown {', '.join('$' + p for p in unknown)}")
            raise QueryError(f"query {self.name}: {'; '.join(parts)}")

    def statements(self) -> list[str]:
        """The file split at ``;`` line ends, comments dropped (for multi-statement scripts)."""
        body = re.sub(r"/\*.*?\*/", "", self.text, flags=re.S)
        body = "\n".join(ln for ln in body.splitlines() if not ln.strip().startswith("//"))
        return [s.strip() for s in body.split(";") if s.strip()]


@lru_cache(maxsize=None)
def load_query(name: str) -> CypherFile:
    """Read ``cypher/<name>.cypher`` and parse its header.

    Raises
    ------
    QueryError
        No such file, or a header without ``mode:``.
    """
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise QueryError(f"no query named {name} ({path} does not exist)")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    purpose = lines[0].lstrip("/ ").split(":", 1)[-1].strip() if lines else ""
    mode_m = re.search(r"^//\s*mode:\s*(\w+)", text, re.M)
    if not mode_m:
        raise QueryError(f"{path}: header lacks '// mode: read|write|schema'")
    params_m = _PARAMS_RE.search(text)
    params = parse_params(params_m.group(1)) if params_m else ()
    return CypherFile(name=name, text=text, purpose=purpose, mode=mode_m.group(1), params=params)


def all_queries() -> list[CypherFile]:
    """Every query file under ``cypher/``, sorted by name."""
    root = cypher_dir()
    return [load_query(str(p.relative_to(root).with_suffix(""))) for p in sorted(root.rglob("*.cypher"))]
