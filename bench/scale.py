"""Scale-out benchmark: the Milvus passage index (issue 15) beside the local one, on one store.

    python bench/scale.py --store COPY.db [--tcp] [--queries 300] [--asks 40]
                          [--answers N --eval-home HOME] [--ndcg EVAL_COPY.db] [--work DIR]

Give it a copy of a store (it is read, and the local index files beside it are built if
missing; the Milvus indexes live in ``--work``, a new temporary folder by default). For each
backend — local files, Milvus Lite in this process (``milvus-lite://``) and, with ``--tcp``,
Milvus Lite's engine served on TCP (``milvus://``, as tests/milvusserver.py starts it) —
it measures:

- refresh from empty: passages/s and vectors/s written (the local index: its BM25 build);
- search latency p50/p95 of ``Retriever.search`` in lexical mode over BioASQ question bodies
  (dense and hybrid too when 90% of passages have vectors, else the index's own ``dense`` over
  the passages that have one, queries embedded beforehand), and top-10 overlap with the local
  index (passage ids; and whether the top document is the same);
- ``ask`` latency p50/p95 over the clinical vignettes (bench/clinical/questions), and how
  often the bottom line is word for word the local one's;
- memory and disk of each backend: for the local index, the growth of this process's RSS
  over what it held before any index was opened (the query embedder and the store already
  loaded), after its refresh and after the searches, and its peak while refreshing; for Milvus,
  the RSS of the engine process (Milvus Lite runs its engine as a child process, found by its
  command line) after the refresh and after the searches, and its peak (VmHWM); disk: the
  local index folders beside the store, the Milvus Lite file, the TCP server's folder (the
  SQLite store itself, which every backend reads passage texts from, on a row of its own);
- with ``--ndcg COPY``: BioASQ nDCG@10 of lexical, dense and hybrid search through each backend
  on a copy of the BioASQ eval store (``$MEDCITE_HOME/eval/bioasq-*.db``, fully embedded), on
  7B+8B (the dev half the fusion was tuned on), 9B+10B (held out) and all, as ``medcite eval
  retrieval`` scores it (documents ranked by their best passage among the top 300);
- with ``--answers N``: the answer benchmark (bench/answers.py) on its first N BioASQ summary
  questions (0: all 464) over local and Milvus Lite indexes of the eval store under
  ``--eval-home`` (a copy of $MEDCITE_HOME: its ``eval/bioasq-*.db``), ROUGE-2 side by side.

Backends take each query in turn (interleaved, a different one first each time), so machine
load and warm caches fall on all alike.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import statistics
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


MB = 1 << 20


def proc_memory(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MiB, from /proc (VmRSS, VmHWM); zeros if it is gone."""
    got = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, *rest = line.split()
            if key in got:
                got[key] = float(rest[0]) / 1024  # kB
    except OSError:
        pass
    return got["VmRSS:"], got["VmHWM:"]


def engine_pids(marker: str) -> list[int]:
    """This process's descendants whose command line names ``marker`` (a Milvus Lite file, the
    TCP server's folder): the engine processes of one backend."""
    import psutil

    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if any(marker in arg for arg in child.cmdline()):
                out.append(child.pid)
        except psutil.Error:
            continue
    return out


def settle() -> None:
    """Collect garbage and hand freed heap back to the system, so RSS shows what is held."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Memory:
    """Memory of each backend at marks ("refresh", "search"): MiB held and peak."""

    def __init__(self, markers: dict[str, str]) -> None:
        self.markers = markers  # backend -> engine marker ("" for this process: the local index)
        self.base = proc_memory(os.getpid())[0]
        self.marks: dict[str, dict[str, tuple[float, float]]] = {name: {} for name in markers}

    def mark(self, name: str, when: str) -> None:
        marker = self.markers[name]
        if not marker:
            settle()
            rss, peak = proc_memory(os.getpid())
            self.marks[name][when] = (rss - self.base, peak - self.base)
            return
        stats = [proc_memory(pid) for pid in engine_pids(marker)]
        self.marks[name][when] = (sum(r for r, _ in stats), sum(p for _, p in stats))


def disk_bytes(paths: list[Path]) -> int:
    """Bytes in these files and folders (recursively); missing ones count 0."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return total


def refresh_rates(name: str, url: str, store: SQLiteStore, embedder: str,
                  memory: Memory | None = None) -> list[list[object]]:
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
        built = len(SparseIndex.build(store.db.execute(ROWS_SQL)))
        total = time.perf_counter() - t0
        settle()
        # Then the index itself: its files built beside the store (BM25 and dense) or, when
        # they are there already and up to date, loaded.
        t1 = time.perf_counter()
        index.refresh(store)
        files = time.perf_counter() - t1
        size = index.size()
        if memory is not None:
            memory.mark(name, "refresh")
        index.close()
        return [[f"{name} (BM25 build in memory)", built, total, built / total, "", "", ""],
                [f"{name} (index.refresh: files built or loaded)", size.passages, files, "", size.vectors, "", ""]]
    index.refresh(store, progress=progress)  # type: ignore[call-arg]
    total = time.perf_counter() - t0
    size = index.size()
    if memory is not None:
        memory.mark(name, "refresh")
    index.close()
    p_end = marks.get("passages", t0)
    v_time = marks["vectors"] - p_end if "vectors" in marks else float("nan")
    return [[name, size.passages, total, size.passages / max(1e-9, p_end - t0), size.vectors,
             v_time, size.vectors / v_time if v_time == v_time and v_time > 0 else float("nan")]]


def rotated(items: dict[str, Any], i: int) -> list[tuple[str, Any]]:
    """``items`` starting at the ``i``-th: each backend goes first as often (the first to see a
    question fills per-process caches the others then use)."""
    pairs = list(items.items())
    return pairs[i % len(pairs):] + pairs[:i % len(pairs)]


def overlap(a: list[int], b: list[int], k: int = 10) -> float:
    return len(set(a[:k]) & set(b[:k])) / max(1, min(k, len(a), len(b))) if a and b else float(a == b)


def local_memory(store: SQLiteStore, queries: list[str], modes: list[str], memory: Memory) -> None:
    """The local index's memory after ``queries`` in each mode, before any other backend is opened
    (Milvus's client side would count in this process too)."""
    retriever = Retriever(store, SearchConfig(on_demand=0))
    for mode in modes:
        for q in queries:
            retriever.search(q, k=10, mode=mode, snippets=False)
    retriever.close()
    memory.mark("local", "search")


def search_rows(backends: dict[str, str], store: SQLiteStore, queries: list[str],
                modes: list[str], memory: Memory | None = None) -> list[list[object]]:
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
    if memory is not None:
        for name in backends:
            if memory.markers[name]:  # the local index was measured alone before (local_memory)
                memory.mark(name, "search")
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


def ndcg_table(eval_store: Path, work: Path, tcp_url: str = "", limit: int = 0) -> str:
    """BioASQ nDCG@10 through each backend on ``eval_store`` (a copy of the eval store)."""
    from medcite.eval import corpus
    from medcite.eval.retrieval import evaluate
    from medcite.eval.run import PASSAGES_PER_QUERY, indexed_only

    files = sorted((DATA / "bioasq-golden").glob("*/*.json"))
    docs = corpus.bioasq_corpus(files)
    questions = indexed_only(corpus.bioasq_questions(files), docs)
    questions = questions[::max(1, len(questions) // limit)][:limit] if limit else questions  # spread over all
    dev = {q.qid for q in questions if q.source.startswith(("7B", "8B"))}
    store = SQLiteStore(eval_store)
    stored = store.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    if stored != len(docs):
        raise SystemExit(f"{eval_store} holds {stored:,} documents, the BioASQ corpus {len(docs):,}: "
                         "give a copy of $MEDCITE_HOME/eval/bioasq-*.db")
    backends = {"local": "", "milvus-lite": f"milvus-lite:///{work / 'bioasq-ndcg.db'}"}
    if tcp_url:
        backends["milvus tcp"] = f"{tcp_url}/bioasq_ndcg"
    modes = ["lexical", "dense", "hybrid"]
    retrievers = {name: Retriever(store, SearchConfig(on_demand=0), index_url=url) for name, url in backends.items()}
    fns = {}
    for name, r in retrievers.items():
        for mode in modes:
            r.search("warm up", k=10, mode=mode, snippets=False)  # refresh (Milvus: fill) the index
            fns[(name, mode)] = _doc_search(r, mode, PASSAGES_PER_QUERY)
    keys = list(fns)
    report = evaluate(questions, {f"{n} {m}": fn for (n, m), fn in fns.items()}, k_max=100)
    for r in retrievers.values():
        r.close()
    store.close()
    rows = []
    for name, mode in keys:
        per_query = report.per_query[f"{name} {mode}"]
        ref = {q["qid"]: q["ndcg@10"] for q in report.per_query[f"local {mode}"]}

        def mean(qs: list[dict[str, Any]]) -> float:
            return statistics.fmean(q["ndcg@10"] for q in qs) if qs else float("nan")

        rows.append([mode, name, mean([q for q in per_query if q["qid"] in dev]),
                     mean([q for q in per_query if q["qid"] not in dev]), mean(per_query),
                     mean(per_query) - statistics.fmean(ref.values()),
                     sum(abs(q["ndcg@10"] - ref[q["qid"]]) < 1e-9 for q in per_query) / len(per_query),
                     report.rows[f"{name} {mode}"]["p50_ms"]])
    rows.sort(key=lambda r: (modes.index(str(r[0])), list(backends).index(str(r[1]))))
    return (f"## BioASQ nDCG@10 through each backend: {len(questions):,} questions ({len(dev):,} of 7B+8B), "
            f"{len(docs):,} documents ({eval_store.name})\n\n"
            + table(["mode", "index", "nDCG@10 7B+8B (dev)", "9B+10B (held out)", "all", "all − local",
                     "questions scored as local", "p50 ms (k=300)"],
                    [[*r[:5], f"{r[5]:+.4f}", *r[6:]] for r in rows]))


def _doc_search(retriever: Retriever, mode: str, passages: int) -> Callable[[str, int], list[str]]:
    """``(question, k) -> ranked doc ids`` as ``medcite eval retrieval`` ranks them."""
    from medcite.eval.retrieval import dedupe_docs

    def search(q: str, k: int) -> list[str]:
        return dedupe_docs(retriever.search(q, k=passages, mode=mode, snippets=False))[:k]

    return search


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
    ap.add_argument("--ndcg", type=Path, default=None,
                    help="a COPY of the BioASQ eval store: nDCG@10 through each backend")
    ap.add_argument("--index-options", default="", help="URL query options of the Milvus indexes "
                    "(e.g. request_timeout=900: loading a 1M-passage collection takes over a minute)")
    ap.add_argument("--no-refresh", action="store_true",
                    help="reuse the Milvus files in --work as they are (no refresh from empty is timed)")
    ap.add_argument("--ndcg-questions", type=int, default=0, help="only N questions, spread over all (0: all)")
    args = ap.parse_args()
    warnings.simplefilter("ignore", UserWarning)  # milvus-lite 2.5 imports pkg_resources

    from medcite.retrieve.embed import embed_query, embedder_for_store

    if args.answers is not None and args.eval_home is None:
        ap.error("--answers needs --eval-home (a copy of $MEDCITE_HOME with eval/bioasq-*.db)")
    with tempfile.TemporaryDirectory(prefix="medcite-scale-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        store = SQLiteStore(args.store)
        model = embedder_for_store(store)
        embedder = model.name
        embed_query(model, "warm up")  # the query embedder is loaded before memory is counted
        lite_file = work / "scale.db"
        query = f"?{args.index_options}" if args.index_options else ""
        backends = {"local": "", "milvus-lite": f"milvus-lite:///{lite_file}{query}"}
        markers = {"local": "", "milvus-lite": str(lite_file)}
        server = None
        if args.tcp:
            from milvusserver import MilvusServer

            server = MilvusServer().start()
            backends["milvus tcp"] = f"{server.url}/scale{query}"
            markers["milvus tcp"] = str(server.root)
        settle()
        memory = Memory(markers)
        disk: list[list[object]] = []
        try:
            refresh = refresh_rates("local", "", store, embedder, memory)
            size = open_index("", store, embedder).size()
            qs = bioasq_bodies(DATA)[: args.queries]
            modes = ["lexical"] + (["dense", "hybrid"] if size.dense_coverage >= 0.9 else [])
            local_memory(store, qs[:20], modes, memory)
            for name, url in backends.items():
                if name != "local" and not args.no_refresh:
                    refresh += refresh_rates(name, url, store, embedder, memory)
            print(f"## Scale-out: {args.store.name}, {size.passages:,} passages, {size.vectors:,} with a "
                  f"{embedder} vector ({size.dense_coverage:.0%})\n")
            print(table(["index", "passages", "refresh s", "passages/s", "vectors", "vectors s", "vectors/s"],
                        refresh), flush=True)
            search = search_rows(backends, store, qs, modes, memory)
            if size.dense_coverage < 0.9 and size.vectors:
                search += dense_rows(backends, store, qs, embedder)
            print()
            print(f"{len(qs)} BioASQ question bodies (search, k=10); overlap: share of local's top 10 passages "
                  "also in the backend's top 10\n")
            print(table(["what", "index", "p50 ms", "p95 ms", "p50 / local", "overlap@10",
                         "same top doc"], search), flush=True)
            if args.asks:
                asks = ask_rows(backends, store, vignettes()[: args.asks])
                print(f"\n{min(args.asks, len(vignettes()))} clinical vignettes (ask)\n")
                print(table(["what", "index", "p50 ms", "p95 ms", "p50 / local", "same bottom line",
                             "same first reference"], asks), flush=True)
            store_files = [args.store, Path(f"{args.store}-wal"), Path(f"{args.store}-shm")]
            disk.append(["SQLite store (passage texts: read by every backend)", disk_bytes(store_files) / MB])
            local_dirs = [p for p in args.store.parent.glob(args.store.name + ".*") if p.is_dir()]
            disk.append(["local: " + ", ".join(sorted(p.name.removeprefix(args.store.name) for p in local_dirs)),
                         disk_bytes(local_dirs) / MB])
            disk.append(["milvus-lite: " + lite_file.name, disk_bytes(list(work.glob("*scale.db*"))) / MB])
            if server is not None and server.root is not None:
                disk.append(["milvus tcp: server folder", disk_bytes([server.root]) / MB])
            if args.ndcg is not None:
                print()
                print(ndcg_table(args.ndcg, work, server.url if server is not None else "", args.ndcg_questions),
                      flush=True)
        finally:
            close_shared_indexes()
            store.close()
            if server is not None:
                server.stop()

        print("\n## Memory (MiB). local: growth of this process's RSS over what it held before any index "
              "was opened, after 20 queries per mode searched alone (before Milvus was opened); Milvus: "
              "the engine process, after all the searches\n")
        rows = []
        nan = (float("nan"), float("nan"))
        for name, marks in memory.marks.items():
            rows.append([name, marks.get("refresh", nan)[0], marks.get("refresh", nan)[1],
                         marks.get("search", nan)[0], marks.get("search", nan)[1]])
        print(table(["index", "RSS after refresh", "peak during refresh", "RSS after searches",
                     "peak during searches"], rows))
        print("\n## Disk (MiB)\n")
        print(table(["what", "MiB"], disk))
        if args.answers is not None:
            print()
            print(answers_table(args.eval_home, work, args.answers))

if __name__ == "__main__":
    main()
