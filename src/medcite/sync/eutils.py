"""The E-utilities machinery PubMed and PMC share: esearch on the history server, efetch in
batches, replies checked, cached and resumed.

``esearch`` (``usehistory=y``, ``retmax=0``) leaves the result set on NCBI's history server
(``WebEnv`` + ``query_key``) and gives its ``Count``; ``efetch`` then reads it in batches of
``sources.batch_size`` records (``retstart``/``retmax``, XML). Each batch is parsed by the
parser ``medcite ingest`` uses for the database's XML and written with the next ``retstart``
in one transaction, so a sync killed at any point resumes after the last batch it stored.
Replies are cached on disk: esearch for ``sources.cache_hours``, efetch for as long as its
WebEnv's search reply is cached, so re-running a sync costs no request. A connector is a
subclass naming its database (:attr:`EutilsConnector.db`), the root of its efetch replies and
how a batch becomes documents (:meth:`EutilsConnector.parse_batch`).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date

from lxml import etree

from ..errors import ConfigError, MedciteError
from ..sources import pubmed as pubmed_parser
from ..types import Parsed
from . import SyncContext, SyncReport, recorded_run, run_target, state
from .http import FetchError, HttpClient, ReplyCache, Retry

_DATE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$")
# An efetch <ERROR> saying the history server no longer holds the search (WebEnv expired).
_LOST_QUERY = re.compile(r"query|webenv|history", re.I)


class EutilsError(FetchError):
    """E-utilities answered with an error reply (``<ERROR>``) instead of results."""


def ncbi_date(text: str) -> str:
    """``2024``, ``2024-03`` or ``2024-03-05`` (or with slashes) as E-utilities' YYYY/MM/DD."""
    match = _DATE.match(text.strip())
    if not match:
        raise ConfigError(f"--since {text!r}: not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        date(year, month, day)
    except ValueError as exc:
        raise ConfigError(f"--since {text!r}: {exc}") from None
    return f"{year:04d}/{month:02d}/{day:02d}"


def _root(body: bytes, what: str) -> etree._Element:
    try:
        return pubmed_parser.parse_xml(body)
    except MedciteError as exc:
        # A reply cut off mid-way (a connection dropped inside a chunked body) is not
        # well-formed: ask again.
        raise Retry(f"{what} reply is not well-formed XML ({exc})") from None


def _errors(root: etree._Element) -> list[str]:
    return [" ".join((e.text or "").split()) for e in root.iter("ERROR")]


def check_esearch(body: bytes) -> None:
    root = _root(body, "esearch")
    errors = _errors(root)
    if errors:
        raise EutilsError("esearch: NCBI replied with an error: " + "; ".join(errors))
    if root.tag != "eSearchResult" or root.findtext("Count") is None:
        raise Retry(f"esearch reply has no Count (root <{root.tag}>)")


def check_efetch(body: bytes, root_tag: str = "PubmedArticleSet") -> None:
    root = _root(body, "efetch")
    errors = _errors(root)
    if errors:
        raise EutilsError("efetch: NCBI replied with an error: " + "; ".join(errors))
    if root.tag != root_tag:
        raise Retry(f"efetch reply is not a {root_tag} (root <{root.tag}>)")


@dataclass(frozen=True)
class Search:
    count: int
    webenv: str
    query_key: str
    warnings: tuple[str, ...] = ()


def parse_search(body: bytes) -> Search:
    root = pubmed_parser.parse_xml(body)
    warnings = [f"{e.tag}: {' '.join((e.text or '').split())}" for e in root.iterfind("ErrorList/*")]
    warnings += [" ".join((e.text or "").split()) for e in root.iterfind("WarningList/OutputMessage")]
    webenv, key = root.findtext("WebEnv") or "", root.findtext("QueryKey") or ""
    count = int(root.findtext("Count") or 0)
    if count and not (webenv and key):
        raise EutilsError("esearch: the reply has no WebEnv/QueryKey (history server not used)")
    return Search(count, webenv, key, tuple(w for w in warnings if w))


class EutilsConnector(ABC):
    """``medcite sync <db> --query Q [--since DATE] [--max N]`` for one Entrez database."""

    name = ""  # the source, as runs, cursors and the cache folder name it
    db = ""  # the Entrez database (esearch/efetch db=)
    set_root = ""  # the root element of an efetch reply
    example = ""  # a query, for the message when none is given

    def __init__(self, query: str, since: str | None = None, max_records: int | None = None,
                 client: HttpClient | None = None, remember_as: str | None = None) -> None:
        if not query.strip():
            raise ConfigError(f"--query is empty: give a {self.name} search, e.g. --query '{self.example}'")
        if max_records is not None and max_records < 1:
            raise ConfigError(f"--max {max_records}: give 1 or more")
        self.query = " ".join(query.split())
        self.since = ncbi_date(since) if since else None
        self.max_records = max_records
        self.client = client
        self.remember_as = remember_as

    @property
    def target(self) -> str:
        """What the run is recorded as (``medcite sources``; ``sync all`` finds its last one)."""
        return run_target(self.query, f"mdat since {self.since}" if self.since else "", self.max_records,
                          self.remember_as)

    def term(self) -> str:
        """The esearch ``term``: the query as given (PMC adds its open-access filter)."""
        return self.query

    @abstractmethod
    def parse_batch(self, body: bytes, name: str, ctx: SyncContext, report: SyncReport) -> Parsed:
        """The documents of one efetch reply to store (raises MedciteError when unreadable)."""

    def check_efetch(self, body: bytes) -> None:
        check_efetch(body, self.set_root)

    def run(self, ctx: SyncContext) -> SyncReport:
        conf = ctx.settings.sources
        client = self.client or HttpClient.for_sources(conf)
        cache = ReplyCache(ctx.settings.cache_dir / self.name)
        max_age = conf.cache_hours * 3600
        cache.prune(max(max_age, 3600.0))
        base = conf.eutils_url.rstrip("/") + "/"
        ident = {k: v for k, v in (("tool", conf.tool), ("email", conf.email), ("api_key", conf.api_key)) if v}
        cursor_key = hashlib.sha256(self.target.encode()).hexdigest()[:32]

        def sync(report: SyncReport) -> None:
            try:
                self._sync(ctx, client, cache, base, ident, max_age, cursor_key, report)
            except sqlite3.Error as exc:  # the store refused a write: what was committed stays
                report.errors.append(f"store: {exc}")

        return recorded_run(ctx, self.name, self.target, client, sync, unreadable=(), cache=cache)

    def _search(self, client: HttpClient, cache: ReplyCache, base: str, ident: dict[str, str],
                max_age: float | None) -> tuple[Search, str]:
        params: dict[str, object] = {"db": self.db, "term": self.term(), "usehistory": "y", "retmax": 0}
        if self.since:
            params.update(datetype="mdat", mindate=self.since, maxdate="3000")
        key = cache.key("esearch", params)
        body = cache.get(key, max_age) if max_age else None
        if body is None:
            body = client.get(base + "esearch.fcgi", {**params, **ident}, check=check_esearch)
            cache.put(key, body)
        return parse_search(body), key

    def _sync(self, ctx: SyncContext, client: HttpClient, cache: ReplyCache, base: str, ident: dict[str, str],
              max_age: float, cursor_key: str, report: SyncReport) -> None:
        batch = ctx.settings.sources.batch_size
        search, search_key = self._search(client, cache, base, ident, max_age)
        for _ in range(2):  # a second time when the history server has lost the search
            report.warnings.extend(w for w in search.warnings if w not in report.warnings)
            total = min(search.count, self.max_records or search.count)
            cursor = state.get_cursor(ctx.store, self.name, cursor_key)
            start = int(cursor["retstart"]) if cursor and cursor.get("webenv") == search.webenv else 0
            ctx.tell(f"{self.name} {self.query[:40]}", start, total)
            try:
                self._fetch(ctx, client, cache, base, ident, search, start, total, batch, cursor_key, report)
                return
            except EutilsError as exc:
                if not _LOST_QUERY.search(str(exc)):
                    raise
                # The WebEnv expired (a resumed or cached search older than NCBI keeps it):
                # search again; batches already stored come back unchanged, not twice.
                report.warnings.append(f"{exc}; searching again")
                cache.drop(search_key)
                search, search_key = self._search(client, cache, base, ident, None)

    def _fetch(self, ctx: SyncContext, client: HttpClient, cache: ReplyCache, base: str, ident: dict[str, str],
               search: Search, start: int, total: int, batch: int, cursor_key: str, report: SyncReport) -> None:
        for retstart in range(start, total, batch):
            retmax = min(batch, total - retstart)
            params: dict[str, object] = {"db": self.db, "WebEnv": search.webenv, "query_key": search.query_key,
                                         "retstart": retstart, "retmax": retmax, "retmode": "xml"}
            key = cache.key("efetch", params)
            body = cache.get(key)
            if body is None:
                body = client.get(base + "efetch.fcgi", {**params, **ident}, check=self.check_efetch)
                cache.put(key, body)
            name = f"efetch:{self.db}:{search.webenv}:{retstart}+{retmax}"
            try:
                parsed = self.parse_batch(body, name, ctx, report)
            except MedciteError as exc:
                cache.drop(key)
                raise FetchError(f"efetch retstart={retstart}: {exc}") from None
            following = {"webenv": search.webenv, "retstart": retstart + retmax, "count": total}
            done = retstart + retmax >= total

            def record(db: sqlite3.Connection, statuses: list[str], following: dict[str, object] = following,
                       done: bool = done) -> None:
                state.count(db, report.run_id, **state.tallies(statuses))
                state.set_cursor(db, self.name, cursor_key, None if done else following)

            statuses = ctx.store.upsert(parsed.documents, source_path=name, abbreviations=parsed.abbreviations,
                                        also=record)
            report.tally(parsed.documents, statuses)
            ctx.tell(f"{self.name} {self.query[:40]}", retstart + retmax, total)
