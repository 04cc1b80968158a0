"""Connectors that fill and refresh the store from the real sources (``medcite sync``).

One module per source behind :class:`Connector`; ``http`` holds the rate-limited, retrying
client and the raw-reply cache; ``state`` what the store remembers between runs; ``testserver``
a local stand-in for the remote services (tests, and trying medcite offline).

Parsed records go through the parsers and ``SQLiteStore.upsert`` that ``medcite ingest`` uses
(documents keyed by their source id, a changed text replacing the old and bumping its version),
and approved articles citing a document a sync changed or deleted become "Needs re-review".
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..review import EditorialStore
from ..review.stale import flag_stale_articles
from ..settings import Settings
from ..store import SQLiteStore
from ..types import Document
from . import state
from .http import FetchError, HttpClient, ReplyCache

# (what is being done, units done, units in all or None)
Progress = Callable[[str, int, int | None], None]


@dataclass(slots=True)
class SyncReport:
    """What one run of a connector did."""

    source: str
    target: str = ""
    run_id: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0  # records or files that could not be used
    requests: int = 0  # sent over the network, retries included
    cached: int = 0  # replies read from the disk cache instead
    files: int = 0  # mirror files processed
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # doc_ids updated or deleted
    flagged: list[str] = field(default_factory=list)  # approved articles sent back for review
    skipped: dict[str, int] = field(default_factory=dict)  # records left out on purpose, by reason

    @property
    def ok(self) -> bool:
        return not self.errors

    def tally(self, docs: Sequence[Document], statuses: list[str]) -> None:
        """Count the statuses ``SQLiteStore.upsert`` gave ``docs``; an updated one is changed."""
        for doc, status in zip(docs, statuses, strict=True):
            setattr(self, status, getattr(self, status) + 1)
            if status == "updated":
                self.changed.append(doc.doc_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "target": self.target, "ok": self.ok, "run_id": self.run_id,
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "deleted": self.deleted, "failed": self.failed, "files": self.files,
            "skipped": sum(self.skipped.values()), "skipped_by_reason": dict(self.skipped),
            "requests": self.requests, "cached": self.cached, "seconds": round(self.seconds, 3),
            "errors": list(self.errors), "retries": list(self.retries), "warnings": list(self.warnings),
            "articles_needing_rereview": list(self.flagged),
        }


@dataclass
class SyncContext:
    """What a connector works with: the store, the editorial database (for re-review) and
    the settings."""

    store: SQLiteStore
    settings: Settings
    articles: EditorialStore | None = None
    progress: Progress | None = None

    def tell(self, what: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    def flag_stale(self, report: SyncReport) -> None:
        """Approved articles citing a document that changed or is gone: Needs re-review. Every
        cited document is compared, not only this run's: an earlier run killed between its
        write and this check is caught up here."""
        if self.articles is not None:
            found = flag_stale_articles(self.articles, self.store, None)
            report.flagged.extend(a.id for a in found)


# Errors reading a file or writing the store that end a run, reported as "<type>: <message>".
IO_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, sqlite3.Error)


def run_target(what: str, since: str, max_records: int | None, remember_as: str | None = None) -> str:
    """What a query-driven run is recorded as (``medcite sources``; ``sync all`` finds its last
    one by it): ``remember_as`` when given, else the query with its since-clause and cap."""
    if remember_as:
        return remember_as
    return what + (f" [{since}]" if since else "") + (f" [max {max_records}]" if max_records else "")


def recorded_run(ctx: SyncContext, source: str, target: str, client: HttpClient,
                 sync: Callable[[SyncReport], None], *, unreadable: tuple[type[Exception], ...] = IO_ERRORS,
                 rejected: tuple[type[Exception], ...] = (), cache: ReplyCache | None = None) -> SyncReport:
    """Run ``sync`` as one run of ``source`` for ``target`` in ``sync_runs``, and its report.

    A :class:`FetchError` ends it as an error in the report, as does one of ``rejected`` (also
    counted failed) or of ``unreadable``; what was committed stays. Approved articles citing a
    changed document are then flagged, and the run's requests, retries and time recorded
    whatever happens."""
    report = SyncReport(source, target)
    started = time.perf_counter()
    report.run_id = state.start_run(ctx.store, source, target)
    try:
        try:
            sync(report)
        except FetchError as exc:
            report.errors.append(str(exc))
        except rejected as exc:
            report.failed += 1
            report.errors.append(str(exc))
        except unreadable as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
        ctx.flag_stale(report)
    finally:
        report.requests = client.requests
        report.cached = cache.hits if cache is not None else 0
        report.retries = list(client.retried)
        report.seconds = time.perf_counter() - started
        state.finish_run(ctx.store, report.run_id, report.ok, report.errors, report.requests, report.cached)
    return report


class Connector(Protocol):
    """One source. ``run`` never raises for a remote failure: it is reported in the report's
    ``errors`` (what was committed before it stays)."""

    name: str

    def run(self, ctx: SyncContext) -> SyncReport: ...


__all__ = ["IO_ERRORS", "Connector", "Progress", "SyncContext", "SyncReport", "recorded_run"]
