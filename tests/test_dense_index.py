"""Vector cache, resumable prioritised embedding and the dense index, on real guidelines and labels.

One module-scoped store (4 NGC samples + 6 SPL labels, ~790 distinct passage texts) is
embedded once; tests that change it work on a copy.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from medcite.index import dense
from medcite.index.dense import DenseIndex, index_dir
from medcite.ingest import ingest
from medcite.retrieve.embed import Embedder, OnnxMiniLMEmbedder, get_embedder
from medcite.retrieve.on_demand import embed_on_demand
from medcite.store import SQLiteStore
from medcite.store import vectors as V

GBS_QUERY = "intravenous immunoglobulin for Guillain-Barré syndrome in adults"


def _sources(data_dir: Path) -> list[Path]:
    return [data_dir / "ngc-guidelines" / "samples", data_dir / "fda-spl-labels"]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    # The real model truncated to 64 tokens embeds these long label passages faster than at
    # its default cut-off, keeping the suite quick; truncation changes vectors, hence its own name.
    emb = get_embedder("minilm-l6-v2-int8-len64")
    assert emb.name == "minilm-l6-v2-int8-len64" and isinstance(emb, OnnxMiniLMEmbedder)
    return emb


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, embedder: Embedder):
    """The store, and the reports of a 50-passage run and of the run that resumed it."""
    store = SQLiteStore(tmp_path_factory.mktemp("dense") / "medcite.db")
    assert ingest(_sources(data_dir), store, workers=1).ok
    total = V.count_pending(store, embedder.name)
    first_batch = V.pending(store, embedder.name, 50)
    seen: list[tuple[int, int]] = []
    first = V.embed_pending(store, embedder, limit=50, batch=32, progress=lambda d, t: seen.append((d, t)))
    rest = V.embed_pending(store, embedder, batch=64)
    yield store, {"total": total, "first_batch": first_batch, "first": first, "rest": rest, "seen": seen}
    store.close()


def _copy(store: SQLiteStore, path: Path) -> SQLiteStore:
    dst = sqlite3.connect(path)
    store.db.backup(dst)
    dst.close()
    return SQLiteStore(path)


def _classes(store: SQLiteStore, hashes: list[str]) -> list[int]:
    """Priority class of each text hash (its best passage), as pending() defines it."""
    out = []
    for h in hashes:
        row = store.db.execute(
            f"""SELECT MIN({V.PRIORITY_SQL}) FROM passages p JOIN documents d ON d.id = p.doc_rowid
                WHERE p.text_hash = ?""",
            (h,),
        ).fetchone()
        out.append(row[0])
    return out


def test_embed_resumes_to_completion(embedded, embedder) -> None:
    store, r = embedded
    assert r["total"] > 500
    assert r["first"]["embedded"] == 50 and r["first"]["pending"] == r["total"] - 50
    assert r["seen"] == [(32, 50), (50, 50)]
    # The second run embeds only what the first left, then nothing is pending.
    assert r["rest"]["embedded"] == r["total"] - 50
    assert r["rest"]["pending"] == 0 == V.count_pending(store, embedder.name)
    assert V.count_vectors(store, embedder.name) == r["total"]
    assert r["rest"]["per_second"] > 0
    again = V.embed_pending(store, embedder)
    assert again["embedded"] == 0


def test_priority_puts_graded_recommendations_first(embedded, embedder) -> None:
    store, r = embedded
    # The first 50 embedded were graded guideline recommendations.
    assert set(_classes(store, [h for h, _ in r["first_batch"]])) == {0}
    # The full order (for a model with no vectors yet) never goes back to a better class.
    order = V.pending(store, "not-embedded-yet", 10_000)
    assert len(order) == r["total"] and len({h for h, _ in order}) == len(order)
    classes = _classes(store, [h for h, _ in order])
    assert classes == sorted(classes)
    assert classes[0] == 0 and 3 in classes  # graded recommendations ... labels
    plain = [_first_id(store, h) for h, _ in V.pending(store, "not-embedded-yet", 5, priority=False)]
    assert plain == sorted(_first_id(store, h) for h, _ in order)[:5]


def _first_id(store: SQLiteStore, text_hash: str) -> int:
    return store.db.execute("SELECT MIN(id) FROM passages WHERE text_hash = ?", (text_hash,)).fetchone()[0]


def test_reingest_embeds_nothing_new(embedded, embedder, data_dir, tmp_path) -> None:
    store = _copy(embedded[0], tmp_path / "copy.db")
    try:
        assert ingest(_sources(data_dir), store, workers=1).ok  # unchanged documents
        assert V.count_pending(store, embedder.name) == 0
        # A document deleted and ingested again gets new passage ids but the same texts.
        old_ids = {r[0] for r in store.db.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.doc_id='ngc:9085'")}
        assert store.delete("ngc:9085")
        assert ingest(_sources(data_dir)[:1], store, workers=1).ok
        new_ids = {r[0] for r in store.db.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.doc_id='ngc:9085'")}
        assert new_ids and not (old_ids & new_ids)
        assert V.embed_pending(store, embedder)["embedded"] == 0
    finally:
        store.close()


def test_dense_search_finds_gbs_recommendation(embedded, embedder) -> None:
    store, _ = embedded
    index = DenseIndex.load(store, embedder.name)
    assert len(index) == store.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    q = embedder.embed([GBS_QUERY])[0]
    top = index.search(q, 3)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    docs = [h.doc_id for h in store.passages_by_id([pid for pid, _ in top])]
    assert "ngc:9085" in docs, docs
    # Restricted to labels, the GBS guideline cannot appear.
    labels = np.array([r[0] for r in store.db.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.source_type='label'")])
    restricted = index.search(q, 5, allowed_ids=labels)
    assert len(restricted) == 5 and set(pid for pid, _ in restricted) <= set(labels.tolist())
    scores = index.score_ids(q, [top[0][0], restricted[0][0], 10**9])
    assert set(scores) == {top[0][0], restricted[0][0]}
    assert scores[top[0][0]] == pytest.approx(top[0][1], abs=2e-3)
    # Rows come back in the order asked, unknown ids dropped (Rocchio feedback reads them).
    ids = [restricted[0][0], 10**9, top[0][0]]
    rows = index.vectors(ids)
    assert rows.shape == (2, index.dim) and rows.dtype == np.float32
    assert float(rows[0] @ q) == pytest.approx(restricted[0][1], abs=2e-3)
    assert float(rows[1] @ q) == pytest.approx(top[0][1], abs=2e-3)


def test_index_round_trip_and_stamp_invalidation(embedded, embedder, tmp_path) -> None:
    store = _copy(embedded[0], tmp_path / "copy.db")
    try:
        built = DenseIndex.load(store, embedder.name)
        folder = index_dir(store, embedder.name)
        saved = json.loads((folder / "stamp.json").read_text())
        assert saved["stamp"] == built.stamp and saved["rows"] == len(built)
        assert DenseIndex.load(store, embedder.name) is built  # in-process cache
        dense._cache.clear()
        reloaded = DenseIndex.load(store, embedder.name)
        assert reloaded is not built and isinstance(reloaded._main.vecs, np.memmap)
        np.testing.assert_array_equal(reloaded.ids, built.ids)
        q = embedder.embed([GBS_QUERY])[0]
        assert reloaded.search(q, 5) == built.search(q, 5)

        # A changed document: every passage gets a new id, one text is new; the stamp must move.
        doc = store.document("ngc:9085")
        added = " IVIg remains a first-line treatment for adults with GBS (update)."
        text = doc.text + added
        extra = dataclasses.replace(
            doc.passages[-1], ordinal=doc.passages[-1].ordinal + 1, text=added.strip(),
            start=len(text) - len(added) + 1, end=len(text),
        )
        assert text[extra.start:extra.end] == extra.text
        assert store.upsert([dataclasses.replace(doc, text=text, passages=(*doc.passages, extra))]) == ["updated"]
        index = DenseIndex.load(store, embedder.name)
        assert index.stamp != built.stamp
        expected = [r[0] for r in store.db.execute(
            """SELECT p.id FROM passages p JOIN vectors v ON v.text_hash = p.text_hash AND v.model = ?
               ORDER BY p.id""", (embedder.name,))]
        np.testing.assert_array_equal(index.ids, expected)
        assert len(index) == len(built)  # unchanged texts kept their vectors under new ids
        assert len(list(folder.glob("*.npy"))) == 2  # files of the old stamp are gone

        # Embedding the new passage on demand extends the loaded index instead of rebuilding it.
        new_id = store.db.execute("SELECT MAX(id) FROM passages").fetchone()[0]
        assert new_id not in expected
        assert embed_on_demand(store, embedder, [new_id, *expected[:3]], max_new=4) == 1
        assert V.count_pending(store, embedder.name) == 0
        assert new_id not in index.score_ids(q, [new_id])
        assert new_id in index.score_ids(q, [new_id], store=store)  # read from the store
        extended = DenseIndex.load(store, embedder.name)
        assert extended._main is index._main and len(extended) == len(index) + 1
        assert new_id in extended.score_ids(q, [new_id])
        assert extended.search(q, 1, allowed_ids=np.array([new_id]))[0][0] == new_id
    finally:
        store.close()
