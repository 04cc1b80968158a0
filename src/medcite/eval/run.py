"""Build an evaluation store for a benchmark and run every search mode over it.

The store is kept under ``$MEDCITE_HOME/eval/`` keyed by the benchmark files, so a
second run reuses its passages and embeddings (vectors are cached by content hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ..clinical.abbreviations import document_definitions
from ..retrieve.search import Retriever, SearchConfig
from ..store import SQLiteStore
from ..types import Document
from .baseline import Bm25sBaseline
from .corpus import EvalQuestion, expand_paths
from .retrieval import EvalReport, dedupe_docs, evaluate

ALL_MODES = ("bm25s", "fts5", "lexical", "dense", "hybrid")
PASSAGES_PER_QUERY = 300  # passages fetched to rank 100 documents


def eval_store_path(home: Path, kind: str, files: Sequence[Path]) -> Path:
    """Keyed by the benchmark's JSON files, however they were named (folder or glob)."""
    resolved = sorted(str(f.resolve()) for f in expand_paths(files))
    key = hashlib.sha1("\n".join(resolved).encode()).hexdigest()[:12]
    return home / "eval" / f"{kind}-{key}.db"


def prepare_store(docs: Sequence[Document], path: Path) -> SQLiteStore:
    """The evaluation store at ``path``, holding exactly ``docs`` (upserted in batches)."""
    store = SQLiteStore(path)
    for i in range(0, len(docs), 500):
        batch = docs[i : i + 500]
        store.upsert(batch, source_path="eval", abbreviations=[document_definitions(d.title, d.text) for d in batch])
    return store


def indexed_only(questions: Sequence[EvalQuestion], docs: Sequence[Document]) -> list[EvalQuestion]:
    """Questions with their gold sets limited to documents that have text in the corpus
    (BioASQ cites some PMIDs without any snippet: no system can retrieve those)."""
    ids = {d.doc_id for d in docs}
    out = []
    for q in questions:
        relevant = q.relevant & ids
        if relevant:
            out.append(replace(q, relevant=frozenset(relevant)))
    return out


def search_functions(
    store: SQLiteStore, docs: Sequence[Document], modes: Sequence[str], config: SearchConfig | None = None,
    embedder_name: str | None = None,
) -> dict[str, Callable[[str, int], list[str]]]:
    """One ``(question, k) -> ranked doc ids`` function per mode (dense and hybrid search with
    ``embedder_name``, default: the store's own model)."""
    from ..retrieve.lexical import lexical_search

    fns: dict[str, Callable[[str, int], list[str]]] = {}
    retriever = Retriever(store, config, embedder_name=embedder_name)
    for mode in modes:
        if mode == "bm25s":
            fns[mode] = Bm25sBaseline(list(docs)).search
        elif mode == "fts5":
            fns[mode] = lambda q, k: dedupe_docs(lexical_search(store, q, k=PASSAGES_PER_QUERY))[:k]
        else:
            fns[mode] = (lambda m: lambda q, k: dedupe_docs(
                retriever.search(q, k=PASSAGES_PER_QUERY, mode=m, snippets=False))[:k])(mode)
    return fns


def run_eval(
    store: SQLiteStore, docs: Sequence[Document], questions: Sequence[EvalQuestion],
    modes: Sequence[str], config: SearchConfig | None = None, embedder_name: str | None = None,
) -> EvalReport:
    return evaluate(questions, search_functions(store, docs, modes, config, embedder_name), k_max=100)
