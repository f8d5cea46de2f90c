"""Settings: one TOML file plus environment overrides, read in one place.

Why one module: connection settings decide which database every command touches, so exactly one
piece of code reads them (and the environment). Everything else receives a :class:`Settings`.

Where settings come from, highest first:

1. command-line options (the CLI passes them in as overrides),
2. environment variables ``AML_<SECTION>_<KEY>``, e.g. ``AML_NEO4J_URI``, ``AML_NEO4J_PASSWORD``,
   ``AML_SERVER_CACHE_DIR``; ``AML_CONFIG`` names the TOML file itself,
3. the TOML file: ``./aml.toml``, else ``~/.config/aml/aml.toml``,
4. the defaults below, which point at the local server the toolkit installs and starts.

The password of the local server is generated at install time and lives in
``<cache_dir>/server/password`` (mode 0600); it is read from there when nothing else gives one.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from toolkit.errors import ConfigError

__all__ = [
    "Neo4jSettings",
    "ServerSettings",
    "LoadSettings",
    "GeneralSettings",
    "Settings",
    "load_settings",
    "config_path",
    "DETECTOR_SECTIONS",
]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

#: Free-form sections validated by the modules that own them.
DETECTOR_SECTIONS = (
    "amounts",
    "limits",
    "paths",
    "utility",
    "typologies",
    "embeddings",
    "scoring",
    "currency",
    "refresh",
    "generate",
)


@dataclass(frozen=True)
class Neo4jSettings:
    """How to reach the database. Any Bolt URI works: bolt://, neo4j://, neo4j+s:// (Aura)."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"
    connection_timeout: float = 10.0
    max_retry_time: float = 30.0  # managed transactions retry transient errors this long
    browser_url: str = ""  # default: the local server's HTTP port, else https://<host>/browser/

    @property
    def is_local(self) -> bool:
        """True when the URI points at this machine (loopback)."""
        host = self.uri.split("://", 1)[-1].split("/", 1)[0]
        host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return host in LOCAL_HOSTS

    def __repr__(self) -> str:  # never show the password
        return (
            f"Neo4jSettings(uri={self.uri!r}, user={self.user!r}, password=<hidden>, "
            f"database={self.database!r})"
        )


@dataclass(frozen=True)
class ServerSettings:
    """The local server the toolkit installs from Maven Central and runs.

    Memory defaults suit the 2-core / 24 GB machine the toolkit is developed on: GDS keeps its
    projections on the heap, so the heap gets most; the page cache holds the store (a 2M-transfer
    graph is well under 2 GB on disk); the rest is left to Python and the OS.
    """

    cache_dir: str = "~/.cache/aml-toolkit"
    home: str = ""  # default <cache_dir>/server
    bolt_port: int = 7687
    http_port: int = 7474
    heap_initial: str = "2g"
    heap_max: str = "8g"
    pagecache: str = "2g"
    transaction_max: str = "4g"
    start_timeout: float = 180.0
    java: str = ""  # default: $JAVA_HOME/bin/java, else java on PATH
    maven: str = "mvn"

    @property
    def cache_path(self) -> Path:
        return Path(os.path.expanduser(self.cache_dir))

    @property
    def home_path(self) -> Path:
        return Path(os.path.expanduser(self.home)) if self.home else self.cache_path / "server"

    @property
    def password_file(self) -> Path:
        return self.home_path / "password"


@dataclass(frozen=True)
class LoadSettings:
    """Bulk loading."""

    # rows per write transaction; each batch in flight is ~10 MB of Python values at 20,000 rows,
    # and a 600k-transfer load peaked at 348-351 MB with 20,000 against 318-320 MB with 10,000,
    # in the same time (2026-12-03)
    batch_size: int = 10000
    writers: int = 2  # concurrent write transactions of a load
    route: str = "auto"  # bolt | import | auto (loaders/bulk.py)
    import_min_rows: int = 1_000_000  # auto takes neo4j-admin import from this many rows on
    max_amount: float = 1e11  # an amount above this is "absurd" and rejected


@dataclass(frozen=True)
class GeneralSettings:
    random_seed: int = 42
    timezone: str = "UTC"


@dataclass(frozen=True)
class Settings:
    """All settings. ``sections`` holds the detector sections as plain dicts."""

    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    load: LoadSettings = field(default_factory=LoadSettings)
    general: GeneralSettings = field(default_factory=GeneralSettings)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = "defaults"

    def section(self, name: str) -> dict[str, Any]:
        """A detector section (``[amounts]``, ``[paths]``...) as a dict, empty if absent."""
        return dict(self.sections.get(name, {}))

    def with_neo4j(self, **changes: Any) -> "Settings":
        return replace(self, neo4j=replace(self.neo4j, **changes))


_TYPED = {"neo4j": Neo4jSettings, "server": ServerSettings, "load": LoadSettings, "general": GeneralSettings}


def config_path(env: Mapping[str, str] | None = None) -> Path | None:
    """The TOML file in use: ``$AML_CONFIG``, ``./aml.toml``, ``~/.config/aml/aml.toml`` or None."""
    env = os.environ if env is None else env
    if env.get("AML_CONFIG"):
        p = Path(env["AML_CONFIG"]).expanduser()
        if not p.is_file():
            raise ConfigError(f"AML_CONFIG points at {p}, which is not a file")
        return p
    for p in (Path("aml.toml"), Path("~/.config/aml/aml.toml").expanduser()):
        if p.is_file():
            return p
    return None


def _coerce(section: str, key: str, raw: Any, target: type, origin: str) -> Any:
    try:
        if target is bool:
            if isinstance(raw, str):
                if raw.lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(raw)
            return bool(raw)
        return target(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: [{section}] {key} = {raw!r}: expected {target.__name__}"
        ) from None


def load_settings(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    env: Mapping[str, str] | None = None,
    path: str | Path | None = None,
) -> Settings:
    """Read the TOML file, apply environment variables and overrides, fill in the password.

    Parameters
    ----------
    overrides : mapping of section -> {key: value}, optional
        Values from the command line; they win over everything else. ``None`` values are ignored.
    env : mapping, optional
        The environment (defaults to ``os.environ``); tests pass their own.
    path : path, optional
        Read this TOML file instead of looking for one.

    Raises
    ------
    ConfigError
        Unknown sections or keys (all listed), values of the wrong type, unreadable TOML.
    """
    env = os.environ if env is None else env
    file = Path(path) if path else config_path(env)
    data: dict[str, Any] = {}
    origin = "defaults"
    if file is not None:
        origin = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None

    unknown_sections = sorted(set(data) - set(_TYPED) - set(DETECTOR_SECTIONS))
    if unknown_sections:
        raise ConfigError(
            f"{origin}: unknown section(s) {', '.join(unknown_sections)}; known: "
            f"{', '.join(list(_TYPED) + list(DETECTOR_SECTIONS))}"
        )

    built: dict[str, Any] = {}
    for name, cls in _TYPED.items():
        given = dict(data.get(name, {}))
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigError(f"{origin}: unknown key(s) in [{name}]: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, f in known.items():
            target = type(f.default) if f.default is not None else str
            if key in given:
                values[key] = _coerce(name, key, given[key], target, origin)
            env_key = f"AML_{name.upper()}_{key.upper()}"
            if env.get(env_key) not in (None, ""):
                values[key] = _coerce(name, key, env[env_key], target, env_key)
            if overrides and overrides.get(name, {}).get(key) is not None:
                values[key] = _coerce(name, key, overrides[name][key], target, "command line")
        built[name] = cls(**values)

    sections = {k: dict(v) for k, v in data.items() if k in DETECTOR_SECTIONS}
    for name, vals in (overrides or {}).items():
        if name in DETECTOR_SECTIONS:
            sections.setdefault(name, {}).update({k: v for k, v in vals.items() if v is not None})

    neo4j: Neo4jSettings = built["neo4j"]
    server: ServerSettings = built["server"]
    if not neo4j.password:
        # The generated password of the local server, if this is the local server.
        pw_file = server.password_file
        if neo4j.is_local and pw_file.is_file():
            neo4j = replace(neo4j, password=pw_file.read_text(encoding="utf-8").strip())
    built["neo4j"] = neo4j
    return Settings(sections=sections, source=origin, **built)
