"""Answer benchmark: `ask` on the BioASQ 7B-10B summary questions (464) with the BioASQ
corpus indexed, beside a baseline in the same run: the first three sentences of the top
BM25 (bm25s) document.

    python bench/answers.py [--limit N] [--json] [--index-url URL ...]

Scores the text a reader sees (bottom line + sections, without citation marks) against
the first ideal answer with ROUGE-2 (no stemming); reports its mean length, citation
precision (verifier; and share of citations to a gold document of the question), the
share of answers with a dangling citation, the share of unsupported sentences (before
the gate removes them, and after), abstentions and `ask` latency.

The corpus store is the one `medcite eval retrieval` builds under $MEDCITE_HOME/eval
(built here if missing, embeddings included — slow the first time). ``--index-url`` (repeatable)
runs the questions over each passage index named, interleaved question by question, beside
the local one (``""``; e.g. ``--index-url milvus-lite:///tmp/x/bioasq.db``); the first URL given
is the one reported in detail.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from _common import DATA, percentile, table
from medcite.answering import ask
from medcite.eval.baseline import Bm25sBaseline
from medcite.eval.corpus import bioasq_corpus, bioasq_questions
from medcite.eval.rouge import rouge_n
from medcite.eval.run import eval_store_path, prepare_store
from medcite.retrieve.search import Retriever, SearchConfig
from medcite.settings import Settings
from medcite.store import SQLiteStore
from medcite.textutil import split_sentences
from medcite.types import Answer

TARGETS = {"rouge2_f1": 0.32, "rouge2_recall": 0.45, "p50_ms": 300.0, "p95_ms": 1000.0}


def reader_text(answer: Answer) -> str:
    parts = [s.text for s in answer.bottom_line]
    for section in answer.sections:
        for s in section.statements:
            parts.extend(x.text for x in s.walk())
    return " ".join(parts)


def open_corpus(files: list[Path]) -> tuple[SQLiteStore, list]:
    docs = bioasq_corpus(files)
    path = eval_store_path(Settings.from_env().home, "bioasq", files)
    if path.exists():
        return SQLiteStore(path), docs
    from medcite.retrieve.embed import get_embedder
    from medcite.store.vectors import embed_pending

    store = prepare_store(docs, path)
    embed_pending(store, get_embedder())
    return store, docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ap.add_argument("--index-url", action="append", default=None,
                    help="passage index to answer over (repeatable; default: the local one)")
    args = ap.parse_args()

    files = sorted((args.data / "bioasq-golden").glob("*/*.json"))
    questions = [q for q in bioasq_questions(files) if q.qtype == "summary" and q.ideal_answer]
    questions = questions[: args.limit] if args.limit else questions
    store, docs = open_corpus(files)
    urls = list(dict.fromkeys(args.index_url or [""]))
    runs = evaluate(store, docs, questions, urls)
    if len(urls) > 1:
        compare = [[url or "local", m["medcite"]["rouge2_recall"], m["medcite"]["rouge2_f1"],
                    m["medcite"]["mean_words"], m["medcite"]["abstention_rate"], m["medcite"]["p50_ms"],
                    m["medcite"]["p95_ms"], m["same_bottom_line_as_first"]] for url, m in runs.items()]
        if args.json:
            print(json.dumps(runs, indent=2))
            return
        print(f"BioASQ 7B-10B summary questions: {len(questions)}; corpus {len(docs):,} documents; "
              "passage indexes interleaved question by question")
        print(table(["index", "ROUGE-2 recall", "ROUGE-2 F1", "mean words", "abstained", "p50 ms", "p95 ms",
                     "same bottom line as first"], compare))
        print()
    metrics = runs[urls[0]]
    if args.json:
        print(json.dumps(metrics, indent=2))
        return
    report(metrics, len(docs))


def evaluate(store: SQLiteStore, docs: list[Any], questions: list[Any],
             urls: list[str]) -> dict[str, dict[str, Any]]:
    """The metrics of `ask` over each passage index in ``urls`` ("" the local one), the
    questions taken in turn by every index (interleaved, so machine load falls on all alike)."""
    baseline = Bm25sBaseline(docs)
    by_id = {d.doc_id: d for d in docs}
    retrievers = {url: Retriever(store, SearchConfig(on_demand=0), index_url=url) for url in urls}
    for q in questions[:5]:  # warm indexes and the embedder
        for retriever in retrievers.values():
            ask(q.body, store, retriever=retriever, save=False)
    rows = {url: _rows() for url in urls}
    bottom: dict[str, list[str]] = {url: [] for url in urls}
    for i, q in enumerate(questions):
        order = list(retrievers.items())
        for url, retriever in order[i % len(order):] + order[:i % len(order)]:  # each goes first as often
            t = time.perf_counter()
            answer = ask(q.body, store, retriever=retriever, save=False)
            latency = (time.perf_counter() - t) * 1000
            bottom[url].append(" ".join(s.text for s in answer.bottom_line))
            _score(rows[url], q, answer, latency, baseline, by_id)
    out: dict[str, dict[str, Any]] = {}
    for url in urls:
        metrics = _metrics(rows[url], len(questions))
        first = bottom[urls[0]]
        metrics["same_bottom_line_as_first"] = statistics.fmean(
            a == b for a, b in zip(bottom[url], first, strict=True)) if questions else float("nan")
        out[url] = metrics
    return out


def _rows() -> dict[str, list[float]]:
    return {k: [] for k in (
        "r2_recall", "r2_f1", "words", "b_recall", "b_f1", "b_words", "latency", "abstained",
        "dangling", "unsupported_after", "unsupported_before", "claims", "cite_gold", "cite_total",
        "cite_verified", "failed")}


def _score(rows: dict[str, list[float]], q: Any, answer: Answer, latency: float,
           baseline: Bm25sBaseline, by_id: dict[str, Any]) -> None:
    rows["latency"].append(latency)
    text = reader_text(answer)
    score = rouge_n(text, q.ideal_answer, 2)
    rows["r2_recall"].append(score.recall)
    rows["r2_f1"].append(score.f1)
    rows["words"].append(len(text.split()))
    rows["abstained"].append(float(answer.abstained))
    report = answer.verification
    rows["failed"].append(float(not report.passed))
    rows["dangling"].append(float(bool(report.dangling_citations)))
    claims = [s for s in answer.statements() if s.kind == "claim"]
    rows["claims"].append(len(claims) + len(report.removed))
    rows["unsupported_after"].append(len(report.unsupported))
    rows["unsupported_before"].append(len(report.unsupported) + len(report.removed))
    cited = [(s, n) for s in claims for n in s.citations]
    refs = {r.number: r.doc_id for r in answer.references}
    rows["cite_total"].append(len(cited) + len(report.removed))
    rows["cite_verified"].append(len(cited))
    rows["cite_gold"].append(sum(refs.get(n) in q.relevant for _, n in cited))

    top = baseline.search(q.body, 1)
    base = " ".join(split_sentences(" ".join(p.text for p in by_id[top[0]].passages))[:3]) if top else ""
    b = rouge_n(base, q.ideal_answer, 2)
    rows["b_recall"].append(b.recall)
    rows["b_f1"].append(b.f1)
    rows["b_words"].append(len(base.split()))


def _metrics(rows: dict[str, list[float]], n: int) -> dict[str, Any]:
    mean = statistics.fmean
    total_claims = sum(rows["claims"]) or 1
    total_cites = sum(rows["cite_total"]) or 1
    metrics = {
        "questions": n,
        "medcite": {
            "rouge2_recall": mean(rows["r2_recall"]), "rouge2_f1": mean(rows["r2_f1"]),
            "mean_words": mean(rows["words"]),
            "citation_precision_verifier": sum(rows["cite_verified"]) / total_cites,
            "citation_precision_gold": sum(rows["cite_gold"]) / max(1, sum(rows["cite_verified"])),
            "answers_with_dangling_citation": mean(rows["dangling"]),
            "unsupported_sentences_shown": sum(rows["unsupported_after"]) / total_claims,
            "unsupported_sentences_removed_by_gate": (sum(rows["unsupported_before"]) - sum(rows["unsupported_after"])) / total_claims,
            "answers_failing_verification": mean(rows["failed"]),
            "abstention_rate": mean(rows["abstained"]),
            "p50_ms": percentile(rows["latency"], 50), "p95_ms": percentile(rows["latency"], 95),
        },
        "baseline_bm25_first3": {
            "rouge2_recall": mean(rows["b_recall"]), "rouge2_f1": mean(rows["b_f1"]),
            "mean_words": mean(rows["b_words"]),
        },
    }
    return metrics


def report(metrics: dict[str, Any], documents: int) -> None:
    m, b = metrics["medcite"], metrics["baseline_bm25_first3"]
    print(f"BioASQ 7B-10B summary questions: {metrics['questions']}; corpus {documents:,} documents")
    print(table(
        ["system", "ROUGE-2 recall", "ROUGE-2 F1", "mean words", "p50 ms", "p95 ms"],
        [["baseline: BM25 top doc, first 3 sentences", b["rouge2_recall"], b["rouge2_f1"], b["mean_words"], "", ""],
         ["medcite ask", m["rouge2_recall"], m["rouge2_f1"], m["mean_words"], m["p50_ms"], m["p95_ms"]],
         ["ratio medcite / baseline", m["rouge2_recall"] / max(1e-9, b["rouge2_recall"]),
          m["rouge2_f1"] / max(1e-9, b["rouge2_f1"]), m["mean_words"] / max(1e-9, b["mean_words"]), "", ""]],
    ))
    print()
    print(table(["check", "value"], [[k, v] for k, v in m.items() if k not in ("rouge2_recall", "rouge2_f1", "mean_words")]))
    print(f"targets: {TARGETS}")


if __name__ == "__main__":
    main()
