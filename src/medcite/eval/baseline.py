"""Reference lexical baseline: BM25 from the ``bm25s`` package, one entry per document.

Independent of the store and of FTS5, so it shows whether the product's own
retrieval is at least as good as an off-the-shelf BM25 on the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import MissingExtra
from ..types import Document


def require_baseline() -> None:
    """Raise ``MissingExtra`` now if the bm25s baseline cannot run (commands call this before
    doing any work)."""
    _import()


def _import() -> tuple[Any, Any]:
    try:
        import bm25s
        import Stemmer
    except ImportError as exc:
        package = "PyStemmer" if getattr(exc, "name", "") == "Stemmer" else "bm25s"
        raise MissingExtra("The bm25s baseline", "dev", package) from exc
    return bm25s, Stemmer


def document_text(doc: Document) -> str:
    """What the baseline indexes: the title and every passage."""
    return "\n\n".join([doc.title, *(p.text for p in doc.passages)]).strip()


class Bm25sBaseline:
    """BM25 (Lucene variant, English stopwords, Snowball English stemming) over documents."""

    def __init__(self, docs: Sequence[Document]) -> None:
        bm25s, stemmer_mod = _import()
        self._bm25s = bm25s
        self._stemmer = stemmer_mod.Stemmer("english")
        self.doc_ids = [d.doc_id for d in docs]
        tokens = bm25s.tokenize(
            [document_text(d) for d in docs], stopwords="en", stemmer=self._stemmer,
            show_progress=False,
        )
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int = 10) -> list[str]:
        """Top-``k`` doc_ids, best first; documents that match no query term are left out."""
        k = min(k, len(self.doc_ids))
        if k <= 0:
            return []
        # Strings, not ids: a fresh tokenize() numbers tokens in its own vocabulary.
        query_tokens = self._bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False,
        )
        if not query_tokens[0]:
            return []
        docs, scores = self.retriever.retrieve(query_tokens, k=k, show_progress=False)
        return [self.doc_ids[int(i)] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]

    __call__ = search
