"""The SQLite store: migrations, idempotent upsert, atomic passage replacement."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from medcite.sources import ngc, spl
from medcite.store import SQLiteStore
from medcite.store.migrations import MIGRATIONS


def _ngc_doc(data_dir: Path, ngc_id: str = "9085"):
    path = data_dir / "ngc-guidelines" / "samples" / f"ngc-{ngc_id}.xml"
    (doc,) = ngc.parse(path.read_bytes(), path.name).documents
    return doc


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "m.db").close()
    SQLiteStore(tmp_path / "m.db").close()
    db = sqlite3.connect(tmp_path / "m.db")
    names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == sorted(name for name, _ in MIGRATIONS)


def test_upsert_is_idempotent_and_versions_changes(empty_store: SQLiteStore, data_dir: Path) -> None:
    doc = _ngc_doc(data_dir)
    assert empty_store.upsert([doc]) == ["added"]
    assert empty_store.upsert([doc]) == ["unchanged"]
    info = empty_store.document_info(doc.doc_id)
    assert info is not None and info["version"] == 1 and info["passages"] == len(doc.passages)

    # A changed document replaces its passages and bumps the version.
    shorter = dataclasses.replace(doc, passages=doc.passages[:3], title=doc.title + " (revised)")
    assert empty_store.upsert([shorter]) == ["updated"]
    info = empty_store.document_info(doc.doc_id)
    assert info is not None and info["version"] == 2 and info["passages"] == 3
    fts_rows = empty_store.db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
    assert fts_rows == 3
    stored = empty_store.document(doc.doc_id)
    assert stored is not None and stored.title.endswith("(revised)")
    assert [p.text for p in stored.passages] == [p.text for p in doc.passages[:3]]


def test_roundtrip_keeps_every_field(empty_store: SQLiteStore, data_dir: Path) -> None:
    path = data_dir / "fda-spl-labels" / "humira.xml"
    (doc,) = spl.parse(path.read_bytes(), path.name).documents
    empty_store.upsert([doc])
    stored = empty_store.document(doc.doc_id)
    assert stored is not None
    assert stored.content_hash() == doc.content_hash()
    for p in stored.passages:
        assert stored.text[p.start : p.end] == p.text


def test_failed_batch_rolls_back(empty_store: SQLiteStore, data_dir: Path) -> None:
    good = _ngc_doc(data_dir)
    bad = dataclasses.replace(_ngc_doc(data_dir, "9954"), title=None)  # NOT NULL violation
    try:
        empty_store.upsert([good, bad])
    except sqlite3.IntegrityError:
        pass
    else:  # pragma: no cover - the constraint must fire
        raise AssertionError("expected an integrity error")
    assert empty_store.stats()["documents"] == 0
    assert empty_store.db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0] == 0


def test_delete_removes_passages_and_index(empty_store: SQLiteStore, data_dir: Path) -> None:
    doc = _ngc_doc(data_dir)
    empty_store.upsert([doc])
    assert empty_store.delete(doc.doc_id)
    assert empty_store.document(doc.doc_id) is None
    assert empty_store.db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0] == 0
    assert not empty_store.delete(doc.doc_id)


def test_a_file_that_is_not_a_store_is_reported(tmp_path: Path) -> None:
    from medcite.errors import StoreError

    bogus = tmp_path / "not-a-db.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    try:
        SQLiteStore(bogus)
    except StoreError as exc:
        assert "not a medcite store" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected StoreError")
