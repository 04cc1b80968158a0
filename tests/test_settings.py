"""One settings tree, read once: defaults < config file < environment < flags; where each value
came from (``medcite config``); nothing read from the environment outside ``settings.py`` and
nothing fixed at import time; ``medcite serve`` hands its workers their settings as an argument."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medcite.errors import ConfigError
from medcite.serve.cli import app
from medcite.settings import LOOPBACK, ON_DEMAND, SOURCES, Settings, keys, load_settings

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "medcite"
runner = CliRunner()


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "medcite.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- precedence: default < config file < environment < flag ----------------------------------------

# (setting, config file line, environment, flag, expected value, expected origin)
PRECEDENCE: list[tuple[str, str | None, dict[str, str], Any, Any, str]] = [
    ("serve.limits.ask_burst", None, {}, None, 10, "default"),
    ("serve.limits.ask_burst", "[serve.limits]\nask_burst = 4", {}, None, 4, "config file"),
    ("serve.limits.ask_burst", "[serve.limits]\nask_burst = 4", {"MEDCITE_ASK_BURST": "7"}, None, 7,
     "env MEDCITE_ASK_BURST"),
    ("serve.limits.ask_burst", None, {"MEDCITE_ASK_BURST": ""}, None, 10, "default"),  # empty = unset
    ("embed.on_demand", "[embed]\non_demand = 2", {"MEDCITE_EMBED_ON_DEMAND": "0"}, None, 0,
     "env MEDCITE_EMBED_ON_DEMAND"),
    ("embed.on_demand", "[embed]\non_demand = 2", {}, None, 2, "config file"),
    ("embed.threads", None, {}, None, None, "default"),
    ("embed.threads", "[embed]\nthreads = 3", {"MEDCITE_EMBED_THREADS": "1"}, None, 1,
     "env MEDCITE_EMBED_THREADS"),
    ("embed.embedder", "[embed]\nembedder = 'minilm-l6-v2'", {}, None, "minilm-l6-v2", "config file"),
    ("ingest.workers", "[ingest]\nworkers = 2", {"MEDCITE_WORKERS": "3"}, 1, 1, "flag --workers"),
    ("ingest.workers", "[ingest]\nworkers = 2", {"MEDCITE_WORKERS": "3"}, None, 3, "env MEDCITE_WORKERS"),
    ("ingest.batch_size", "[ingest]\nbatch_size = 50", {}, 20, 20, "flag --batch-size"),
    ("ingest.batch_size", "[ingest]\nbatch_size = 50", {}, None, 50, "config file"),
    ("serve.port", "[serve]\nport = 9000", {}, 9001, 9001, "flag --port"),
    ("serve.public", "[serve]\npublic = true", {"MEDCITE_PUBLIC": "0"}, None, False, "env MEDCITE_PUBLIC"),
    ("serve.public", None, {"MEDCITE_PUBLIC": "no"}, None, False, "env MEDCITE_PUBLIC"),
    ("serve.public", None, {"MEDCITE_PUBLIC": "1"}, None, True, "env MEDCITE_PUBLIC"),
    ("serve.public", None, {"MEDCITE_PUBLIC": "1"}, False, False, "flag --private"),
    ("serve.trust_proxy", None, {"MEDCITE_TRUST_PROXY": "1"}, None, LOOPBACK, "env MEDCITE_TRUST_PROXY"),
    ("serve.trust_proxy", None, {"MEDCITE_TRUST_PROXY": "yes"}, None, LOOPBACK, "env MEDCITE_TRUST_PROXY"),
    ("serve.trust_proxy", None, {"MEDCITE_TRUST_PROXY": "off"}, None, "", "env MEDCITE_TRUST_PROXY"),
    ("serve.trust_proxy", None, {"MEDCITE_TRUST_PROXY": "10.0.0.5, 10.0.0.6"}, None, "10.0.0.5,10.0.0.6",
     "env MEDCITE_TRUST_PROXY"),
    ("serve.trust_proxy", "[serve]\ntrust_proxy = '*'", {}, None, "*", "config file"),
    ("serve.limits.ask_per_minute", None, {"MEDCITE_ASK_PER_MINUTE": "0.5"}, None, 0.5,
     "env MEDCITE_ASK_PER_MINUTE"),
    ("serve.limits.max_body", "[serve.limits]\nmax_body = 1024", {}, None, 1024, "config file"),
    ("store.database_url", None, {"MEDCITE_DATABASE_URL": "postgresql://db/x"}, None, "postgresql://db/x",
     "env MEDCITE_DATABASE_URL"),
]


@pytest.mark.parametrize(("key", "file", "env", "flag", "value", "origin"), PRECEDENCE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(PRECEDENCE)])
def test_precedence(tmp_path: Path, key: str, file: str | None, env: dict[str, str], flag: Any,
                    value: Any, origin: str) -> None:
    environ = {"MEDCITE_HOME": str(tmp_path), **env}
    if file is not None:
        _config(tmp_path, file)
    settings = load_settings({key: flag} if key in SOURCES and SOURCES[key].flag else None, environ=environ)
    assert settings.value(key) == value
    assert settings.origin(key).startswith(origin)
    if origin == "config file":
        assert settings.origin(key) == f"config file {tmp_path / 'medcite.toml'}"
        assert settings.config_file == tmp_path / "medcite.toml"


def test_the_home_flag_and_config_paths(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _config(elsewhere, "[serve]\nport = 9100\n")
    named = tmp_path / "named.toml"
    named.write_text("[serve]\nport = 9200\n[store]\nhome = '~/medcite-data'\n")
    env = {"MEDCITE_HOME": str(tmp_path)}
    # The config file is looked for in the data folder the flag names, over $MEDCITE_HOME's.
    assert load_settings({"store.home": elsewhere}, environ=env).serve.port == 9100
    assert load_settings(None, environ=env).serve.port == 8000
    # --config (or $MEDCITE_CONFIG) names one anywhere; it may set the data folder (~ expanded).
    for settings in (load_settings(None, config=named, environ={}),
                     load_settings(None, environ={"MEDCITE_CONFIG": str(named)})):
        assert settings.serve.port == 9200
        assert settings.home == Path("~/medcite-data").expanduser()
        assert settings.db_path == settings.home / "medcite.db"


def test_derived_urls() -> None:
    local = Settings.for_home("/data")
    assert local.database_url == "sqlite:////data/medcite.db" and local.editorial_url == local.database_url
    assert local.db_path == Path("/data/medcite.db")
    pg = load_settings(None, environ={"MEDCITE_HOME": "/data", "MEDCITE_DATABASE_URL": "postgresql://db/m"})
    assert pg.editorial_url == "postgresql://db/m" and pg.db_path == Path("/data/medcite.db")
    split = load_settings(None, environ={"MEDCITE_HOME": "/data", "MEDCITE_EDITORIAL_URL": "sqlite:////e.db"})
    assert split.editorial_url == "sqlite:////e.db" and split.db_path == Path("/data/medcite.db")


# A value medcite cannot use is refused naming the setting, where it came from and what is wrong.
BAD: list[tuple[dict[str, str], str | None, list[str]]] = [
    ({"MEDCITE_EMBED_THREADS": "lots"}, None, ["embed.threads", "env MEDCITE_EMBED_THREADS", "'lots'", "integer"]),
    ({"MEDCITE_EMBED_THREADS": "0"}, None, ["embed.threads", "greater than or equal to 1"]),
    ({"MEDCITE_WORKERS": "-2"}, None, ["ingest.workers", "env MEDCITE_WORKERS"]),
    ({"MEDCITE_PUBLIC": "maybe"}, None, ["serve.public", "env MEDCITE_PUBLIC", "boolean"]),
    ({"MEDCITE_ASK_PER_MINUTE": "fast"}, None, ["serve.limits.ask_per_minute", "number"]),
    ({"MEDCITE_EDITORIAL_URL": "mysql://me:secret@db/x"}, None,
     ["store.editorial_url", "unsupported database URL", "sqlite:///PATH"]),
    ({}, "[serve]\nport = 'eighty'", ["serve.port", "config file"]),
    ({}, "[serve]\nport = 70000", ["serve.port", "less than or equal to 65535"]),
    ({}, "[serve.limit]\nask_burst = 1", ["unknown setting 'serve.limit'", "config file"]),
    ({}, "[embed]\nthread = 1", ["unknown setting 'embed.thread'"]),
    ({}, "[serve\nport = 1", ["not valid TOML"]),
]


@pytest.mark.parametrize(("env", "file", "words"), BAD, ids=range(len(BAD)))
def test_bad_values_are_named(tmp_path: Path, env: dict[str, str], file: str | None, words: list[str]) -> None:
    if file is not None:
        _config(tmp_path, file)
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ={"MEDCITE_HOME": str(tmp_path), **env})
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert "secret" not in message and "\n" not in message
    # On the command line: one line, exit status 2, before any work.
    result = runner.invoke(app, ["stats", "--home", str(tmp_path)], env=env)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "medcite.db").exists()


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(None, config=tmp_path / "missing.toml", environ={})
    result = runner.invoke(app, ["--config", str(tmp_path / "missing.toml"), "config"])
    assert result.exit_code == 2 and "missing.toml does not exist" in result.output


# -- medcite config ---------------------------------------------------------------------------------

def test_medcite_config_says_where_each_value_came_from(tmp_path: Path) -> None:
    config = _config(tmp_path, "[serve]\nport = 9000\n[serve.limits]\nask_burst = 4\n[embed]\nthreads = 2\n")
    env = {"MEDCITE_ASK_BURST": "7", "MEDCITE_DATABASE_URL": "postgresql://medcite:secret@db.example.org/m",
           "MEDCITE_EMBED_THREADS": "", "MEDCITE_CONFIG": "", "MEDCITE_PUBLIC": "", "MEDCITE_HOME": ""}
    result = runner.invoke(app, ["config", "--home", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines: dict[str, str] = {}
    section = ""
    for line in out.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif " = " in line:
            lines[f"{section}.{line.split(' = ')[0].lstrip('# ')}"] = line
    assert out.startswith(f"# config file: {config}\n")
    assert lines["serve.port"] == f"port = 9000  # config file {config}"
    assert lines["serve.limits.ask_burst"] == "ask_burst = 7  # env MEDCITE_ASK_BURST"
    assert lines["embed.threads"] == f"threads = 2  # config file {config} · variable MEDCITE_EMBED_THREADS"
    assert lines["store.home"] == f'home = "{tmp_path}"  # flag --home · variable MEDCITE_HOME'
    assert lines["serve.public"] == "public = true  # default · variable MEDCITE_PUBLIC"
    assert lines["ingest.workers"].startswith("# workers =  # default · variable MEDCITE_WORKERS")  # ingest: unset
    assert "secret" not in out and "postgresql://medcite:***@db.example.org/m" in out
    # Every setting is listed once, and the output is itself a config file that reads back the same.
    assert list(lines) == list(keys())
    again = tmp_path / "again.toml"
    again.write_text(out.replace("medcite:***@", "medcite@"))
    tomllib.loads(again.read_text())
    echoed = load_settings(None, config=again, environ={})
    assert (echoed.serve.port, echoed.serve.limits.ask_burst, echoed.embed.threads, echoed.home) == (
        9000, 7, 2, tmp_path)


def test_medcite_config_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "--json", "--home", str(tmp_path)],
                           env={"MEDCITE_WORKERS": "3", "MEDCITE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["key"]: row for row in data["settings"]}
    assert data["config_file"] is None
    assert rows["ingest.workers"] == {"key": "ingest.workers", "value": 3, "from": "env MEDCITE_WORKERS",
                                      "env": "MEDCITE_WORKERS", "flag": "ingest --workers"}
    assert rows["store.home"]["from"] == "flag --home" and rows["store.home"]["value"] == str(tmp_path)
    assert rows["embed.on_demand"] == {"key": "embed.on_demand", "value": ON_DEMAND, "from": "default",
                                       "env": "MEDCITE_EMBED_ON_DEMAND", "flag": None}
    assert list(rows) == list(keys())


# -- nothing read from the environment outside settings.py, nothing fixed at import time ------------

# Files that may still touch os.environ, and why (everything else gets a Settings).
ENV_ALLOWED = {
    "settings.py": "the one loader of the environment (and the TEMPORARY embed-threads bridge)",
    # Reads nothing: sets OMP_WAIT_POLICY=PASSIVE for torch's OpenMP runtime, which has no API
    # for it, before torch loads (the optional torch embedder only).
    "retrieve/embed_torch.py": "sets torch's OpenMP wait policy before torch loads",
}
ENV_READ = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\b|envvar\s*=")


def test_no_module_reads_the_environment_on_its_own() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in ENV_ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ENV_READ.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "read settings through medcite.settings instead:\n" + "\n".join(offenders)


def test_every_variable_is_a_setting_and_documented() -> None:
    variables = {s.env for s in SOURCES.values() if s.env} | {"MEDCITE_CONFIG"}
    named: set[str] = set()
    for path in SRC.rglob("*.py"):
        named |= set(re.findall(r"\bMEDCITE_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert named <= variables, f"variables that are no setting: {sorted(named - variables)}"
    assert "MEDCITE_BATCH_SIZE" not in named  # was read and never used
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Settings"):]
    for variable in variables:
        assert f"`{variable}`" in table, variable
    for key in keys():
        assert f"`{key}`" in table, key


IMPORT_TIME = """
import os, sys
os.environ.update({"MEDCITE_EMBED_ON_DEMAND": "3", "MEDCITE_ASK_BURST": "3", "MEDCITE_WORKERS": "3"})
import medcite.serve.cli, medcite.serve.app, medcite.ingest
from medcite.retrieve.search import SearchConfig
from medcite.serve.limits import Limits
from medcite.ingest import default_workers
from medcite.settings import load_settings
import os as os2
for name in ("MEDCITE_EMBED_ON_DEMAND", "MEDCITE_ASK_BURST", "MEDCITE_WORKERS"):
    os2.environ[name] = "5"
s = load_settings()
print(SearchConfig().on_demand, Limits().ask_burst, s.embed.on_demand, s.serve.limits.ask_burst, s.ingest.workers,
      default_workers() == min(4, os.cpu_count() or 1))
"""


def test_nothing_is_fixed_at_import_time(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", IMPORT_TIME], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "MEDCITE_HOME": str(tmp_path)}).stdout.split()
    # The classes keep their defaults whatever the environment was at import; the settings read
    # the environment as it is when they are loaded.
    assert out == [str(ON_DEMAND), "10", "5", "5", "5", "True"]


# -- medcite serve: the on-demand bug, and settings for worker processes ----------------------------

def _serve(monkeypatch: pytest.MonkeyPatch, home: Path, *, env: dict[str, str] | None = None, **flags: Any) -> Any:
    """The uvicorn configuration ``medcite serve`` would run with these flags (nothing is started;
    ``tests/serve/test_cli_serve.py`` runs the real server)."""
    from medcite.serve.cli_serve import settings_for_serve, uvicorn_config

    # Empty counts as unset; set, so that the test's end restores them.
    for name in ("MEDCITE_EMBED_ON_DEMAND", "MEDCITE_EMBED_THREADS", "MEDCITE_DATABASE_URL",
                 "MEDCITE_EDITORIAL_URL", "MEDCITE_CONFIG", "MEDCITE_PUBLIC", "MEDCITE_TRUST_PROXY"):
        monkeypatch.setenv(name, "")
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return uvicorn_config(settings_for_serve(home=home, **flags))


def test_a_single_process_server_embeds_nothing_inside_a_request(serve_home: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The bug: ``SearchConfig.on_demand`` was read from MEDCITE_EMBED_ON_DEMAND when
    retrieve/search.py was imported, before ``medcite serve`` set it to 0, so a one-process
    server (the default) still embedded passages inside requests. Now the server's settings
    say 0, and every retriever the app makes (ask, /api/search, the search page) uses them."""
    config = _serve(monkeypatch, serve_home)
    settings = config.app.args[0]
    assert settings.embed.on_demand == 0 and settings.origin("embed.on_demand") == "default for medcite serve"
    app_ = config.app()  # what uvicorn calls, in this process when there is one worker
    services = app_.state.services
    try:
        store = services.store()
        assert services.retriever(store).config.on_demand == 0
        # The retriever each request gets is the one these settings make (services.retriever).
        answer = services.ask("What is the treatment for adults with Guillain-Barré syndrome?")
        assert answer.references
    finally:
        services.close()
    # An operator who asks for on-demand embedding gets it, by variable or config file.
    assert _serve(monkeypatch, serve_home, env={"MEDCITE_EMBED_ON_DEMAND": "4"}).app.args[0].embed.on_demand == 4
    _config(serve_home, "[embed]\non_demand = 2\n")
    assert _serve(monkeypatch, serve_home).app.args[0].embed.on_demand == 2
    # `medcite search` and `ask` keep embedding a few candidates on demand.
    assert load_settings({"store.home": serve_home}, environ={}).embed.on_demand == 2
    (serve_home / "medcite.toml").unlink()
    assert load_settings({"store.home": serve_home}, environ={}).embed.on_demand == ON_DEMAND


def test_workers_get_their_settings_as_an_argument(serve_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _serve(monkeypatch, serve_home, workers=2, private=True, port=8123, env={"MEDCITE_ASK_BURST": "3"})
    assert (config.workers, config.port) == (2, 8123)
    # uvicorn spawns each worker with the configuration pickled: the settings go with it.
    settings = pickle.loads(pickle.dumps(config.app)).args[0]
    assert settings.serve.public is False and settings.origin("serve.public") == "flag --private"
    assert settings.serve.limits.ask_burst == 3 and settings.origin("serve.limits.ask_burst") == "env MEDCITE_ASK_BURST"
    assert settings.embed.threads >= 1 and settings.embed.on_demand == 0
    app_ = pickle.loads(pickle.dumps(config.app))()
    try:
        services = app_.state.services
        assert services.public is False and services.limits.ask_burst == 3
    finally:
        app_.state.services.close()
