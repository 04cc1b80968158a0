"""medcite: clinical questions answered from cited, guideline-backed sources."""

from __future__ import annotations

from collections.abc import Sequence

from .settings import Settings
from .store import EvidenceStore, open_store
from .types import Document, Hit, Passage

__version__ = "0.1.0"


def search(
    query: str,
    k: int = 10,
    source_types: Sequence[str] | None = None,
    since: int | None = None,
    store: EvidenceStore | None = None,
) -> list[Hit]:
    """Ranked passages for ``query`` from the store (the default store if none given)."""
    from .retrieve import lexical_search

    owned = store is None
    st = store or open_store(Settings.from_env())
    try:
        return lexical_search(st, query, k=k, source_types=source_types, since=since)
    finally:
        if owned:
            st.close()


__all__ = ["Document", "Hit", "Passage", "Settings", "__version__", "open_store", "search"]
