"""The PubMed baseline and daily update files, from NCBI's FTP/HTTPS mirror or a copy of it.

Laid out as NCBI lays them out (https://ftp.ncbi.nlm.nih.gov/pubmed/): ``baseline/`` and
``updatefiles/`` under the mirror's root, each holding ``pubmedYYnNNNN.xml.gz`` and its
``.md5`` (``MD5(pubmedYYnNNNN.xml.gz)= <hex>``). Files are processed in order (year; the
baseline before its update files; number), each once: its md5 is checked, its citations go
through ``medcite ingest`` (parsed in parallel worker processes, a newer version of a PMID
replacing the older), its ``DeleteCitation`` PMIDs are deleted, and the file is remembered
(``sync_files``) in the transaction of those deletions. The first file that fails stops the
run: a later update file applied before an earlier one could be undone by it.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..ingest import ingest
from . import SyncContext, SyncReport, recorded_run, state
from .http import FetchError, HttpClient, Retry

SOURCE = "pubmed-baseline"
FILE = re.compile(r"^pubmed(\d\d)n(\d{4})\.xml\.gz$")
FOLDERS = ("baseline", "updatefiles")
_HREF = re.compile(r'href="([^"?#]+)"', re.I)
_MD5_LINE = re.compile(r"([0-9a-f]{32})", re.I)
_DELETE = re.compile(rb"<DeleteCitation>(.*?)</DeleteCitation>", re.S)
_PMID = re.compile(rb"<PMID[^>]*>\s*(\d+)\s*</PMID>")


@dataclass(frozen=True, order=True)
class MirrorFile:
    year: int
    folder_rank: int  # 0 baseline, 1 updatefiles
    number: int
    folder: str
    filename: str

    @property
    def name(self) -> str:
        return f"{self.folder}/{self.filename}"


def _listed(folder: str, names: list[str]) -> list[MirrorFile]:
    out = []
    for n in names:
        m = FILE.match(n)
        if m:
            out.append(MirrorFile(int(m[1]), FOLDERS.index(folder), int(m[2]), folder, n))
    return out


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_SMALL_FILE = 4 << 20  # bytes of gzip: about 4,000 citations


def deleted_pmids(path: Path) -> list[str]:
    """The PMIDs of a file's ``DeleteCitation`` elements (read by streaming: an update file
    lists them after its citations)."""
    found: list[str] = []
    tail = b""
    with gzip.open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            data = tail + chunk
            start = data.rfind(b"<DeleteCitation>")
            for block in _DELETE.findall(data):
                found.extend(p.decode() for p in _PMID.findall(block))
            # Keep an unfinished element (or a tag cut between chunks) for the next chunk.
            tail = data[start:] if start >= 0 and data.find(b"</DeleteCitation>", start) < 0 else data[-32:]
    return list(dict.fromkeys(found))


class Mirror:
    """A mirror's root: a folder, or an http(s) URL whose folders list their files (the
    index pages NCBI's server and ``python -m http.server`` write)."""

    def __init__(self, where: str, client: HttpClient, downloads: Path) -> None:
        self.where = where.strip()
        self.client, self.downloads = client, downloads
        parsed = urllib.parse.urlparse(self.where)
        self.remote = parsed.scheme in ("http", "https")
        if parsed.scheme == "file":
            self.where = urllib.parse.unquote(parsed.path)
        if not self.remote and not Path(self.where).is_dir():
            raise ConfigError(f"mirror {where!r} is neither a folder nor an http(s) URL")
        if self.remote and not self.where.endswith("/"):
            self.where += "/"

    def files(self) -> list[MirrorFile]:
        """The mirror's files; a mirror with neither a ``baseline/`` nor an ``updatefiles/``
        folder is a wrong address, not an empty mirror."""
        out: list[MirrorFile] = []
        found = 0
        for folder in FOLDERS:
            if self.remote:
                try:
                    page = self.client.get(self.where + folder + "/").decode("utf-8", "replace")
                except FetchError as exc:
                    if "HTTP 404" in str(exc):
                        continue  # a mirror of the update files alone, or of the baseline alone
                    raise
                names = [html.unescape(urllib.parse.unquote(h)).rsplit("/", 1)[-1] for h in _HREF.findall(page)]
            else:
                local = Path(self.where) / folder
                if not local.is_dir():
                    continue
                names = [p.name for p in local.iterdir()]
            found += 1
            out += _listed(folder, names)
        if not found:
            raise ConfigError(f"mirror {self.where!r} has neither {' nor '.join(f + '/' for f in FOLDERS)} "
                              "(the layout of NCBI's pubmed/ folder): check the address")
        return sorted(out)

    def expected_md5(self, f: MirrorFile) -> str:
        if self.remote:
            text = self.client.get(self.where + f.name + ".md5").decode("ascii", "replace")
        else:
            path = Path(self.where) / (f.name + ".md5")
            try:
                text = path.read_text(encoding="ascii", errors="replace")
            except OSError as exc:
                raise FetchError(f"{f.name}: no checksum file ({exc.strerror})") from None
        match = _MD5_LINE.search(text.rsplit("=", 1)[-1]) or _MD5_LINE.search(text)
        if not match:
            raise FetchError(f"{f.name}.md5: no MD5 checksum in it")
        return match[1].lower()

    def local(self, f: MirrorFile, md5: str) -> Path:
        """The file on this machine, its md5 checked (a download is retried once on a mismatch,
        a corrupted transfer being the likeliest cause)."""
        if not self.remote:
            path = Path(self.where) / f.name
            got = md5_of(path)
            if got != md5:
                raise FetchError(f"{f.name}: md5 {got} does not match its .md5 file ({md5}); not processed")
            return path
        dest = self.downloads / f.name
        if dest.is_file() and md5_of(dest) == md5:
            return dest

        def check(part: Path) -> None:
            got = md5_of(part)
            if got != md5:
                raise Retry(f"md5 {got} does not match its .md5 file ({md5})")

        try:
            return self.client.download(self.where + f.name, dest, check=check)
        except FetchError as exc:
            raise FetchError(f"{f.name}: {exc}; not processed") from None


class BaselineConnector:
    """``medcite sync pubmed-baseline --mirror URL_OR_DIR``."""

    name = SOURCE

    def __init__(self, mirror: str, client: HttpClient | None = None, limit: int | None = None) -> None:
        if not mirror.strip():
            raise ConfigError("no mirror: give --mirror URL_OR_DIR (or set sources.pubmed_mirror)")
        self.mirror, self.client, self.limit = mirror, client, limit

    def run(self, ctx: SyncContext) -> SyncReport:
        client = self.client or HttpClient.for_sources(ctx.settings.sources)
        mirror = Mirror(self.mirror, client, ctx.settings.cache_dir / SOURCE)
        return recorded_run(ctx, SOURCE, self.mirror, client, lambda report: self._sync(ctx, mirror, report))

    def _sync(self, ctx: SyncContext, mirror: Mirror, report: SyncReport) -> None:
        done = state.processed_files(ctx.store, SOURCE)
        todo = [f for f in mirror.files() if f.name not in done]
        if self.limit is not None:
            todo = todo[: self.limit]
        ctx.tell("pubmed-baseline files", 0, len(todo))
        for i, f in enumerate(todo):
            md5 = mirror.expected_md5(f)
            path = mirror.local(f, md5)
            # A small update file parses faster in this process than a pool of parsers starts
            # (the pool pays off on the baseline's ~30,000-citation files).
            small = path.stat().st_size < _SMALL_FILE
            ingested = ingest([path], ctx.store, batch_size=ctx.settings.ingest.batch_size,
                              workers=1 if small else ctx.settings.ingest.workers)
            if ingested.failures:
                report.failed += 1
                reasons = "; ".join(x.reason for x in ingested.failures[:3])
                raise FetchError(f"{f.name}: {reasons}; not marked processed (later files wait for it)")
            tally = ingested.tallies.get("pubmed")
            added = tally.added if tally else 0
            updated = tally.updated if tally else 0
            unchanged = tally.unchanged if tally else 0
            report.added += added
            report.updated += updated
            report.unchanged += unchanged
            report.changed.extend(ingested.changed)
            doomed = [f"pmid:{p}" for p in deleted_pmids(path)]
            size = path.stat().st_size

            def remember(db: sqlite3.Connection, gone: list[str], f: MirrorFile = f, md5: str = md5,
                         size: int = size, docs: int = ingested.documents, added: int = added,
                         updated: int = updated, unchanged: int = unchanged) -> None:
                state.count(db, report.run_id, added=added, updated=updated, unchanged=unchanged, deleted=len(gone))
                state.mark_file(db, SOURCE, f.name, md5, size, docs, len(gone))

            gone = ctx.store.delete_documents(doomed, also=remember)
            if mirror.remote:
                path.unlink(missing_ok=True)  # remembered as processed: the download is not needed again
            report.deleted += len(gone)
            report.changed.extend(gone)
            report.files += 1
            ctx.tell("pubmed-baseline files", i + 1, len(todo))
