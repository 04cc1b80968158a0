"""Document ids of local files: the same file is one document however its path was typed,
ids are one URL path segment, a local file cannot take another source's id, and migration
m007 rewrites the ids older versions stored."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from medcite.ingest import IngestReport, ingest
from medcite.serve.api import router
from medcite.store import SQLiteStore
from medcite.store.fts_query import match_expression
from test_store import assert_index_matches_rows

SEPSIS = "# Sepsis bundle\n\nGive broad-spectrum antibiotics within one hour of recognition.\n"
FALLS = ('<html><head><meta name="medcite:id" content="hosp:falls-policy"></head>'
         "<body><h1>Falls</h1><p>Assess every patient over 65 within six hours.</p></body></html>")
BARE = "---\nid: stroke-pathway\n---\n# Stroke\n\nCall the stroke team for any sudden weakness.\n"
SPACED = "---\nid: local:Chest Pain/v2\n---\n# Chest pain\n\nRecord an ECG within ten minutes.\n"
HIJACK = "---\nid: ngc:9085\ntitle: Not a guideline\n---\nThis file claims the id of an NGC guideline.\n"

API_DOCUMENT = next(r for r in router.routes if getattr(r, "path", "") == "/api/documents/{doc_id}")


def _ids(store: SQLiteStore) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT doc_id FROM documents ORDER BY doc_id")]


def _statuses(report: IngestReport) -> dict[str, int]:
    tally = report.tally("markup")
    return {"added": tally.added, "updated": tally.updated, "unchanged": tally.unchanged}


def test_one_file_typed_any_way_is_one_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "protocols"
    folder.mkdir()
    (folder / "Sepsis Bundle.md").write_text(SEPSIS)
    store = SQLiteStore(tmp_path / "medcite.db")
    monkeypatch.chdir(folder)
    typed = [folder / "Sepsis Bundle.md", "Sepsis Bundle.md", ".", str(folder) + "/", "./",
             "../protocols/./Sepsis Bundle.md", Path("..") / "protocols"]
    reports = [ingest([path], store, workers=1) for path in typed]
    assert all(r.ok for r in reports), [r.failures for r in reports]
    assert _ids(store) == ["local:sepsis-bundle"]
    assert _statuses(reports[0])["added"] == 1
    assert all(_statuses(r) == {"added": 0, "updated": 0, "unchanged": 1} for r in reports[1:])
    store.close()


def test_ids_under_a_folder_are_relative_to_it_and_url_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "Adult Wards").mkdir(parents=True)
    (inbox / "Adult Wards" / "Sepsis Bundle.md").write_text(SEPSIS)
    (inbox / "falls.html").write_text(FALLS)
    (inbox / "stroke.md").write_text(BARE)
    (inbox / "chest.md").write_text(SPACED)
    store = SQLiteStore(tmp_path / "medcite.db")
    monkeypatch.chdir(tmp_path)
    for typed in (inbox, "inbox", "./inbox/", Path("inbox") / ".." / "inbox"):
        report = ingest([typed], store, workers=2)
        assert report.ok, report.failures
    ids = _ids(store)
    assert ids == ["local:Chest-Pain--v2", "local:adult-wards--sepsis-bundle", "local:hosp:falls-policy",
                   "local:stroke-pathway"]
    for doc_id in ids:  # GET /api/documents/{doc_id} takes one path segment
        assert API_DOCUMENT.path_regex.match(f"/api/documents/{doc_id}"), doc_id
        assert store.document(doc_id) is not None
    store.close()


def test_a_local_file_cannot_replace_a_guideline(tmp_path: Path, data_dir: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(data_dir / "ngc-guidelines/samples/ngc-9085.xml", inbox / "ngc-9085.xml")
    (inbox / "hijack.md").write_text(HIJACK)
    store = SQLiteStore(tmp_path / "medcite.db")
    for paths in ([inbox], [inbox / "hijack.md"]):  # with the guideline, and after it
        report = ingest(paths, store, workers=1)
        (failure,) = report.failures
        assert Path(failure.path).name == "hijack.md"
        assert ("front-matter id 'ngc:9085' is in the ngc: namespace, which belongs to NGC guideline summaries"
                in failure.reason)
        assert report.tally("markup").failed == 1 and not report.changed
        doc = store.document("ngc:9085")
        assert doc is not None and doc.format == "ngc" and len(doc.passages) == 39
    assert _ids(store) == ["ngc:9085"]
    store.close()


# -- migration m007 ---------------------------------------------------------------------

# What this version stores -> what versions before m007 stored for the same files.
OLD_IDS = {
    "local:adult-wards--sepsis-bundle": "local:adult-wards/sepsis-bundle",
    "local:hosp:falls-policy": "hosp:falls-policy",
    "local:stroke-pathway": "stroke-pathway",
    "local:Chest-Pain--v2": "local:Chest Pain/v2",
}


def _old_store(tmp_path: Path, inbox: Path, data_dir: Path) -> tuple[Path, dict[str, int]]:
    """A store as a medcite before m007 left it: the inbox ingested under the old ids, and
    a guideline that a Markdown file replaced (then still possible)."""
    path = tmp_path / "medcite.db"
    store = SQLiteStore(path)
    assert ingest([inbox, data_dir / "ngc-guidelines/samples/ngc-9954.xml"], store, workers=1).ok
    passages = {OLD_IDS.get(d, d): len(store.passages_of(d)) for d in _ids(store)}
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    for new, old in OLD_IDS.items():  # (the content hash covered the old id)
        db.execute("UPDATE documents SET doc_id = ?, content_hash = 'old' WHERE doc_id = ?", (old, new))
    db.execute("UPDATE documents SET format = 'markup' WHERE doc_id = 'ngc:9954'")
    # An old id whose new form is taken: it gets its row number appended.
    db.execute("""INSERT INTO documents (doc_id, source_type, format, title, text, content_hash, created_at,
                  updated_at) VALUES ('local:a b', 'other', 'markup', 'A', '', 'x', 'now', 'now'),
                                     ('local:a-b', 'other', 'markup', 'B', '', 'y', 'now', 'now')""")
    db.execute("DELETE FROM _migrations WHERE name = 'm007_url_safe_local_ids'")
    db.execute("DROP TABLE document_aliases")
    db.close()
    return path, passages


def test_m007_rewrites_old_local_ids(tmp_path: Path, data_dir: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "Adult Wards").mkdir(parents=True)
    (inbox / "Adult Wards" / "Sepsis Bundle.md").write_text(SEPSIS)
    (inbox / "falls.html").write_text(FALLS)
    (inbox / "stroke.md").write_text(BARE)
    (inbox / "chest.md").write_text(SPACED)
    path, passages = _old_store(tmp_path, inbox, data_dir)
    old = sqlite3.connect(path)
    assert sorted(r[0] for r in old.execute("SELECT doc_id FROM documents")) == sorted(
        [*OLD_IDS.values(), "ngc:9954", "local:a b", "local:a-b"])
    rowid = old.execute("SELECT id FROM documents WHERE doc_id = 'local:a b'").fetchone()[0]
    old.close()

    store = SQLiteStore(path)
    assert "m007_url_safe_local_ids" in {r[0] for r in store.db.execute("SELECT name FROM _migrations")}
    assert _ids(store) == sorted([*OLD_IDS, "ngc:9954", "local:a-b", f"local:a-b-{rowid}"])
    for new, old_id in OLD_IDS.items():
        assert len(store.passages_of(new)) == passages[old_id] > 0
        moved = store.document(old_id)  # links and citations naming the old id still find it
        assert moved is not None and moved.doc_id == new
    assert len(store.passages_of("ngc:9954")) == passages["ngc:9954"]  # a replaced source id is left alone
    assert store.search(match_expression("broad-spectrum antibiotics"), k=1)[0].doc_id == "local:adult-wards--sepsis-bundle"
    assert_index_matches_rows(store)

    ids = _ids(store)
    report = ingest([inbox], store, workers=1)  # today's parser gives the ids m007 wrote
    assert report.ok and _ids(store) == ids
    assert _statuses(report) == {"added": 0, "updated": 4, "unchanged": 0}  # the hashes had the old ids
    report = ingest([inbox], store, workers=1)
    assert _statuses(report) == {"added": 0, "updated": 0, "unchanged": 4}
    store.close()


def test_m007_on_a_new_store_changes_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "medcite.db")
    assert store.db.execute("SELECT COUNT(*) FROM document_aliases").fetchone()[0] == 0
    store.close()
