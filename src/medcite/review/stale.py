"""Approved articles whose cited sources changed since approval go back for review."""

from __future__ import annotations

from collections.abc import Iterable

from ..store import EvidenceStore
from .models import ArticleInfo
from .store import EditorialStore


def flag_stale_articles(articles: EditorialStore, store: EvidenceStore,
                        doc_ids: Iterable[str] | None = None) -> list[ArticleInfo]:
    """Compare what approved articles cite with the index now; flag those that differ.

    ``doc_ids`` limits the check to documents an ingest just touched; None checks every
    document an approved article cites (a document missing from the index counts as changed).
    """
    cited = articles.cited_documents()
    ids = sorted(cited) if doc_ids is None else sorted(set(doc_ids) & set(cited))
    if not ids:
        return []
    now = store.content_hashes(ids)
    return articles.flag_changed_sources({d: now.get(d) for d in ids})
