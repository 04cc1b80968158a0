"""Embedders on real passages: shape, normalisation, torch/ONNX agreement, semantics."""

from __future__ import annotations

import numpy as np
import pytest

from medcite.errors import MissingExtra
from medcite.retrieve import embed as E
from medcite.retrieve.embed import (
    DEFAULT_EMBEDDER,
    ONNX_EMBEDDER,
    Embedder,
    default_embedder_name,
    embedder_for_store,
    get_embedder,
    onnx_available,
)
from medcite.store import SQLiteStore
from medcite.store import vectors as V

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


def test_query_vectors_are_remembered_per_model(torch_embedder, onnx_embedder, monkeypatch) -> None:
    from medcite.retrieve import embed as module

    monkeypatch.setattr(module, "_query_memo", module.OrderedDict())
    q = "What is the treatment for adults with Guillain-Barré syndrome?"
    first = module.embed_query(onnx_embedder, q)
    assert np.allclose(first, onnx_embedder.embed([q])[0], atol=1e-6)
    assert module.embed_query(onnx_embedder, q) is first
    assert not first.flags.writeable  # callers share it
    other = module.embed_query(torch_embedder, q)  # another model's vector, not the cached one
    assert np.allclose(other, torch_embedder.embed([q])[0], atol=1e-6)
    for i in range(5):
        module.embed_query(onnx_embedder, f"question {i}", keep=3)
    assert len(module._query_memo) == 3 and (ONNX_EMBEDDER, q) not in module._query_memo


def test_embed_threads_come_from_the_environment(monkeypatch) -> None:
    from medcite.retrieve.embed import _threads

    monkeypatch.setenv("MEDCITE_EMBED_THREADS", "1")
    assert _threads() == 1
    monkeypatch.setenv("MEDCITE_EMBED_THREADS", "lots")
    assert _threads() >= 1


def test_get_embedder_caches_and_reads_env(monkeypatch, torch_embedder, onnx_embedder) -> None:
    monkeypatch.delenv("MEDCITE_EMBEDDER", raising=False)
    # The test install has the onnx extra, so the int8 model is the default there.
    assert onnx_available()
    assert default_embedder_name() == ONNX_EMBEDDER
    assert get_embedder() is get_embedder(ONNX_EMBEDDER) is onnx_embedder
    assert get_embedder(DEFAULT_EMBEDDER) is torch_embedder
    monkeypatch.setenv("MEDCITE_EMBEDDER", "minilm-l6-v2")
    assert get_embedder() is torch_embedder
    assert onnx_embedder.name == "minilm-l6-v2-int8" and torch_embedder.name == "minilm-l6-v2"


def test_default_falls_back_to_torch_without_the_onnx_extra(monkeypatch, torch_embedder) -> None:
    # As after `pip install medcite[embed]` alone (what `make demo` installs).
    monkeypatch.delenv("MEDCITE_EMBEDDER", raising=False)
    monkeypatch.setattr(E, "_ONNX_MODULES", ("onnxruntime", "no_such_module_for_medcite"))
    assert not onnx_available()
    assert default_embedder_name() == DEFAULT_EMBEDDER
    assert get_embedder() is torch_embedder


def test_store_is_searched_with_the_model_of_its_vectors(monkeypatch, tmp_path, torch_embedder,
                                                         onnx_embedder) -> None:
    monkeypatch.delenv("MEDCITE_EMBEDDER", raising=False)
    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        # No vectors yet: the default model (int8 here).
        assert embedder_for_store(store) is onnx_embedder
        # A store embedded with torch MiniLM (before the onnx extra was installed) keeps
        # its vectors in use: queries are embedded by torch too, never compared across models.
        texts = [f"passage {i} about statins" for i in range(5)]
        V.put(store, torch_embedder.name, [(f"h{i}", v) for i, v in enumerate(torch_embedder.embed(texts))])
        assert embedder_for_store(store) is torch_embedder
        # Once the default model has caught up, it is used again.
        V.put(store, onnx_embedder.name, [(f"h{i}", v) for i, v in enumerate(onnx_embedder.embed(texts))])
        assert embedder_for_store(store) is onnx_embedder
        # An explicit name or $MEDCITE_EMBEDDER always wins.
        assert embedder_for_store(store, DEFAULT_EMBEDDER) is torch_embedder
        monkeypatch.setenv("MEDCITE_EMBEDDER", DEFAULT_EMBEDDER)
        assert embedder_for_store(store) is torch_embedder
    finally:
        store.close()


def test_unknown_embedder_lists_known_names() -> None:
    with pytest.raises(ValueError, match="minilm-l6-v2-int8") as info:
        get_embedder("no-such-model")
    assert "minilm-l6-v2," in str(info.value)


def test_missing_extra_names_the_extra() -> None:
    err = MissingExtra("Dense retrieval", "embed", "onnxruntime")
    assert err.extra == "embed"
    assert "medcite[embed]" in str(err) and "onnxruntime" in str(err)
