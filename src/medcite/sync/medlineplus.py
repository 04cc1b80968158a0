"""MedlinePlus health topics: the XML file NLM publishes (https://medlineplus.gov/xml.html) as
``mplus_topics_YYYY-MM-DD.xml`` and ``mplus_topics_compressed_YYYY-MM-DD.zip``.

The source is a file, a folder, a file's URL, or a page linking to the files (NLM's page, an
index page): the newest file by its date is taken (the zip when both are offered). A file
already processed is not fetched again; one older than the last processed is refused (a newer
file replaces an older, never the reverse). Topics go through the parser ``medcite ingest``
uses and ``SQLiteStore.upsert`` (keyed ``medlineplus:<id>``; a changed summary replaces the
older one). Topics a previous sync stored that the new file no longer has are reported, and
deleted only with ``sources.medlineplus_delete_missing``; the file is remembered in the
transaction of those deletions.
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

from ..clinical.abbreviations import document_definitions
from ..errors import ConfigError, MedciteError
from ..sources import medlineplus as parser
from ..types import Parsed
from . import IO_ERRORS, SyncContext, SyncReport, recorded_run, state
from .baseline import md5_of as md5_file
from .files import check_zip, checked_source, fetch, is_remote, listing, single_file
from .http import FetchError, HttpClient, Retry

SOURCE = "medlineplus"
XML_PAGE = "https://medlineplus.gov/xml.html"
NAME = re.compile(r"^mplus_topics_(compressed_)?(\d{4}-\d{2}-\d{2})\.(xml|zip)$")
_GENERATED = re.compile(rb'<health-topics[^>]*\bdate-generated="(\d{1,2})/(\d{1,2})/(\d{4})')
BATCH = 500
PATH_PREFIX = "sync:medlineplus:"
MAX_XML = 512 << 20


def pick(names: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The newest topics file among (name, where): by date, the zip before the XML."""
    found = [(m[2], m[3] == "zip", n, w) for n, w in names if (m := NAME.match(n))]
    if not found:
        return None
    _, _, name, where = max(found)
    return name, where


def check_xml(path: Path) -> None:
    """An XML download cut off before its closing element: ask again."""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 256))
        tail = f.read()
    if b"</health-topics>" not in tail and b"</MedicalTopics>" not in tail:
        raise Retry("truncated XML (no closing </health-topics>)")


def read_topics(path: Path) -> bytes:
    """The XML of a topics file (in a zip: its first .xml member)."""
    if path.suffix.lower() != ".zip":
        return path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        member = next((i for i in zf.infolist() if i.filename.lower().endswith(".xml")), None)
        if member is None:
            raise FetchError(f"{path.name}: no .xml file in the zip")
        if member.file_size > MAX_XML:
            raise FetchError(f"{path.name}: {member.filename} is larger than {MAX_XML >> 20} MiB")
        return zf.read(member)


def file_date(name: str, xml: bytes) -> str:
    """The file's date (ISO): its ``date-generated``, else the date in its name, else ''."""
    m = _GENERATED.search(xml[:4096])
    if m:
        return f"{int(m[3]):04d}-{int(m[1]):02d}-{int(m[2]):02d}"
    n = re.search(r"(\d{4}-\d{2}-\d{2})", name)
    return n[1] if n else ""


class MedlinePlusConnector:
    """``medcite sync medlineplus [--source URL_OR_FILE]``."""

    name = SOURCE

    def __init__(self, source: str = XML_PAGE, client: HttpClient | None = None,
                 delete_missing: bool | None = None) -> None:
        if not source.strip():
            raise ConfigError("no MedlinePlus source: give --source URL_OR_FILE (or set sources.medlineplus)")
        self.source = checked_source(source)
        self.client = client
        self.delete_missing = delete_missing

    def run(self, ctx: SyncContext) -> SyncReport:
        client = self.client or HttpClient.for_sources(ctx.settings.sources)
        # A MedciteError other than a FetchError: the file is not MedlinePlus topics XML.
        return recorded_run(ctx, SOURCE, self.source, client, lambda report: self._sync(ctx, client, report),
                            rejected=(MedciteError,), unreadable=(*IO_ERRORS, zipfile.BadZipFile))

    def _choose(self, client: HttpClient) -> tuple[str, str]:
        chosen = single_file(self.source, (".xml", ".zip")) or pick(listing(client, self.source))
        if chosen is None:
            raise FetchError(f"{self.source}: no mplus_topics_YYYY-MM-DD.xml (or _compressed_ .zip) file found "
                             "there")
        return chosen

    def _sync(self, ctx: SyncContext, client: HttpClient, report: SyncReport) -> None:
        name, where = self._choose(client)
        report.target = f"{self.source} ({name})" if name not in self.source else self.source
        if name in state.processed_files(ctx.store, SOURCE):
            report.warnings.append(f"{name} was synced already: nothing to do")
            return
        ctx.tell("medlineplus", 0, None)
        check = check_zip if name.lower().endswith(".zip") else check_xml
        path = fetch(client, where, name, ctx.settings.cache_dir / SOURCE, check=check)
        xml = read_topics(path)
        date = file_date(name, xml)
        last = state.get_cursor(ctx.store, SOURCE, "latest")
        if last and date and last.get("date", "") > date:
            raise FetchError(f"{name} (of {date}) is older than {last['name']} (of {last['date']}) already "
                             "synced; not applied")
        parsed = parser.parse(xml, name)
        self._store(ctx, parsed, name, path, date, report)
        if is_remote(where):
            path.unlink(missing_ok=True)  # remembered as processed: not needed again

    def _store(self, ctx: SyncContext, parsed: Parsed, name: str, path: Path, date: str,
               report: SyncReport) -> None:
        docs = parsed.documents
        if not docs:
            raise FetchError(f"{name}: no health topic with a summary in it; not applied")
        if parsed.vocab:
            ctx.store.add_vocab(parsed.vocab)
        total = len(docs)
        for start in range(0, total, BATCH):
            chunk = docs[start: start + BATCH]

            def record(db: sqlite3.Connection, statuses: list[str]) -> None:
                state.count(db, report.run_id, **state.tallies(statuses))

            statuses = ctx.store.upsert(chunk, source_path=PATH_PREFIX + name,
                                        abbreviations=[document_definitions(d.title, d.text) for d in chunk],
                                        also=record)
            report.tally(chunk, statuses)
            ctx.tell("medlineplus", start + len(chunk), total)
        present = {d.doc_id for d in docs}
        missing = [r[0] for r in ctx.store.db.execute(
            "SELECT doc_id FROM documents WHERE format = ? AND source_path LIKE ? ORDER BY doc_id",
            (parser.FORMAT, PATH_PREFIX + "%")) if r[0] not in present]
        delete = self.delete_missing if self.delete_missing is not None else \
            ctx.settings.sources.medlineplus_delete_missing
        md5, size = md5_file(path), path.stat().st_size
        cursor = {"name": name, "date": date}

        def remember(db: sqlite3.Connection, gone: list[str]) -> None:
            state.count(db, report.run_id, deleted=len(gone))
            state.mark_file(db, SOURCE, name, md5, size, len(docs), len(gone))
            state.set_cursor(db, SOURCE, "latest", cursor)

        gone = ctx.store.delete_documents(missing if delete else [], also=remember)
        report.deleted += len(gone)
        report.changed.extend(gone)
        report.files += 1
        if missing and not delete:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            report.warnings.append(f"{len(missing)} topic(s) no longer in {name} kept (set "
                                   f"sources.medlineplus_delete_missing = true to delete them): {shown}")
