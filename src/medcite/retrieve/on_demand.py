"""Vectors for a search's best lexical candidates that background embedding has not reached."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import EvidenceStore
    from .embed import Embedder


def embed_on_demand(store: EvidenceStore, embedder: Embedder, passage_ids: Sequence[int], max_new: int = 16) -> int:
    """Embed and store up to ``max_new`` of the given passages that lack vectors, in the order
    given. Returns the number of texts embedded."""
    if max_new <= 0 or not passage_ids:
        return 0
    by_id = {pid: (text_hash, text) for pid, text_hash, text in store.without_vector(embedder.name, passage_ids)}
    todo: dict[str, str] = {}
    for pid in passage_ids:
        if int(pid) in by_id and len(todo) < max_new:
            todo.setdefault(*by_id[int(pid)])
    if not todo:
        return 0
    vecs = embedder.embed(list(todo.values()))
    store.put_vectors(embedder.name, list(zip(todo, vecs, strict=True)))
    return len(todo)
