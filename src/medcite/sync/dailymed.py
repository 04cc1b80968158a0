"""FDA drug labels from DailyMed's SPL release files
(https://dailymed.nlm.nih.gov/dailymed/spl-resources-all-drug-labels.cfm).

DailyMed publishes full releases (``dm_spl_release_human_rx_part1.zip`` …) and daily, weekly
and monthly updates (``dm_spl_weekly_update_MMDDYY_MMDDYY.zip`` …). Each holds one zip per
label (``prescription/20241130_<setid>.zip``), which holds the label's SPL XML (and its
images, not read). The source is a folder, one zip, a zip's URL, or a page linking to zips
(DailyMed's page, an index page) where the zips named ``dm_spl_*.zip`` are taken; each zip not
processed yet is read once, in name order (full releases before updates).

Labels go through the SPL parser ``medcite ingest`` uses and ``SQLiteStore.upsert``, keyed
``spl:<set id>``: a newer ``versionNumber`` replaces the stored label (its approved articles
become Needs re-review), an older one never does, whatever order the zips come in. A damaged
download is fetched again; a damaged label inside a zip is reported and the zip is not
remembered (the next run reads it again; the labels already stored come back unchanged).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError, MedciteError
from ..sources import spl
from ..types import Document
from . import SyncContext, SyncReport, recorded_run, state
from .baseline import md5_of
from .files import check_zip, checked_source, fetch, is_remote, listing, single_file
from .http import FetchError, HttpClient
from .labels import write_labels

SOURCE = "dailymed"
BATCH = 100
MAX_LABEL = 256 << 20  # a label zip's members (XML and images) are read only up to this size
_UPDATE = re.compile(r"update", re.I)
RELEASE = re.compile(r"^dm_spl_.*\.zip$", re.I)


def _order(name: str) -> tuple[int, str]:
    return (1 if _UPDATE.search(name) else 0, name)


def labels(path: Path) -> Iterator[tuple[str, Document | None, str]]:
    """(member, label or None, why not) for each label of a release zip: a zip per label
    (DailyMed's layout), or an SPL XML file directly in it."""
    with zipfile.ZipFile(path) as outer:
        for info in outer.infolist():
            lower = info.filename.lower()
            if info.is_dir() or not lower.endswith((".zip", ".xml")):
                continue
            try:
                if info.file_size > MAX_LABEL:
                    raise FetchError(f"larger than {MAX_LABEL >> 20} MiB")
                data = outer.read(info)
                if lower.endswith(".zip"):
                    with zipfile.ZipFile(io.BytesIO(data)) as inner:
                        xmls = [i for i in inner.infolist() if i.filename.lower().endswith(".xml")
                                and i.file_size <= MAX_LABEL]
                        if not xmls:
                            raise FetchError("no SPL .xml file in the label's zip")
                        data = inner.read(xmls[0])
                parsed = spl.parse(data, info.filename)
                yield info.filename, parsed.documents[0], ""
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, MedciteError) as exc:
                yield info.filename, None, str(exc) or type(exc).__name__


class DailyMedConnector:
    """``medcite sync dailymed --source URL_OR_DIR``."""

    name = SOURCE

    def __init__(self, source: str, client: HttpClient | None = None, limit: int | None = None) -> None:
        if not source.strip():
            raise ConfigError("no DailyMed source: give --source URL_OR_DIR (or set sources.dailymed)")
        self.source, self.client, self.limit = checked_source(source), client, limit

    def run(self, ctx: SyncContext) -> SyncReport:
        client = self.client or HttpClient.for_sources(ctx.settings.sources)
        return recorded_run(ctx, SOURCE, self.source, client, lambda report: self._sync(ctx, client, report))

    def _releases(self, client: HttpClient) -> list[tuple[str, str]]:
        one = single_file(self.source, (".zip",))
        if one is not None:
            return [one]
        # DailyMed's page links other zips too (mappings, images): only its SPL releases.
        found = [(n, w) for n, w in listing(client, self.source) if RELEASE.match(n)]
        return sorted(dict(found).items(), key=lambda nw: _order(nw[0]))

    def _sync(self, ctx: SyncContext, client: HttpClient, report: SyncReport) -> None:
        done = state.processed_files(ctx.store, SOURCE)
        todo = [(n, w) for n, w in self._releases(client) if n not in done]
        if self.limit is not None:
            todo = todo[: self.limit]
        ctx.tell("dailymed zips", 0, len(todo))
        for i, (name, where) in enumerate(todo):
            try:
                path = fetch(client, where, name, ctx.settings.cache_dir / SOURCE, check=check_zip)
                self._release(ctx, name, path, report)
            except FetchError as exc:  # this zip: reported; the others are independent of it
                report.errors.append(str(exc))
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                report.errors.append(f"{name}: not a readable zip ({exc}); not processed")
            else:
                if is_remote(where):
                    path.unlink(missing_ok=True)
            ctx.tell("dailymed zips", i + 1, len(todo))

    def _release(self, ctx: SyncContext, name: str, path: Path, report: SyncReport) -> None:
        batch: list[Document] = []
        count = failed = 0
        for member, doc, why in labels(path):
            if doc is None:
                failed += 1
                report.failed += 1
                report.errors.append(f"{name}: {member}: {why}")
                continue
            batch.append(doc)
            count += 1
            if len(batch) >= BATCH:
                write_labels(ctx, batch, name, report, f"sync:dailymed:{name}")
                batch.clear()
        if batch:
            write_labels(ctx, batch, name, report, f"sync:dailymed:{name}")
        if failed:
            with ctx.store.transaction() as db:
                state.count(db, report.run_id, failed=failed)
            report.errors.append(f"{name}: {failed} label(s) unreadable; not marked processed (read again next run)")
            return
        md5, size = md5_of(path), path.stat().st_size
        with ctx.store.transaction() as db:
            state.mark_file(db, SOURCE, name, md5, size, count, 0)
        report.files += 1
