"""Evidence stores. SQLite (FTS5) is the embedded default; backends share ``EvidenceStore``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from ..settings import Settings
from ..types import Document, Hit, VocabTerm
from .sqlite import SQLiteStore


class EvidenceStore(Protocol):
    """What the pipeline needs from a store of documents and passages."""

    def upsert(self, documents: Sequence[Document], source_path: str = "") -> list[str]: ...
    def add_vocab(self, terms: Iterable[VocabTerm]) -> int: ...
    def search(
        self,
        match: str,
        k: int = 10,
        source_types: Sequence[str] | None = None,
        since: int | None = None,
        snippet_tokens: int = 32,
    ) -> list[Hit]: ...
    def passages_by_id(self, ids: Sequence[int]) -> list[Hit]: ...
    def document(self, doc_id: str) -> Document | None: ...
    def synonyms(self, term: str, limit: int = 12) -> list[str]: ...
    def document_scopes(self) -> list[tuple[str, str, str, dict[str, Any], list[str]]]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


def open_store(settings: Settings | None = None) -> SQLiteStore:
    """Open (creating if needed) the store the settings point at."""
    settings = settings or Settings.from_env()
    return SQLiteStore(settings.db_path)


__all__ = ["EvidenceStore", "SQLiteStore", "open_store"]
