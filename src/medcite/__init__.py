"""medcite: clinical questions answered from cited, guideline-backed sources."""

from __future__ import annotations

from collections.abc import Sequence

from .settings import Settings
from .store import EvidenceStore, open_store
from .types import Answer, Document, Hit, Passage

__version__ = "0.1.0"


def search(
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    source_types: Sequence[str] | None = None,
    since: int | None = None,
    store: EvidenceStore | None = None,
) -> list[Hit]:
    """Ranked passages for ``query`` (lexical, dense or hybrid) from the store
    (the default store when none is given)."""
    from .retrieve.search import Retriever

    settings = Settings.load()
    owned = store is None
    st = store or open_store(settings)
    try:
        return Retriever.from_settings(st, settings).search(query, k=k, mode=mode, source_types=list(source_types or []) or None, since=since)
    finally:
        if owned:
            st.close()


def ask(
    question: str,
    audience: str = "clinician",
    patient: str = "",
    follow_up: str | None = None,
    store: EvidenceStore | None = None,
    save: bool = True,
) -> Answer:
    """A verified, cited answer to ``question`` from the store (the default store when
    none is given). Raises ``MedciteError`` for an empty question or unknown audience."""
    from .answering import ask as _ask
    from .retrieve.search import Retriever

    settings = Settings.load()
    owned = store is None
    st = store or open_store(settings)
    try:
        return _ask(question, st, audience=audience, patient=patient, follow_up=follow_up, save=save,
                    retriever=Retriever.from_settings(st, settings))
    finally:
        if owned:
            st.close()


__all__ = ["Answer", "Document", "EvidenceStore", "Hit", "Passage", "Settings", "__version__", "ask", "open_store", "search"]
