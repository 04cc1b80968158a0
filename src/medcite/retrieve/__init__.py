"""Retrieval: lexical (FTS5 BM25) search over the evidence store."""

from .lexical import lexical_search

__all__ = ["lexical_search"]
