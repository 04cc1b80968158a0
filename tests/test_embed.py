"""Embedders on real passages: shape, normalisation, torch/ONNX agreement, semantics."""

from __future__ import annotations

import numpy as np
import pytest

from medcite.errors import MissingExtra
from medcite.retrieve.embed import (
    DEFAULT_EMBEDDER,
    Embedder,
    get_embedder,
)

QUESTION = "Is IVIG effective for adults with Guillain-Barré syndrome?"


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return get_embedder("minilm-l6-v2")


@pytest.fixture(scope="module")
def onnx_embedder() -> Embedder:
    return get_embedder("minilm-l6-v2-int8")


def _passages(store, where: str, params: tuple = (), limit: int = 20) -> list[str]:
    rows = store.db.execute(
        f"""SELECT p.text FROM passages p JOIN documents d ON d.id = p.doc_rowid
            WHERE {where} ORDER BY p.id LIMIT ?""",
        (*params, limit),
    ).fetchall()
    return [r[0] for r in rows]


def test_vectors_are_normalised_384d(torch_embedder, onnx_embedder, small_store) -> None:
    texts = _passages(small_store, "p.id % 97 = 0", limit=6)
    assert len(texts) == 6
    for emb in (torch_embedder, onnx_embedder):
        vecs = emb.embed(texts)
        assert vecs.shape == (6, 384) and vecs.dtype == np.float32
        assert emb.dim == 384
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
        assert emb.embed([]).shape == (0, 384)


def test_torch_and_onnx_agree_on_real_passages(torch_embedder, onnx_embedder, small_store) -> None:
    # Every 50th passage: guideline, label, PubMed, MedQuAD and MedlinePlus text of all lengths.
    texts = _passages(small_store, "p.id % 50 = 0", limit=20)
    assert len(texts) == 20
    a, b = torch_embedder.embed(texts), onnx_embedder.embed(texts)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.99, cos


def test_batch_order_is_restored(torch_embedder, onnx_embedder) -> None:
    texts = ["short", "a much longer sentence about statin therapy in adults with diabetes", "IVIg"]
    for emb in (torch_embedder, onnx_embedder):
        batch = emb.embed(texts)
        alone = np.vstack([emb.embed([t]) for t in texts])
        assert ((batch * alone).sum(axis=1) > 0.999).all()


def test_close_pairs_score_higher_than_unrelated(torch_embedder, onnx_embedder, small_store) -> None:
    [gbs] = _passages(
        small_store, "d.doc_id = 'ngc:9085' AND p.text LIKE 'IVIg should be offered to treat GBS%'", limit=1
    )
    [humira] = _passages(
        small_store, "d.title LIKE 'HUMIRA%' AND p.section LIKE 'Adverse Reactions%'", limit=1
    )
    for emb in (torch_embedder, onnx_embedder):
        q, g, h = emb.embed([QUESTION, gbs, humira])
        assert float(q @ g) > float(q @ h) + 0.2


def test_get_embedder_caches_and_reads_env(monkeypatch, torch_embedder, onnx_embedder) -> None:
    assert get_embedder() is get_embedder(DEFAULT_EMBEDDER) is torch_embedder
    monkeypatch.setenv("MEDCITE_EMBEDDER", "minilm-l6-v2-int8")
    assert get_embedder() is onnx_embedder
    assert onnx_embedder.name == "minilm-l6-v2-int8" and torch_embedder.name == "minilm-l6-v2"


def test_unknown_embedder_lists_known_names() -> None:
    with pytest.raises(ValueError, match="minilm-l6-v2-int8") as info:
        get_embedder("no-such-model")
    assert "minilm-l6-v2," in str(info.value)


def test_missing_extra_names_the_extra() -> None:
    err = MissingExtra("Dense retrieval", "embed", "onnxruntime")
    assert err.extra == "embed"
    assert "medcite[embed]" in str(err) and "onnxruntime" in str(err)
