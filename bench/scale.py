"""Scale-out benchmark: the Milvus passage index (issue 15) beside the local one, on one store.

    python bench/scale.py --store COPY.db [--tcp] [--queries 300] [--asks 40]
                          [--answers N --eval-home HOME] [--work DIR]

Give it a copy of a store (it is read, and the local index files beside it are built if
missing; the Milvus indexes live in ``--work``, a new temporary folder by default). For each
backend — local files, Milvus Lite in this process (``milvus-lite://``) and, with ``--tcp``,
Milvus Lite's engine served on TCP (``milvus://``, as tests/milvusserver.py starts it) —
it measures:

- refresh from empty: passages/s and vectors/s written (the local index: its BM25 build);
- search latency p50/p95 of ``Retriever.search`` in lexical mode over BioASQ question bodies
  (hybrid too when 90% of passages have vectors, else the index's own ``dense`` over the
  passages that have one, queries embedded beforehand), and top-10 overlap with the local
  index (passage ids; and whether the top document is the same);
- ``ask`` latency p50/p95 over the clinical vignettes (bench/clinical/questions), and how
  often the bottom line is word for word the local one's;
- with ``--answers N``: the answer benchmark (bench/answers.py) on its first N BioASQ summary
  questions (0: all 464) over local and Milvus Lite indexes of the eval store under
  ``--eval-home`` (a copy of $MEDCITE_HOME: its ``eval/bioasq-*.db``), ROUGE-2 side by side.

Backends take each query in turn (interleaved, a different one first each time), so machine
load and warm caches fall on all alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import DATA, ROOT, median, percentile, table
from medcite.answering import ask
from medcite.index import open_index
from medcite.index.factory import close_shared_indexes
from medcite.retrieve.search import Retriever, SearchConfig
from medcite.store import SQLiteStore

sys.path.insert(0, str(ROOT / "tests"))  # milvusserver: Milvus Lite's engine on TCP


def bioasq_bodies(data: Path) -> list[str]:
    from search import questions  # bench/search.py

    return questions(data)


def vignettes() -> list[str]:
    from clinical import load_items  # bench/clinical.py

    return [item["vignette"] for item in load_items()]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def refresh_rates(name: str, url: str, store: SQLiteStore, embedder: str) -> list[object]:
    """Refresh an empty index of ``url`` and time its passages and vectors parts."""
    index = open_index(url, store, embedder)
    marks: dict[str, float] = {}
    counts: dict[str, int] = {}
    t0 = time.perf_counter()

    def progress(part: str, done: int, total: int) -> None:
        marks[part] = time.perf_counter()
        counts[part] = total

    if name == "local":
        # Its BM25 files may exist already: time a build from the store's rows instead (in
        # memory; vectors are read as they are, no index is built for them).
        from medcite.index.bm25 import ROWS_SQL, SparseIndex

        t0 = time.perf_counter()
        built = SparseIndex.build(store.db.execute(ROWS_SQL))
        total = time.perf_counter() - t0
        index.refresh(store)
        size = index.size()
        index.close()
        return [f"{name} (BM25 build)", len(built), total, len(built) / total, size.vectors, "", ""]
    index.refresh(store, progress=progress)  # type: ignore[call-arg]
    total = time.perf_counter() - t0
    size = index.size()
    index.close()
    p_end = marks.get("passages", t0)
    v_time = marks["vectors"] - p_end if "vectors" in marks else float("nan")
    return [name, size.passages, total, size.passages / max(1e-9, p_end - t0), size.vectors,
            v_time, size.vectors / v_time if v_time == v_time and v_time > 0 else float("nan")]


def rotated(items: dict[str, Any], i: int) -> list[tuple[str, Any]]:
    """``items`` starting at the ``i``-th: each backend goes first as often (the first to see a
    question fills per-process caches the others then use)."""
    pairs = list(items.items())
    return pairs[i % len(pairs):] + pairs[:i % len(pairs)]


def overlap(a: list[int], b: list[int], k: int = 10) -> float:
    return len(set(a[:k]) & set(b[:k])) / max(1, min(k, len(a), len(b))) if a and b else float(a == b)


def search_rows(backends: dict[str, str], store: SQLiteStore, queries: list[str],
                modes: list[str]) -> list[list[object]]:
    retrievers = {name: Retriever(store, SearchConfig(on_demand=0), index_url=url) for name, url in backends.items()}
    rows = []
    for mode in modes:
        lat: dict[str, list[float]] = {n: [] for n in backends}
        over: dict[str, list[float]] = {n: [] for n in backends}
        same_doc: dict[str, list[float]] = {n: [] for n in backends}
        used = ""
        for q in queries[:20]:  # warm
            for r in retrievers.values():
                r.search(q, k=10, mode=mode, snippets=False)
        for i, q in enumerate(queries):
            hits: dict[str, list[Any]] = {}
            for name, r in rotated(retrievers, i):
                ms, hits[name] = timed(lambda r=r, q=q, mode=mode: r.search(q, k=10, mode=mode, snippets=False))
                lat[name].append(ms)
                used = r.info.mode
            ref = hits["local"]
            for name in backends:
                over[name].append(overlap([h.passage_id for h in ref], [h.passage_id for h in hits[name]]))
                same_doc[name].append(float(bool(ref) == bool(hits[name]) and
                                            (not ref or ref[0].doc_id == hits[name][0].doc_id)))
        for name in backends:
            rows.append([f"{mode} (ran {used})", name, percentile(lat[name], 50), percentile(lat[name], 95),
                         median(lat[name]) / median(lat["local"]), sum(over[name]) / len(queries),
                         sum(same_doc[name]) / len(queries)])
    for r in retrievers.values():
        r.close()
    return rows


def dense_rows(backends: dict[str, str], store: SQLiteStore, queries: list[str], embedder: str) -> list[list[object]]:
    """The index's own ``dense`` (k=100, as search asks) over the passages that have vectors."""
    from medcite.retrieve.embed import embed_query, get_embedder

    model = get_embedder(embedder)
    vecs = [embed_query(model, q) for q in queries]
    indexes = {name: open_index(url, store, embedder) for name, url in backends.items()}
    for index in indexes.values():
        index.refresh(store)
    lat: dict[str, list[float]] = {n: [] for n in backends}
    over: dict[str, list[float]] = {n: [] for n in backends}
    for i, v in enumerate(vecs):
        got = {}
        for name, index in rotated(indexes, i):
            ms, got[name] = timed(lambda index=index, v=v: index.dense(v, 100))
            lat[name].append(ms)
        for name in backends:
            over[name].append(overlap([p for p, _ in got["local"]], [p for p, _ in got[name]]))
    size = indexes["local"].size()
    for index in indexes.values():
        index.close()
    return [[f"index.dense k=100 ({size.vectors:,} vectors)", name, percentile(lat[name], 50),
             percentile(lat[name], 95), median(lat[name]) / median(lat["local"]),
             sum(over[name]) / len(vecs), ""] for name in backends]


def ask_rows(backends: dict[str, str], store: SQLiteStore, questions: list[str]) -> list[list[object]]:
    retrievers = {name: Retriever(store, SearchConfig(on_demand=0), index_url=url) for name, url in backends.items()}
    for q in questions[:3]:
        for r in retrievers.values():
            ask(q, store, retriever=r, save=False)
    lat: dict[str, list[float]] = {n: [] for n in backends}
    same: dict[str, list[float]] = {n: [] for n in backends}
    first_ref: dict[str, list[float]] = {n: [] for n in backends}
    for i, q in enumerate(questions):
        answers = {}
        for name, r in rotated(retrievers, i):
            ms, answers[name] = timed(lambda r=r, q=q: ask(q, store, retriever=r, save=False))
            lat[name].append(ms)
        ref = answers["local"]
        for name, a in answers.items():
            same[name].append(float([s.text for s in a.bottom_line] == [s.text for s in ref.bottom_line]))
            first_ref[name].append(float([r.doc_id for r in a.references[:1]] == [r.doc_id for r in ref.references[:1]]))
    return [["ask", name, percentile(lat[name], 50), percentile(lat[name], 95),
             median(lat[name]) / median(lat["local"]), sum(same[name]) / len(questions),
             sum(first_ref[name]) / len(questions)] for name in backends]


def answers_table(eval_home: Path, work: Path, limit: int) -> str:
    os.environ["MEDCITE_HOME"] = str(eval_home)
    from answers import evaluate, open_corpus  # bench/answers.py
    from medcite.eval.corpus import bioasq_questions

    files = sorted((DATA / "bioasq-golden").glob("*/*.json"))
    questions = [q for q in bioasq_questions(files) if q.qtype == "summary" and q.ideal_answer]
    questions = questions[:limit] if limit else questions
    store, docs = open_corpus(files)
    lite = f"milvus-lite:///{work / 'bioasq.db'}"
    t, _ = timed(lambda: _refresh(lite, store))
    runs = evaluate(store, docs, questions, ["", lite])
    store.close()
    rows = [["milvus-lite" if url else "local", m["medcite"]["rouge2_recall"], m["medcite"]["rouge2_f1"],
             m["medcite"]["mean_words"], m["medcite"]["abstention_rate"], m["medcite"]["citation_precision_gold"],
             m["medcite"]["p50_ms"], m["medcite"]["p95_ms"], m["same_bottom_line_as_first"]] for url, m in runs.items()]
    return (f"## Answer benchmark over both indexes: {len(questions)} BioASQ summary questions, corpus "
            f"{len(docs):,} documents (Milvus Lite refresh from empty {t / 1000:.1f} s)\n\n"
            + table(["index", "ROUGE-2 recall", "ROUGE-2 F1", "mean words", "abstained", "cites gold",
                     "p50 ms", "p95 ms", "same bottom line as local"], rows))


def _refresh(url: str, store: SQLiteStore) -> None:
    from medcite.retrieve.embed import embedder_for_store

    index = open_index(url, store, embedder_for_store(store).name)
    try:
        index.refresh(store)
    finally:
        index.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, required=True, help="a COPY of a store (its index files are built beside it)")
    ap.add_argument("--work", type=Path, default=None, help="folder for the Milvus files (default: a temporary one)")
    ap.add_argument("--tcp", action="store_true", help="also Milvus Lite's engine served on TCP (milvus://)")
    ap.add_argument("--queries", type=int, default=300, help="BioASQ question bodies searched")
    ap.add_argument("--asks", type=int, default=40, help="clinical vignettes asked (0: skip)")
    ap.add_argument("--answers", type=int, default=None, help="run the answer benchmark on N questions (0: all)")
    ap.add_argument("--eval-home", type=Path, default=None, help="a copy of $MEDCITE_HOME holding eval/bioasq-*.db")
    args = ap.parse_args()
    warnings.simplefilter("ignore", UserWarning)  # milvus-lite 2.5 imports pkg_resources

    from medcite.retrieve.embed import embedder_for_store

    with tempfile.TemporaryDirectory(prefix="medcite-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        store = SQLiteStore(args.store)
        embedder = embedder_for_store(store).name
        backends = {"local": "", "milvus-lite": f"milvus-lite:///{work / 'scale.db'}"}
        server = None
        if args.tcp:
            from milvusserver import MilvusServer

            server = MilvusServer().start()
            backends["milvus tcp"] = f"{server.url}/scale"
        try:
            refresh = [refresh_rates(name, url, store, embedder) for name, url in backends.items()]
            size = open_index("", store, embedder).size()
            qs = bioasq_bodies(DATA)[: args.queries]
            modes = ["lexical"] + (["hybrid"] if size.dense_coverage >= 0.9 else [])
            search = search_rows(backends, store, qs, modes)
            if size.dense_coverage < 0.9 and size.vectors:
                search += dense_rows(backends, store, qs, embedder)
            asks = ask_rows(backends, store, vignettes()[: args.asks]) if args.asks else []
        finally:
            close_shared_indexes()
            store.close()
            if server is not None:
                server.stop()

        print(f"## Scale-out: {args.store.name}, {size.passages:,} passages, {size.vectors:,} with a "
              f"{embedder} vector ({size.dense_coverage:.0%})\n")
        print(table(["index", "passages", "refresh s", "passages/s", "vectors", "vectors s", "vectors/s"], refresh))
        print()
        print(f"{len(qs)} BioASQ question bodies (search, k=10), {min(args.asks, len(vignettes()))} clinical "
              "vignettes (ask); overlap: share of local's top 10 passages also in the backend's top 10\n")
        print(table(["what", "index", "p50 ms", "p95 ms", "p50 / local", "overlap@10 or same bottom line",
                     "same top doc or first reference"], search + asks))
        if args.answers is not None:
            if args.eval_home is None:
                ap.error("--answers needs --eval-home (a copy of $MEDCITE_HOME with eval/bioasq-*.db)")
            print()
            print(answers_table(args.eval_home, work, args.answers))


if __name__ == "__main__":
    main()
