"""Sync benchmark (issue 14): documents/s through ``sync pubmed-baseline`` against plain
``medcite ingest`` of the same files, and requests/s held under the rate limit.

A PubMed mirror is built at run time from the real XML in ../shared/data
(``medcite.sync.testserver.build_mirror``: a baseline file of 604 MEDLINE citations and an
update file revising one, adding four and deleting one). Each round, alternating, into fresh
stores: ``ingest`` of the two .xml.gz files, ``sync pubmed-baseline`` from the mirror as a
folder, and from the mirror served over HTTP on 127.0.0.1 (no rate limit to speak of). Then
an ``HttpClient`` at NCBI's limits (3/s without a key, 10/s with one) sends requests to the
local test server: the rate achieved and the most requests started in any one second.

    python bench/sync.py [--repeat 5] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import DATA, median, table
from medcite.ingest import default_workers, ingest
from medcite.settings import IngestSettings, Settings, SourcesSettings, StoreSettings
from medcite.store import SQLiteStore
from medcite.sync import SyncContext
from medcite.sync.baseline import BaselineConnector
from medcite.sync.http import HttpClient
from medcite.sync.testserver import BASELINE, UPDATE, FakeNCBI, build_mirror

FIXTURES = DATA.parent / "fixtures" / "eutils-recorded"
TARGET = 0.9


def sync_once(home: Path, mirror: str, server: FakeNCBI, workers: int) -> tuple[int, float]:
    settings = Settings(store=StoreSettings(home=home), ingest=IngestSettings(workers=workers),
                        sources=SourcesSettings(eutils_url=server.eutils_url, requests_per_second=1000.0))
    store = SQLiteStore(settings.db_path)
    try:
        started = time.perf_counter()
        report = BaselineConnector(mirror).run(SyncContext(store, settings))
        seconds = time.perf_counter() - started
    finally:
        store.close()
    if not report.ok:
        raise SystemExit(f"sync failed: {report.errors}")
    return report.added + report.updated + report.unchanged, seconds


def ingest_once(home: Path, files: list[Path], workers: int) -> tuple[int, float]:
    store = SQLiteStore(home / "medcite.db")
    try:
        started = time.perf_counter()
        report = ingest(files, store, workers=workers)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    return report.documents, seconds


def held_rate(server: FakeNCBI, rate: float, count: int) -> tuple[float, int]:
    """(requests/s achieved, most request starts in any one second) at ``rate``."""
    client = HttpClient(rate, timeout=10.0, retries=0)
    starts: list[float] = []  # when each request leaves the limiter: its start
    limiter_wait = client.limiter.wait

    def wait() -> None:
        limiter_wait()
        starts.append(time.perf_counter())

    client.limiter.wait = wait  # type: ignore[method-assign]
    url = server.mirror_url + "baseline/"
    for _ in range(count):
        client.get(url)
    rate_held = (count - 1) / (starts[-1] - starts[0])  # intervals between starts
    worst = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    return rate_held, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="rounds (median reported)")
    ap.add_argument("--workers", type=int, default=default_workers())
    args = ap.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "mirror"
        info = build_mirror(DATA, root)
        files = [root / BASELINE, root / UPDATE]
        server = FakeNCBI(FIXTURES, root).start()
        try:
            rates: dict[str, list[float]] = {"ingest": [], "sync (folder)": [], "sync (http)": []}
            docs: dict[str, int] = {}
            labels = list(rates)
            for i in range(args.repeat):
                for label in labels[i % 3:] + labels[: i % 3]:  # each goes first in turn
                    home = Path(tmp) / f"{label.split()[0]}-{label[-5:-1]}-{i}"
                    home.mkdir()
                    if label == "ingest":
                        n, s = ingest_once(home, files, args.workers)
                    elif label == "sync (folder)":
                        n, s = sync_once(home, str(root), server, args.workers)
                    else:
                        n, s = sync_once(home, server.mirror_url, server, args.workers)
                    docs[label] = n
                    rates[label].append(n / s)
            limits = [(rate, *held_rate(server, rate, count)) for rate, count in ((3.0, 16), (10.0, 50))]
        finally:
            server.stop()
    base = median(rates["ingest"])
    print(f"## Sync vs ingest ({info['baseline_citations']} + 5 citations in 2 files, workers={args.workers}, "
          f"median of {args.repeat}, load before {load_before[0]:.2f})\n")
    print(table(["path", "documents", "documents/s", "ratio to ingest", f"target >= {TARGET}"],
                [[label, docs[label], median(r), median(r) / base,
                  "-" if label == "ingest" else ("ok" if median(r) / base >= TARGET else "MISSED")]
                 for label, r in rates.items()]))
    print("\n## Requests held under the rate limit (HttpClient against the local test server)\n")
    print(table(["limit (requests/s)", "requests", "achieved requests/s", "most started in any 1 s", "held"],
                [[rate, count, got, worst, "yes" if worst <= rate else "NO"]
                 for (rate, got, worst), count in zip(limits, (16, 50), strict=True)]))


if __name__ == "__main__":
    main()
