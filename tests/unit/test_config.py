"""Settings: TOML file, environment overrides, one-line errors."""

from __future__ import annotations

import pytest

from toolkit.config import load_settings
from toolkit.errors import ConfigError


def test_defaults_point_at_the_local_server(tmp_cwd):
    s = load_settings(env={})
    assert s.neo4j.uri == "bolt://127.0.0.1:7687" and s.neo4j.is_local
    assert s.neo4j.database == "neo4j"


def test_environment_overrides_the_file(tmp_cwd):
    (tmp_cwd / "aml.toml").write_text('[neo4j]\nuri = "bolt://db.example:7687"\nuser = "alice"\n')
    s = load_settings(env={"AML_NEO4J_URI": "neo4j+s://x.databases.neo4j.io", "AML_NEO4J_PASSWORD": "pw-from-env"})
    assert s.neo4j.uri == "neo4j+s://x.databases.neo4j.io"
    assert s.neo4j.user == "alice"
    assert s.neo4j.password == "pw-from-env"
    assert not s.neo4j.is_local
    assert "pw-from-env" not in repr(s.neo4j)


def test_command_line_overrides_the_environment(tmp_cwd):
    s = load_settings(overrides={"neo4j": {"database": "other"}}, env={"AML_NEO4J_DATABASE": "envdb"})
    assert s.neo4j.database == "other"


def test_unknown_keys_and_sections_are_errors(tmp_cwd):
    (tmp_cwd / "aml.toml").write_text('[neo4j]\nurl = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) in \[neo4j\]: url"):
        load_settings(env={})
    (tmp_cwd / "aml.toml").write_text("[neo5j]\n")
    with pytest.raises(ConfigError, match=r"unknown section\(s\) neo5j"):
        load_settings(env={})


def test_wrong_types_name_the_origin(tmp_cwd):
    with pytest.raises(ConfigError, match="AML_SERVER_BOLT_PORT: \\[server\\] bolt_port = 'abc': expected int"):
        load_settings(env={"AML_SERVER_BOLT_PORT": "abc"})


def test_aml_config_names_the_file(tmp_path, tmp_cwd):
    conf = tmp_path / "elsewhere.toml"
    conf.write_text('[paths]\nmax_hops = 4\n')
    s = load_settings(env={"AML_CONFIG": str(conf)})
    assert s.section("paths") == {"max_hops": 4}
    with pytest.raises(ConfigError, match="not a file"):
        load_settings(env={"AML_CONFIG": str(tmp_path / "missing.toml")})


def test_local_password_comes_from_the_private_file(tmp_path, tmp_cwd):
    home = tmp_path / "srv"
    home.mkdir()
    (home / "password").write_text("generated-secret\n")
    s = load_settings(env={"AML_SERVER_HOME": str(home)})
    assert s.neo4j.password == "generated-secret"
    remote = load_settings(env={"AML_SERVER_HOME": str(home), "AML_NEO4J_URI": "bolt://remote:7687"})
    assert remote.neo4j.password == ""  # the local password is never sent elsewhere
