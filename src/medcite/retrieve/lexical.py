"""Lexical retrieval: safe FTS5 queries ranked by BM25."""

from __future__ import annotations

from collections.abc import Sequence

from ..store import EvidenceStore
from ..store.fts_query import match_expression
from ..types import Hit


def lexical_search(
    store: EvidenceStore,
    query: str,
    k: int = 10,
    source_types: Sequence[str] | None = None,
    since: int | None = None,
    extra_terms: list[str] | None = None,
) -> list[Hit]:
    """Top-``k`` passages for any user text (never raises on odd input)."""
    match = match_expression(query or "", extra_terms)
    if not match:
        return []
    return store.search(match, k=k, source_types=source_types, since=since)
