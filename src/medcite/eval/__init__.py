"""Retrieval evaluation: benchmark corpora, ranking metrics, a bm25s baseline, the harness."""

from .baseline import Bm25sBaseline
from .corpus import (
    EvalQuestion,
    bioasq_corpus,
    bioasq_files,
    bioasq_questions,
    bioasq_unindexed,
    pubmedqa_corpus,
    pubmedqa_questions,
)
from .metrics import mrr_at_k, ndcg_at_k, percentile, precision_at_k, recall_at_k, summarize
from .retrieval import EvalReport, build_eval_store, dedupe_docs, evaluate

__all__ = [
    "Bm25sBaseline",
    "EvalQuestion",
    "EvalReport",
    "bioasq_corpus",
    "bioasq_files",
    "bioasq_questions",
    "bioasq_unindexed",
    "build_eval_store",
    "dedupe_docs",
    "evaluate",
    "mrr_at_k",
    "ndcg_at_k",
    "percentile",
    "precision_at_k",
    "pubmedqa_corpus",
    "pubmedqa_questions",
    "recall_at_k",
    "summarize",
]
