"""medcite's settings: one typed tree, read once per command and passed down.

Each setting comes from, in rising order of precedence: its default, the config file (TOML,
``$MEDCITE_HOME/medcite.toml`` or the file named by ``--config`` / ``$MEDCITE_CONFIG``), its
environment variable, and a command-line flag. ``load_settings()`` is the only code in medcite
that reads the environment (``tests/test_settings.py`` checks it); everything else gets a
:class:`Settings` (or a part of it) as an argument, so nothing is fixed at import time and a
worker process gets its settings as a pickled argument, not through ``os.environ``.

``medcite config`` prints the effective tree and where each value came from. Modelled on
paper-qa's settings: plain pydantic models, nested by concern::

    store   where the evidence index and the editorial database live
    embed   the dense-retrieval model, its threads, on-demand embedding
    index   the passage index search runs on (files beside the store, or Milvus), by URL
    ingest  parser processes, documents per transaction, the Ray cluster of --ray
    serve   address, workers, access, proxy trust, and (serve.limits) request limits
    sources where `medcite sync` fetches from (E-utilities, mirrors), its API key, rate, cache

The composer's knobs stay in ``compose.build.ComposeConfig``: none is an operator setting yet
(when one is, it belongs in a ``compose`` section here, turned into a ``ComposeConfig`` the way
``retrieve.search.SearchConfig.from_settings`` turns ``embed`` into a search configuration).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from .errors import ConfigError

CONFIG_FILE = "medcite.toml"  # looked for in the data folder
CONFIG_ENV = "MEDCITE_CONFIG"  # a config file somewhere else (so is --config)
ON_DEMAND = 8  # passages embedded inside a search when they have no vector yet
LOOPBACK = "127.0.0.1,::1"  # a proxy on this machine; uvicorn's default too
_FALSE = ("", "0", "false", "no", "off")
_TRUE = ("1", "true", "yes", "on")


def _default_home() -> Path:
    return Path(user_data_dir("medcite", appauthor=False))


def trusted_proxies(value: str) -> str:
    """What ``MEDCITE_TRUST_PROXY`` / ``serve.trust_proxy`` means: empty, 0, false, no or off
    believe no proxy; 1, true, yes or on a proxy on this machine (127.0.0.1 or ::1); anything
    else is the comma-separated addresses or networks of the proxies to believe, or ``*``."""
    value = value.strip()
    if value.lower() in _FALSE:
        return ""
    if value.lower() in _TRUE:
        return LOOPBACK
    return ",".join(part.strip() for part in value.split(",") if part.strip())


def redact(url: str) -> str:
    """``url`` without its password (for messages and ``medcite config``)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"


def _database_url(value: str) -> str:
    value = value.strip()
    if value and not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ValueError("unsupported database URL: use sqlite:///PATH or postgresql://…")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoreSettings(_Section):
    home: Path = Field(default_factory=_default_home,
                       description="Data folder: the evidence store (medcite.db), its indexes, evaluation stores.")
    database_url: str = Field(default="", description="The database: sqlite:///PATH, or postgresql://… for the editorial "
                                              "database of a multi-user server (empty: HOME/medcite.db).")
    editorial_url: str = Field(default="", description="The editorial database (articles, reviews, accounts) somewhere "
                                               "else (empty: where database_url says).")

    @field_validator("home")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url", "editorial_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _database_url(value)


class EmbedSettings(_Section):
    # ``embedder`` and ``threads`` are passed to retrieve.embed's factory (get_embedder,
    # embedder_for_store, Retriever.from_settings); ``on_demand`` goes to SearchConfig.
    embedder: str = Field(default="", description="Embedding model: minilm-l6-v2-int8 (ONNX) or minilm-l6-v2 (torch), "
                                          "optionally -lenN, the token cut-off (empty: the store's own model, else "
                                          "minilm-l6-v2-int8-len128 where ONNX is installed, else torch).")
    threads: int | None = Field(default=None, ge=1, description="Threads an embedder uses (empty: every core; "
                                                        "`medcite serve`: the cores divided among its workers).")
    on_demand: int = Field(default=ON_DEMAND, ge=0, description="Search and ask embed up to this many top lexical "
                                                        "candidates that have no vector yet (0: none; "
                                                        "`medcite serve` defaults to 0).")


class IndexSettings(_Section):
    # Read by index.factory.open_index through Retriever.from_settings and the ingest/embed commands.
    url: str = Field(default="", description="The passage index: empty (BM25 and vector files beside the SQLite "
                                     "store), milvus://HOST:19530/COLLECTION (a Milvus server or cluster) or "
                                     "milvus-lite:///PATH/FILE.db (Milvus's embedded engine; extra `milvus`).")


# What ``ingest.ray_address`` (and ``--ray ADDRESS``) accept: empty (Ray's default: $RAY_ADDRESS
# if set, else a cluster `ray start` started on this machine, else a new local instance), ``local`` (a new local instance), ``auto`` (the cluster this
# machine is part of), ``ray://HOST[:PORT]`` (Ray Client, port 10001 by default) or ``HOST:PORT``
# (a head node's GCS address).
RAY_ADDRESS = re.compile(r"|local|auto|ray://[^\s/:]+(?::\d{1,5})?|(?:[^\s/:\[\]]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}")


def is_ray_address(value: str) -> bool:
    """Whether ``value`` is a Ray address medcite accepts (``RAY_ADDRESS``)."""
    return RAY_ADDRESS.fullmatch(value.strip()) is not None


class IngestSettings(_Section):
    workers: int | None = Field(default=None, ge=1, description="Parser processes (empty: the cores, at most 4).")
    batch_size: int = Field(default=500, ge=1, description="Documents written per transaction.")
    ray_address: str = Field(default="", description="The Ray cluster `ingest --ray` and `embed --ray` use when "
                             "given no address: auto, ray://HOST:10001, HOST:PORT or local (empty: Ray's "
                             "default, $RAY_ADDRESS if set, else a cluster `ray start` started on this machine, "
                             "else a new local instance). Extra `ray`.")

    @field_validator("ray_address")
    @classmethod
    def _ray_address(cls, value: str) -> str:
        if not is_ray_address(value):
            raise ValueError("a Ray address: auto, local, ray://HOST[:PORT] or HOST:PORT (or empty)")
        return value.strip()


class LimitSettings(_Section):
    max_body: int = Field(default=64 * 1024, ge=1, description="Largest request body, in bytes (larger: 413).")
    ask_per_minute: float = Field(default=30.0, ge=0, description="Asks per client per minute (0: no limit).")
    ask_burst: int = Field(default=10, ge=1, description="Asks a client may save up.")
    login_failures_per_minute: float = Field(default=5.0, ge=0, description="Failed sign-ins per address per minute "
                                                                    "once the burst is spent (0: no limit).")
    login_failure_burst: int = Field(default=5, ge=1, description="Failed sign-ins before the limit applies.")


class ServeSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Interface to listen on (0.0.0.0: every interface).")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port.")
    workers: int = Field(default=1, ge=1, description="Server processes.")
    public: bool = Field(default=True, description="Anyone may read and ask (false: a login is needed).")
    trust_proxy: str = Field(default="", description="Reverse proxies whose X-Forwarded-Proto/-For are believed: "
                                             "empty or 0 none, 1 this machine, or addresses/networks, or *.")
    limits: LimitSettings = Field(default_factory=lambda: LimitSettings())

    @field_validator("trust_proxy", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        if isinstance(value, bool):
            return LOOPBACK if value else ""
        return trusted_proxies(value) if isinstance(value, str) else value


EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
OPENFDA_URL = "https://api.fda.gov/drug/label.json"
# Licences a PMC article may be reused under (sources/pmc.py: license_of), and the default
# allowed set for a non-commercial reference tool: no no-derivatives licence, nothing unlicensed.
LICENSE_CODES = ("cc0", "public-domain", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd")
PMC_LICENSES = ("cc0", "public-domain", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa")


class SourcesSettings(_Section):
    """Where ``medcite sync`` fetches from and how politely (medcite/sync/)."""

    eutils_url: str = Field(default=EUTILS_URL, description="NCBI E-utilities base URL (a test server: "
                                                          "http://127.0.0.1:PORT/entrez/eutils/).")
    api_key: str = Field(default="", description="NCBI API key: 10 requests/s instead of 3.")
    tool: str = Field(default="medcite", description="The tool= name NCBI sees.")
    email: str = Field(default="", description="The email= address NCBI may write to about this client.")
    requests_per_second: float | None = Field(default=None, gt=0, description="Requests per second to one "
                                              "service (empty: 10 with an API key, else 3).")
    timeout: float = Field(default=60.0, gt=0, description="Seconds a connection or read may stall.")
    retries: int = Field(default=5, ge=0, description="Retries of a request after a 429, 5xx, timeout or "
                                                      "truncated reply.")
    batch_size: int = Field(default=200, ge=1, le=10000, description="Records per efetch request.")
    cache_dir: Path | None = Field(default=None, description="Raw replies and mirror files (empty: "
                                                             "HOME/sync-cache).")
    cache_hours: float = Field(default=24.0, ge=0, description="A cached search reply is reused this long "
                                                               "(0: never).")
    pubmed_queries: list[str] = Field(default_factory=list, description="PubMed queries `sync all` keeps current.")
    pubmed_mirror: str = Field(default="", description="PubMed baseline mirror (URL or folder) `sync all` "
                                                       "reads (empty: none).")
    medlineplus: str = Field(default="", description="MedlinePlus health-topics XML `sync all` reads: a file, "
                             "folder or URL (https://medlineplus.gov/xml.html; empty: none).")
    medlineplus_delete_missing: bool = Field(default=False, description="Delete synced MedlinePlus topics a "
                                             "newer file no longer has (else they are reported and kept).")
    dailymed: str = Field(default="", description="DailyMed SPL release zips `sync all` reads: a folder, a zip, "
                          "or a URL of one or of a page linking to them (empty: none).")
    pmc_queries: list[str] = Field(default_factory=list, description="PMC open-access queries `sync all` keeps "
                                   "current (`sync pmc --query`).")
    pmc_licenses: list[str] = Field(default_factory=lambda: list(PMC_LICENSES), description="Licences under which "
                                    "`sync pmc` stores an article (cc0, public-domain, cc-by, cc-by-sa, cc-by-nc, "
                                    "cc-by-nc-sa, cc-by-nd, cc-by-nc-nd); others are skipped and counted.")
    openfda_url: str = Field(default=OPENFDA_URL, description="openFDA's drug label endpoint (a test server: "
                             "http://127.0.0.1:PORT/drug/label.json).")
    openfda_api_key: str = Field(default="", description="openFDA API key: 120,000 requests a day instead of "
                                 "1,000.")
    openfda_searches: list[str] = Field(default_factory=list, description="openFDA label searches `sync all` "
                                        "keeps current (`sync openfda --search`; '*': every label).")
    # openFDA's published limits: 240 requests a minute (with or without a key); 1,000 a day per
    # IP address without a key, 120,000 a day per key.
    openfda_requests_per_minute: float = Field(default=240.0, gt=0, description="Requests a minute to openFDA "
                                               "(sources.requests_per_second, when set, wins).")
    openfda_requests_per_day: int | None = Field(default=None, ge=1, description="Requests a day to openFDA, "
                                                 "all runs together (empty: 120,000 with an API key, else 1,000).")
    openfda_page_size: int = Field(default=100, ge=1, le=1000, description="Labels per openFDA request "
                                   "(limit=, at most 1,000).")
    schedule: str = Field(default="", description="The daily time, HH:MM in UTC, at which cron or a systemd "
                          "timer runs `sync all`: the Sources page and `medcite sources` show each source's next "
                          "run from it (empty: not scheduled).")

    @field_validator("cache_dir")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value):
            raise ValueError("a daily time in UTC, HH:MM (such as 02:30), or empty")
        return value.zfill(5) if value else ""

    @field_validator("openfda_searches")
    @classmethod
    def _searches(cls, value: list[str]) -> list[str]:
        return [" ".join(v.split()) or "*" for v in value]  # an empty search: every label

    @field_validator("pmc_licenses")
    @classmethod
    def _licenses(cls, value: list[str]) -> list[str]:
        codes = [v.strip().lower() for v in value if v.strip()]
        unknown = [c for c in codes if c not in LICENSE_CODES]
        if unknown:
            raise ValueError(f"unknown licence {', '.join(unknown)}: choose from {', '.join(LICENSE_CODES)}")
        return codes

    @field_validator("pubmed_queries", "pmc_queries", "openfda_searches", "pmc_licenses", mode="before")
    @classmethod
    def _queries(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def rate(self) -> float:
        """Requests per second to keep to: the setting, else NCBI's published limit."""
        return self.requests_per_second or (10.0 if self.api_key else 3.0)

    def openfda_rate(self) -> float:
        """Requests per second to openFDA: ``requests_per_second``, else its per-minute limit."""
        return self.requests_per_second or self.openfda_requests_per_minute / 60.0

    def openfda_daily_limit(self) -> int:
        return self.openfda_requests_per_day or (120_000 if self.openfda_api_key else 1_000)


class Settings(_Section):
    """The whole tree. Build it with :func:`load_settings` (or ``Settings.load``); a default
    tree for one data folder, reading nothing, with ``Settings.for_home``."""

    store: StoreSettings = Field(default_factory=lambda: StoreSettings())
    embed: EmbedSettings = Field(default_factory=lambda: EmbedSettings())
    index: IndexSettings = Field(default_factory=lambda: IndexSettings())
    ingest: IngestSettings = Field(default_factory=lambda: IngestSettings())
    serve: ServeSettings = Field(default_factory=lambda: ServeSettings())
    sources: SourcesSettings = Field(default_factory=lambda: SourcesSettings())
    _origins: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: Path | None = PrivateAttr(default=None)

    # -- where things are ------------------------------------------------------------------------

    @property
    def home(self) -> Path:
        return self.store.home

    @property
    def database_url(self) -> str:
        return self.store.database_url or f"sqlite:///{self.store.home / 'medcite.db'}"

    @property
    def db_path(self) -> Path:
        """The SQLite file of the evidence index (when the database is PostgreSQL, the
        index is still this embedded file; only the editorial tables move to the server)."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return self.home / "medcite.db"

    @property
    def editorial_url(self) -> str:
        """Where articles, reviews and accounts live: PostgreSQL when the database URL names a
        server (the evidence index stays an embedded file every server process reads), else
        the same SQLite file as the evidence index."""
        if self.store.editorial_url:
            return self.store.editorial_url
        if self.database_url.startswith(("postgresql://", "postgres://")):
            return self.database_url
        return f"sqlite:///{self.db_path}"

    @property
    def cache_dir(self) -> Path:
        """Where ``medcite sync`` keeps raw replies and downloaded mirror files."""
        return self.sources.cache_dir or self.home / "sync-cache"

    # -- where each value came from ----------------------------------------------------------------

    @property
    def config_file(self) -> Path | None:
        """The config file that was read, if any."""
        return self._config_file

    def origin(self, key: str) -> str:
        """Where setting ``key`` (dotted: ``serve.limits.ask_burst``) came from: ``default``,
        ``config file PATH``, ``env VAR``, ``flag --x``, or what derived it."""
        return self._origins.get(key, "default")

    def value(self, key: str) -> Any:
        node: Any = self
        for part in key.split("."):
            node = getattr(node, part)
        return node

    def derive(self, key: str, value: Any, origin: str) -> Settings:
        """A copy with ``key`` set to ``value`` (validated), recorded as coming from ``origin``."""
        data = self.model_dump()
        _put(data, key, value)
        out = _validate(data, {**self._origins, key: origin})
        out._config_file = self._config_file
        return out

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def load(cls, flags: Mapping[str, Any] | None = None, config: str | Path | None = None,
             environ: Mapping[str, str] | None = None) -> Settings:
        return load_settings(flags, config, environ)

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> Settings:
        """The settings of the environment and config file, with ``home`` as if given by
        ``--home`` (what library callers and the benchmarks use; the CLI uses ``load``)."""
        return load_settings({"store.home": home} if home else None)

    @classmethod
    def for_home(cls, home: str | Path, database_url: str = "") -> Settings:
        """Default settings for the data folder ``home``, reading no environment or file."""
        return cls(store=StoreSettings(home=Path(home), database_url=database_url))


# -- the environment and the flags ------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Where a setting can be set besides the config file."""

    env: str | None  # its environment variable
    flag: str | None  # the command-line flag(s) that set it


SOURCES: dict[str, Source] = {
    "store.home": Source("MEDCITE_HOME", "--home"),
    "store.database_url": Source("MEDCITE_DATABASE_URL", None),
    "store.editorial_url": Source("MEDCITE_EDITORIAL_URL", None),
    "embed.embedder": Source("MEDCITE_EMBEDDER", None),
    "embed.threads": Source("MEDCITE_EMBED_THREADS", None),
    "embed.on_demand": Source("MEDCITE_EMBED_ON_DEMAND", None),
    "index.url": Source("MEDCITE_INDEX_URL", None),
    "ingest.workers": Source("MEDCITE_WORKERS", "ingest --workers"),
    "ingest.batch_size": Source(None, "ingest --batch-size"),
    "ingest.ray_address": Source("MEDCITE_RAY_ADDRESS", "ingest --ray, embed --ray"),
    "serve.host": Source(None, "serve --host"),
    "serve.port": Source(None, "serve --port"),
    "serve.workers": Source(None, "serve --workers"),
    "serve.public": Source("MEDCITE_PUBLIC", "serve --private"),
    "serve.trust_proxy": Source("MEDCITE_TRUST_PROXY", "serve --behind-proxy, --forwarded-allow-ips"),
    "serve.limits.max_body": Source("MEDCITE_MAX_BODY", None),
    "serve.limits.ask_per_minute": Source("MEDCITE_ASK_PER_MINUTE", None),
    "serve.limits.ask_burst": Source("MEDCITE_ASK_BURST", None),
    "serve.limits.login_failures_per_minute": Source("MEDCITE_LOGIN_FAILURES_PER_MINUTE", None),
    "serve.limits.login_failure_burst": Source(None, None),
    "sources.eutils_url": Source("MEDCITE_EUTILS_URL", None),
    "sources.api_key": Source("MEDCITE_NCBI_API_KEY", None),
    "sources.tool": Source(None, None),
    "sources.email": Source("MEDCITE_NCBI_EMAIL", None),
    "sources.requests_per_second": Source(None, None),
    "sources.timeout": Source(None, None),
    "sources.retries": Source(None, None),
    "sources.batch_size": Source(None, "sync pubmed --batch-size"),
    "sources.cache_dir": Source(None, None),
    "sources.cache_hours": Source(None, None),
    "sources.pubmed_queries": Source(None, None),
    "sources.pubmed_mirror": Source(None, "sync pubmed-baseline --mirror"),
    "sources.medlineplus": Source(None, "sync medlineplus --source"),
    "sources.medlineplus_delete_missing": Source(None, "sync medlineplus --delete-missing"),
    "sources.dailymed": Source(None, "sync dailymed --source"),
    "sources.pmc_queries": Source(None, None),
    "sources.pmc_licenses": Source(None, None),
    "sources.openfda_url": Source("MEDCITE_OPENFDA_URL", None),
    "sources.openfda_api_key": Source("MEDCITE_OPENFDA_API_KEY", None),
    "sources.openfda_searches": Source(None, None),
    "sources.openfda_requests_per_minute": Source(None, None),
    "sources.openfda_requests_per_day": Source(None, None),
    "sources.openfda_page_size": Source(None, "sync openfda --page-size"),
    "sources.schedule": Source(None, None),
}


def keys(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[str]:
    """Every setting's dotted name, in the tree's order."""
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from keys(kind, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in data.items():
        if isinstance(value, Mapping):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def _validate(data: dict[str, Any], origins: dict[str, str]) -> Settings:
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        where = origins.get(key) or next((v for k, v in origins.items() if k.startswith(f"{key}.")), "default")
        given = first.get("input")
        shown = f" {redact(str(given))!r}" if isinstance(given, str | int | float) else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"{where}: unknown setting {key!r} (`medcite config` lists them)") from None
        raise ConfigError(f"{key} ({where}){shown}: {message}") from None
    settings._origins = {k: v for k, v in origins.items() if v != "default"}
    return settings


def _read_config(path: Path, explicit: bool) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {path} does not exist") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load_settings(flags: Mapping[str, Any] | None = None, config: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """The settings: defaults < config file < environment < ``flags``.

    ``flags`` maps dotted setting names (``"store.home"``) to the values given on the command
    line; ``None`` values are ignored (the flag was not given). ``config`` names the config file
    (else ``$MEDCITE_CONFIG``, else ``HOME/medcite.toml`` if it exists, ``HOME`` being the data
    folder from the flag, ``$MEDCITE_HOME`` or the default). ``environ`` defaults to
    ``os.environ``: this is the one place medcite reads it. An empty variable counts as unset.
    Raises :class:`ConfigError` naming the setting, its source and what is wrong.
    """
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    unknown = [k for k in given if k not in SOURCES]
    if unknown:
        raise ValueError(f"not settings: {', '.join(unknown)}")
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}

    named = config or env.get(CONFIG_ENV) or None
    if named:
        path = Path(named).expanduser()
    else:
        home = given.get("store.home") or env.get("MEDCITE_HOME") or _default_home()
        path = Path(home).expanduser() / CONFIG_FILE
    from_file = _read_config(path, explicit=bool(named))
    if from_file is not None:
        where = f"config file {path}"
        for key, value in _flat(from_file):
            _put(data, key, value)
            origins[key] = where

    for key, source in SOURCES.items():
        if source.env and env.get(source.env, "").strip():
            _put(data, key, env[source.env].strip())
            origins[key] = f"env {source.env}"
    for key, value in given.items():
        _put(data, key, value)
        origins[key] = f"flag {(SOURCES[key].flag or key).split(', ')[0].split()[-1]}"
    settings = _validate(data, origins)
    settings._config_file = path if from_file is not None else None
    return settings


# -- showing them -----------------------------------------------------------------------------------

def _shown(key: str, value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if key.endswith("_url") and isinstance(value, str):
        return redact(value)
    if key.endswith("api_key") and value:
        return "***"  # a secret: `medcite config` shows that it is set, not what it is
    return value


def effective(settings: Settings) -> list[dict[str, Any]]:
    """One row per setting: ``key``, ``value``, ``from`` and its ``env`` variable and ``flag``."""
    rows = []
    for key in keys():
        source = SOURCES.get(key, Source(None, None))
        rows.append({"key": key, "value": _shown(key, settings.value(key)), "from": settings.origin(key),
                     "env": source.env, "flag": source.flag})
    return rows


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return json.dumps([str(v) for v in value], ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def as_toml(settings: Settings, looked_at: Path | None = None) -> str:
    """The effective settings as a config file, each line commented with where its value came
    from (``medcite config``; its output is a valid ``medcite.toml``)."""
    file = settings.config_file
    lines = [f"# config file: {file}" if file else
             f"# config file: none ({looked_at or 'HOME/' + CONFIG_FILE} does not exist)",
             "# precedence: default < config file < environment variable < flag"]
    section = None
    for row in effective(settings):
        parent, _, name = row["key"].rpartition(".")
        if parent != section:
            section = parent
            lines += ["", f"[{section}]"]
        note = row["from"]
        if row["key"] == "store.database_url" and not row["value"]:
            note += f" (sqlite:///{settings.db_path})"
        if row["env"] and row["from"] != f"env {row['env']}":
            note += f" · variable {row['env']}"
        if row["value"] is None:
            lines.append(f"# {name} =  # {note}")
        else:
            lines.append(f"{name} = {_toml(row['value'])}  # {note}")
    return "\n".join(lines) + "\n"
