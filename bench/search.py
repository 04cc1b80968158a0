"""Search benchmark: queries/s and p50/p95 latency of `medcite search` (lexical) for
the BioASQ 7B-10B question bodies, on a store holding all of ../shared/data.

    python bench/search.py [--store PATH] [--k 10]

Without --store, the store is built first (its ingest time is not counted).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import DATA, percentile, table
from medcite.ingest import ingest
from medcite.retrieve import lexical_search
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
    args = ap.parse_args()

    qs = questions(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "bench.db"
        store = SQLiteStore(path)
        if args.store is None:
            ingest([args.data], store)
        stats = store.stats()
        for q in qs[:50]:  # warm the page cache
            lexical_search(store, q, k=args.k)
        lat = []
        started = time.perf_counter()
        empty = 0
        for q in qs:
            t0 = time.perf_counter()
            hits = lexical_search(store, q, k=args.k)
            lat.append((time.perf_counter() - t0) * 1000)
            empty += not hits
        wall = time.perf_counter() - started
        store.close()

    p95 = percentile(lat, 95)
    print(f"## Lexical search, {len(qs):,} BioASQ questions, k={args.k}, "
          f"store of {stats['documents']:,} documents / {stats['passages']:,} passages\n")
    print(table(
        ("metric", "value"),
        [
            ("queries/s", len(qs) / wall),
            ("p50 latency (ms)", percentile(lat, 50)),
            ("p95 latency (ms)", p95),
            ("p99 latency (ms)", percentile(lat, 99)),
            ("max latency (ms)", max(lat)),
            ("queries with no hit", empty),
            ("p95 target (ms)", TARGET_P95_MS),
            ("p95 / target", p95 / TARGET_P95_MS),
        ],
    ))


if __name__ == "__main__":
    main()
