"""Serving load benchmark: N concurrent askers against `medcite serve` on loopback, with a
reviewer approving the new articles at the same time.

    python bench/serve_load.py [--askers 8] [--seconds 60] [--workers 2] [--home DIR] [--json]

Starts the real server (uvicorn, `--workers` processes) over the evidence store in
`--home` (default: $MEDCITE_HOME, e.g. the one `make demo` builds) with the editorial
database in a fresh temporary SQLite file (or `--database-url postgresql://…`), so the
benchmark leaves the reader's own articles alone. The ask rate limit is switched off
(every asker comes from 127.0.0.1). Questions are real consumer-health questions from
MedQuAD (treatment, symptoms, causes…) and BioASQ summary questions, shuffled with a fixed
seed: 1,778 distinct questions, each asked once until the list runs out, so that no answer
comes from a question asked before in the run.

Reports p50/p95/max latency of POST /api/ask, errors (any status but 200, or a failure to
connect), and checks that every approval the reviewer made is still there at the end:
status Approved and an audit entry for it. Baseline in the same run: the same questions
through `ask()` in one process with no HTTP and no concurrency (ratio = served / alone).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lxml import etree

from _common import DATA, percentile, table
from medcite.answering import ask
from medcite.eval.corpus import bioasq_questions
from medcite.retrieve.search import Retriever, SearchConfig
from medcite.review import EditorialStore
from medcite.settings import Settings
from medcite.store import open_store

TARGETS = {"p95_s": 1.5, "errors": 0, "lost_approvals": 0}


def questions(limit: int, seed: int = 7) -> list[str]:
    """Real questions: MedQuAD (NIH pages) and BioASQ summary questions."""
    out: list[str] = []
    for folder in ("5_NIDDK_QA", "6_NINDS_QA", "8_NHLBI_QA_XML"):
        for path in sorted((DATA / "medquad" / folder).glob("*.xml"))[:400]:
            try:
                root = etree.parse(str(path)).getroot()
            except etree.XMLSyntaxError:
                continue
            out += [" ".join((q.text or "").split()) for q in root.iter("Question")
                    if q.get("qtype") in ("treatment", "symptoms", "causes", "information")]
    out += [q.body for q in bioasq_questions(sorted((DATA / "bioasq-golden").glob("*/*.json")))
            if q.qtype == "summary"]
    out = [q for q in dict.fromkeys(out) if 10 < len(q) < 300]
    random.Random(seed).shuffle(out)
    return out[:limit]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("server did not become ready")


def baseline(home: Path, qs: list[str]) -> list[float]:
    """``ask()`` in this process, one question at a time, nothing saved, embedding nothing
    on demand (as ``medcite serve`` does)."""
    settings = Settings.from_env(home)
    store = open_store(settings)
    retriever = Retriever(store, SearchConfig(on_demand=0))
    out = []
    try:
        ask(qs[-1], store, retriever=retriever, save=False)  # load indexes and the model once, as the server does
        for q in qs:
            t = time.perf_counter()
            ask(q, store, retriever=retriever, save=False)
            out.append(time.perf_counter() - t)
    finally:
        store.close()
    return out


def main() -> None:
    import httpx

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--askers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-requests", type=int, default=2000, help="stop after this many asks in all")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--database-url", default="", help="editorial database (default: a temporary SQLite file)")
    ap.add_argument("--baseline-questions", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    settings = Settings.from_env(args.home)
    with open_store(settings) as store:
        docs = store.stats().get("documents", 0)
    if not docs:
        raise SystemExit(f"no documents in {settings.db_path}: run `make demo` (or `medcite ingest`) first")
    qs = questions(2000)
    scratch = Path(tempfile.mkdtemp(prefix="medcite-load-"))
    editorial_url = args.database_url or f"sqlite:///{scratch / 'editorial.db'}"
    articles = EditorialStore.open(editorial_url)
    articles.add_user("load-reviewer", "load-reviewer-password", "reviewer")
    token = articles.create_token("load-reviewer", "serve_load")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MEDCITE_HOME": str(settings.home), "MEDCITE_EDITORIAL_URL": editorial_url,
           "MEDCITE_ASK_PER_MINUTE": "0"}
    medcite = shutil.which("medcite", path=str(Path(sys.executable).parent)) or "medcite"
    proc = subprocess.Popen([medcite, "serve", "--port", str(port), "--workers", str(args.workers)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(url, proc)
        with httpx.Client(base_url=url, timeout=60) as c:  # warm every worker's indexes and model
            for q in qs[-2 * args.workers:]:  # questions the askers reach last, if ever
                c.post("/api/ask", json={"question": q})
        latencies: list[float] = []
        errors: list[str] = []
        new_ids: list[str] = []
        approved: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        counter = iter(range(10**9))

        def asker() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                while time.monotonic() < stop:
                    i = next(counter)
                    if i >= args.max_requests:
                        return
                    q = qs[i % len(qs)]  # every ask a new question until the list runs out
                    t = time.perf_counter()
                    try:
                        r = client.post("/api/ask", json={"question": q, "audience": "clinician"})
                        ok = r.status_code == 200
                        why = f"{r.status_code} {r.text[:120]}"
                    except httpx.HTTPError as exc:
                        ok, why = False, f"{type(exc).__name__}: {exc}"
                    with lock:
                        latencies.append(time.perf_counter() - t)
                        if ok:
                            new_ids.append(r.json()["id"])
                        else:
                            errors.append(why)

        def reviewer() -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, timeout=120, headers=headers) as client:
                while time.monotonic() < stop or new_ids:
                    with lock:
                        aid = new_ids.pop(0) if new_ids else None
                    if aid is None:
                        time.sleep(0.05)
                        continue
                    for target in ("Under Review", "Approved"):
                        r = client.post(f"/api/answers/{aid}/transitions",
                                        json={"to": target, "expected_version": 1, "note": "load test"})
                        if r.status_code != 200:
                            with lock:
                                errors.append(f"review {aid} -> {target}: {r.status_code} {r.text[:120]}")
                            break
                    else:
                        with lock:
                            approved.append(aid)

        threads = [threading.Thread(target=asker) for _ in range(args.askers)]
        threads.append(threading.Thread(target=reviewer))
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join()
        wall = time.perf_counter() - t0  # the askers' time; the reviewer then clears its queue
        threads[-1].join()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()

    # Read back from the database itself, after the server is gone: nothing in flight.
    lost = 0
    for aid in approved:
        info = articles.article(aid)
        audit = articles.audit(aid)
        if info is None or info.status != "Approved" or not any(a.to_status == "Approved" for a in audit):
            lost += 1
    articles.close()
    alone = baseline(settings.home, qs[:args.baseline_questions])
    shutil.rmtree(scratch, ignore_errors=True)

    result = {
        "askers": args.askers, "workers": args.workers, "seconds": round(wall, 1), "asks": len(latencies),
        "asks_per_s": round(len(latencies) / wall, 2) if wall else 0.0, "errors": len(errors),
        "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
        "max_s": round(max(latencies), 3) if latencies else None,
        "approvals": len(approved), "lost_approvals": lost,
        "baseline_p50_s": round(percentile(alone, 50), 3), "baseline_p95_s": round(percentile(alone, 95), 3),
        "documents": docs, "editorial": editorial_url.split("://")[0], "first_errors": errors[:5],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(table(["system", "asks", "asks/s", "errors", "p50 s", "p95 s", "max s", "approvals", "lost"], [
        [f"medcite serve, {args.askers} askers, {args.workers} workers", result["asks"], result["asks_per_s"],
         result["errors"], result["p50_s"], result["p95_s"], result["max_s"], result["approvals"], lost],
        ["baseline: ask() alone, 1 at a time", len(alone), "", "", result["baseline_p50_s"],
         result["baseline_p95_s"], "", "", ""],
        ["ratio served / alone", "", "", "",
         round(result["p50_s"] / result["baseline_p50_s"], 2) if result["baseline_p50_s"] else "",
         round(result["p95_s"] / result["baseline_p95_s"], 2) if result["baseline_p95_s"] else "", "", "", ""],
    ]))
    print(f"\n{docs:,} documents; editorial database {result['editorial']}; targets: p95 <= "
          f"{TARGETS['p95_s']} s, 0 errors, 0 lost approvals")
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
