"""Retrieval evaluation: run search functions over benchmark questions, score, time.

A search function takes ``(query, k)`` and returns up to ``k`` ranked doc_ids, one
per document. The harness knows nothing about how a mode searches, so lexical,
dense and hybrid modes (and the external bm25s baseline) are compared the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..clinical.abbreviations import document_definitions
from ..store.sqlite import SQLiteStore
from ..types import Document
from .corpus import EvalQuestion
from .metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k, summarize

SearchFn = Callable[[str, int], list[str]]
BASELINE = "bm25s"
UPSERT_BATCH = 500


class _HasDocId(Protocol):
    @property
    def doc_id(self) -> str: ...


def dedupe_docs(hits: Iterable[_HasDocId]) -> list[str]:
    """Ranked passage hits to ranked unique doc_ids (a document ranks at its best passage)."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.doc_id, None)
    return list(seen)


def build_eval_store(
    docs: Sequence[Document], path: str | Path, source_path: str = "eval"
) -> SQLiteStore:
    """Open (or create) a store at ``path`` and upsert ``docs`` in batches, as ingest does."""
    store = SQLiteStore(path)
    for i in range(0, len(docs), UPSERT_BATCH):
        batch = docs[i : i + UPSERT_BATCH]
        store.upsert(batch, source_path=source_path,
                     abbreviations=[document_definitions(d.title, d.text) for d in batch])
    return store


def score_ranking(ranked: Sequence[str], relevant: frozenset[str] | set[str]) -> dict[str, float]:
    """The per-question metrics the report aggregates."""
    return {
        "ndcg@10": ndcg_at_k(ranked, relevant, 10),
        "recall@10": recall_at_k(ranked, relevant, 10),
        "recall@100": recall_at_k(ranked, relevant, 100),
        "mrr@10": mrr_at_k(ranked, relevant, 10),
    }


@dataclass
class EvalReport:
    """Mean metrics and latency per mode; ``per_query`` keeps each question's scores."""

    rows: dict[str, dict[str, float]] = field(default_factory=dict)
    per_query: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, dict[str, float]]:
        """Mode -> metrics, rounded for reports."""
        return {mode: {k: round(v, 4) for k, v in row.items()} for mode, row in self.rows.items()}

    def table(self) -> str:
        """Markdown table, one row per mode; "vs bm25s" is the nDCG@10 ratio to that mode."""
        base = self.rows.get(BASELINE, {}).get("ndcg@10")
        lines = [
            "| mode | nDCG@10 | R@10 | R@100 | MRR@10 | p50 ms | p95 ms | vs bm25s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for mode, r in self.rows.items():
            ratio = f"{r['ndcg@10'] / base:.3f}" if base else "–"
            lines.append(
                f"| {mode} | {r['ndcg@10']:.4f} | {r['recall@10']:.4f} | {r['recall@100']:.4f} "
                f"| {r['mrr@10']:.4f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {ratio} |"
            )
        return "\n".join(lines)


def evaluate(
    questions: Sequence[EvalQuestion],
    search_fns: Mapping[str, SearchFn],
    k_max: int = 100,
) -> EvalReport:
    """Run every question through every mode; score nDCG@10, R@10, R@100, MRR@10 and latency."""
    report = EvalReport()
    for mode, search in search_fns.items():
        per_query: list[dict[str, Any]] = []
        latencies: list[float] = []
        for q in questions:
            started = time.perf_counter()
            ranked = search(q.body, k_max)
            latencies.append((time.perf_counter() - started) * 1000.0)
            # Guard against a mode returning a document twice: that would inflate precision-like metrics.
            ranked = list(dict.fromkeys(ranked))[:k_max]
            per_query.append({"qid": q.qid, **score_ranking(ranked, q.relevant)})
        means = summarize([{k: v for k, v in s.items() if k != "qid"} for s in per_query])
        report.rows[mode] = {
            **means,
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "queries": float(len(questions)),
        }
        report.per_query[mode] = per_query
    return report
