"""Pinned retrieval quality on a real BioASQ subset (7B1: 100 questions, 331 documents),
every mode through the same harness as `medcite eval retrieval` (pyserini-style
regression numbers with tolerance). Re-measure and update the pins when ranking
changes on purpose; docs/benchmarks.md has the full 7B-10B table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medcite.eval import corpus
from medcite.eval.run import indexed_only, prepare_store, run_eval
from medcite.retrieve.embed import get_embedder
from medcite.store import SQLiteStore
from medcite.store.vectors import count_pending, embed_pending

TOLERANCE = 0.015
# Measured 2026-11-23 (docs/benchmarks.md).
PINNED_NDCG10 = {
    "bm25s": 0.8840,
    "fts5": 0.8908,
    "lexical": 0.8905,
    "dense": 0.9291,
    "hybrid": 0.9455,
}


@pytest.fixture(scope="module")
def subset(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SQLiteStore, list, list]]:
    files = [data_dir / "bioasq-golden/Task7BGoldenEnriched/7B1_golden.json"]
    docs = corpus.bioasq_corpus(files)
    questions = indexed_only(corpus.bioasq_questions(files), docs)
    store = prepare_store(docs, tmp_path_factory.mktemp("bioasq") / "eval.db")
    embed_pending(store, get_embedder())
    assert count_pending(store, get_embedder().name) == 0
    yield store, docs, questions
    store.close()


def test_pinned_ndcg_per_mode(subset: tuple[SQLiteStore, list, list]) -> None:
    store, docs, questions = subset
    assert (len(questions), len(docs)) == (100, 331)
    report = run_eval(store, docs, questions, list(PINNED_NDCG10))
    got = {mode: round(row["ndcg@10"], 4) for mode, row in report.rows.items()}
    for mode, pinned in PINNED_NDCG10.items():
        assert got[mode] == pytest.approx(pinned, abs=TOLERANCE), got


def test_hybrid_beats_each_part_and_the_baseline(subset: tuple[SQLiteStore, list, list]) -> None:
    store, docs, questions = subset
    rows = run_eval(store, docs, questions, ["bm25s", "lexical", "dense", "hybrid"]).rows
    assert rows["hybrid"]["recall@100"] >= rows["lexical"]["recall@100"]
    assert rows["hybrid"]["ndcg@10"] > rows["lexical"]["ndcg@10"]
    assert rows["hybrid"]["ndcg@10"] > rows["dense"]["ndcg@10"]
    assert rows["hybrid"]["ndcg@10"] > rows["bm25s"]["ndcg@10"]
