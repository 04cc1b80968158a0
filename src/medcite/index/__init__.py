"""Passage indexes: lexical and dense search over a store's passages, one backend per module,
chosen by URL (``index.factory``)."""

from .base import NO_FILTER, IndexFilter, IndexSize, PassageIndex
from .factory import open_index

__all__ = ["NO_FILTER", "IndexFilter", "IndexSize", "PassageIndex", "open_index"]
