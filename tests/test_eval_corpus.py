"""Benchmark corpora from the real BioASQ golden files and PubMedQA, and an end-to-end
smoke test of the evaluation harness."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from medcite.eval import (
    Bm25sBaseline,
    EvalQuestion,
    bioasq_corpus,
    bioasq_files,
    bioasq_questions,
    bioasq_unindexed,
    build_eval_store,
    dedupe_docs,
    evaluate,
    pubmedqa_corpus,
    pubmedqa_questions,
)
from medcite.retrieve import lexical_search
from medcite.types import Document

# Measured on Tasks 7B-10B (21 files): PMIDs with snippet text, gold PMIDs without any.
CORPUS_DOCS = 11_022
UNINDEXED_GOLD = 493
# Measured on 7B1 alone (100 questions, its own 331-document corpus).
SMOKE_NDCG = {"bm25s": 0.8465, "fts5": 0.8531}


@pytest.fixture(scope="session")
def bioasq_dir(data_dir: Path) -> Path:
    return data_dir / "bioasq-golden"


@pytest.fixture(scope="session")
def questions(bioasq_dir: Path) -> list[EvalQuestion]:
    return bioasq_questions([bioasq_dir])


@pytest.fixture(scope="session")
def corpus(bioasq_dir: Path) -> list[Document]:
    return bioasq_corpus(bioasq_files(bioasq_dir))


def test_bioasq_files_in_task_order(bioasq_dir: Path) -> None:
    names = [p.name for p in bioasq_files(bioasq_dir)]
    assert len(names) == 21
    assert names[0] == "7B1_golden.json" and names[-1] == "10B6_golden.json"


def test_bioasq_question_counts(questions: list[EvalQuestion]) -> None:
    assert len(questions) == 1983
    assert len({q.qid for q in questions}) == 1983
    assert Counter(q.qtype for q in questions) == {
        "factoid": 642, "yesno": 532, "summary": 464, "list": 345,
    }
    assert all(q.relevant and q.body and q.ideal_answer for q in questions)
    assert all(d.startswith("pmid:") and d[5:].isdigit() for q in questions for d in q.relevant)


def test_bioasq_questions_deduplicated(bioasq_dir: Path) -> None:
    one = bioasq_dir / "Task7BGoldenEnriched" / "7B1_golden.json"
    assert len(bioasq_questions([one, one])) == len(bioasq_questions([one])) == 100


def test_bioasq_corpus_counts(bioasq_dir: Path, corpus: list[Document],
                              questions: list[EvalQuestion]) -> None:
    ids = {d.doc_id for d in corpus}
    assert len(corpus) == len(ids) == CORPUS_DOCS
    # Independently of the parser: every PMID cited by a snippet is a document.
    snippet_pmids: set[str] = set()
    for path in bioasq_files(bioasq_dir):
        for q in json.loads(path.read_text())["questions"]:
            snippet_pmids |= {"pmid:" + s["document"].rsplit("/", 1)[-1] for s in q["snippets"]}
    assert ids == snippet_pmids
    unindexed = bioasq_unindexed([bioasq_dir])
    assert len(unindexed) == UNINDEXED_GOLD
    gold = {d for q in questions for d in q.relevant}
    assert gold - unindexed <= ids  # every gold document with text is searchable
    assert not unindexed & ids


def test_bioasq_documents_well_formed(corpus: list[Document]) -> None:
    for doc in corpus:
        assert doc.passages, doc.doc_id
        assert doc.source_type == "research" and doc.format == "bioasq"
        assert doc.identifiers == {"pmid": doc.doc_id[5:]}
        for i, p in enumerate(doc.passages):
            assert doc.text[p.start:p.end] == p.text
            assert p.ordinal == i and len(p.text) <= 1600
            # Only a document with no abstract snippets carries its title as a passage.
            assert p.section == "abstract" or (p.section == "title" and p.text == doc.title)


def test_bioasq_title_from_title_snippet(bioasq_dir: Path) -> None:
    docs = {d.doc_id: d for d in bioasq_corpus([bioasq_dir])}
    titled = [d for d in docs.values() if d.title]
    assert titled and all("title" not in {p.section for p in d.passages[1:]} for d in titled)
    # Identical snippet texts across questions are stored once (one snippet per paragraph
    # while the text fits one passage).
    for d in docs.values():
        if len(d.passages) > 1:
            continue
        body = d.text.split("\n\n")
        assert len(body) == len(set(body)), d.doc_id


@pytest.fixture(scope="session")
def pqal(data_dir: Path) -> Path:
    return data_dir / "pubmedqa" / "ori_pqal.json"


def test_pubmedqa(pqal: Path) -> None:
    questions = pubmedqa_questions(pqal)
    docs = pubmedqa_corpus(pqal)
    assert len(questions) == len(docs) == 1000
    by_id = {d.doc_id: d for d in docs}
    assert all(q.relevant == {f"pmid:{q.qid}"} and f"pmid:{q.qid}" in by_id for q in questions)
    raw = json.loads(pqal.read_text())
    for pmid, rec in raw.items():
        doc = by_id[f"pmid:{pmid}"]
        assert doc.title == ""
        conclusion = rec["LONG_ANSWER"].strip()[:80]
        # One abstract repeats its conclusion in a context; only that one may contain it.
        assert conclusion not in doc.text or conclusion in " ".join(rec["CONTEXTS"])
        assert [p.section for p in doc.passages][: len(rec["LABELS"])] == rec["LABELS"]
        assert all(doc.text[p.start:p.end] == p.text for p in doc.passages)


def test_evaluate_smoke_7b1(bioasq_dir: Path, tmp_path: Path) -> None:
    files = [bioasq_dir / "Task7BGoldenEnriched" / "7B1_golden.json"]
    questions, docs = bioasq_questions(files), bioasq_corpus(files)
    store = build_eval_store(docs, tmp_path / "eval.db")
    assert store.stats()["documents"] == len(docs)
    baseline = Bm25sBaseline(docs)

    def fts5(query: str, k: int) -> list[str]:
        return dedupe_docs(lexical_search(store, query, 300))[:k]

    report = evaluate(questions, {"bm25s": baseline.search, "fts5": fts5})
    store.close()
    for mode, expected in SMOKE_NDCG.items():
        row = report.rows[mode]
        assert row["ndcg@10"] == pytest.approx(expected, abs=0.01), mode
        assert row["queries"] == 100
        assert 0 < row["recall@10"] <= row["recall@100"] <= 1
        assert 0 < row["p50_ms"] <= row["p95_ms"]
        assert len(report.per_query[mode]) == 100
    table = report.table().splitlines()
    assert table[0].startswith("| mode | nDCG@10") and "vs bm25s" in table[0]
    assert table[2].startswith("| bm25s |") and table[2].endswith("| 1.000 |")
    assert set(report.to_json()) == {"bm25s", "fts5"}
