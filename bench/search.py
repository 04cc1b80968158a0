"""Search benchmark: queries/s and p50/p95 latency of `medcite search` for the BioASQ
7B-10B question bodies, on a store holding all of ../shared/data, beside the baseline
of SQLite FTS5's own bm25() ranking (the same OR-ed query terms).

    python bench/search.py [--store PATH] [--k 10] [--modes fts5,lexical,hybrid] [--embedder NAME]

Without --store, the store is built first (its ingest time is not counted). Hybrid
runs on whatever passage vectors the store has (`medcite embed`); it embeds nothing.
The query embedder is the one a search would pick for the store (the int8 ONNX MiniLM
where installed, unless the store's vectors are another model's) or ``--embedder``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import DATA, percentile, table
from medcite.ingest import ingest
from medcite.retrieve.lexical import lexical_search
from medcite.retrieve.search import Retriever, SearchConfig
from medcite.store import SQLiteStore

TARGET_P95_MS = 20.0


def questions(data: Path) -> list[str]:
    bodies = []
    for f in sorted((data / "bioasq-golden").glob("*/*.json")):
        bodies.extend(q["body"] for q in json.loads(f.read_text())["questions"])
    return bodies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--store", type=Path, default=None, help="an existing store to query")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--modes", default="fts5,lexical,hybrid")
    ap.add_argument("--embedder", default=None, help="query/passage model (default: as search picks)")
    args = ap.parse_args()

    qs = questions(args.data)
    rows = []
    model = ""
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "bench.db"
        store = SQLiteStore(path)
        if args.store is None:
            ingest([args.data], store)
        stats = store.stats()
        vectors = store.db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        retriever = Retriever(store, SearchConfig(on_demand=0), embedder_name=args.embedder)
        for mode in args.modes.split(","):
            def run(q: str, mode: str = mode) -> int:
                if mode == "fts5":
                    return len(lexical_search(store, q, k=args.k))
                return len(retriever.search(q, k=args.k, mode=mode))

            for q in qs[:50]:  # warm caches and indexes
                run(q)
            lat = []
            started = time.perf_counter()
            empty = 0
            for q in qs:
                t0 = time.perf_counter()
                empty += run(q) == 0
                lat.append((time.perf_counter() - t0) * 1000)
            wall = time.perf_counter() - started
            if retriever.info.embedder:
                model = retriever.info.embedder
            rows.append((mode, len(qs) / wall, percentile(lat, 50), percentile(lat, 95),
                         percentile(lat, 99), empty))
        store.close()

    print(f"## Search latency, {len(qs):,} BioASQ questions, k={args.k}, store of "
          f"{stats['documents']:,} documents / {stats['passages']:,} passages ({vectors:,} vectors)"
          f"{f'; queries embedded with {model}' if model else ''}\n")
    print(table(("mode", "queries/s", "p50 ms", "p95 ms", "p99 ms", "no hit"), rows))
    base = next((r for r in rows if r[0] == "fts5"), None)
    print()
    summary = []
    for r in rows:
        if r[0] == "fts5":
            continue
        summary.append((r[0], r[3], TARGET_P95_MS, r[3] / TARGET_P95_MS,
                        (base[3] / r[3]) if base else float("nan")))
    print(table(("mode", "p95 ms", "target p95 ms", "p95 / target", "speed-up vs FTS5 p95"), summary))


if __name__ == "__main__":
    main()
