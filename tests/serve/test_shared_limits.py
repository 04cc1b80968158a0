"""Rate limits shared by every server process: token buckets kept in the editorial database
(SQLite and PostgreSQL), so that ``--workers N`` does not multiply them and a restart does not
reset them. The contract runs on both backends (``editorial_url``), and one test runs the real
``medcite serve --workers 2``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medcite.review import EditorialStore
from medcite.serve.limits import RateLimiter, SharedRateLimiter
from ports import free_port

PASSWORD = "correct horse battery"
T0 = 1_700_000_000.0  # a wall-clock time: buckets are shared between processes, so not monotonic


@pytest.fixture()
def articles(editorial_url: str) -> Iterator[EditorialStore]:
    store = EditorialStore.open(editorial_url)
    yield store
    store.close()


def _rows(articles: EditorialStore) -> dict[str, tuple[float, float]]:
    with articles.driver.transaction() as tx:
        rows = tx.query("SELECT key, tokens, updated FROM rate_buckets")
    return {r["key"]: (r["tokens"], r["updated"]) for r in rows}


# -- the contract, the same as the in-process RateLimiter's --------------------------------------

@pytest.mark.parametrize("kind", ["memory", "shared"])
def test_a_burst_then_one_token_per_interval(articles: EditorialStore, kind: str) -> None:
    limiter = (RateLimiter(rate=6, burst=2) if kind == "memory"  # a token every 10 s
               else SharedRateLimiter(articles.driver, "ask", rate=6, burst=2))
    assert limiter.take("a", now=T0) == 0.0
    assert limiter.take("a", now=T0 + 1) == 0.0
    assert limiter.take("a", now=T0 + 2) == pytest.approx(8.0)  # 0.2 of a token refilled since T0
    assert limiter.take("a", now=T0 + 4) == pytest.approx(6.0)  # a refused request costs nothing
    assert limiter.take("b", now=T0 + 4) == 0.0  # every client has a bucket of its own
    assert limiter.take("a", now=T0 + 10.5) == 0.0
    assert limiter.take("a", now=T0 + 10.5) == pytest.approx(9.5)
    assert limiter.take("a", now=T0 + 100) == 0.0 and limiter.take("a", now=T0 + 100) == 0.0  # at most the burst
    assert limiter.take("a", now=T0 + 100) > 0


def test_wait_takes_nothing_and_writes_nothing(articles: EditorialStore) -> None:
    limiter = SharedRateLimiter(articles.driver, "login", rate=6, burst=1)
    assert limiter.wait("a", now=T0) == 0.0 and limiter.wait("a", now=T0) == 0.0
    assert _rows(articles) == {}
    assert limiter.take("a", now=T0) == 0.0
    assert limiter.wait("a", now=T0) == pytest.approx(10.0)
    assert limiter.wait("a", now=T0 + 4) == pytest.approx(6.0)
    assert limiter.wait("a", now=T0 + 10) == 0.0 and limiter.wait("b", now=T0) == 0.0
    assert len(_rows(articles)) == 1


def test_scopes_do_not_share_buckets(articles: EditorialStore) -> None:
    ask = SharedRateLimiter(articles.driver, "ask", rate=1, burst=1)
    login = SharedRateLimiter(articles.driver, "login", rate=1, burst=1)
    assert ask.take("ip:1.2.3.4", now=T0) == 0.0
    assert login.take("ip:1.2.3.4", now=T0) == 0.0
    assert ask.take("ip:1.2.3.4", now=T0) > 0 and login.take("ip:1.2.3.4", now=T0) > 0


def test_a_zero_rate_means_no_limit(articles: EditorialStore) -> None:
    limiter = SharedRateLimiter(articles.driver, "ask", rate=0, burst=1)
    assert all(limiter.take("a", now=T0) == 0.0 for _ in range(5)) and limiter.wait("a") == 0.0
    assert _rows(articles) == {}


def test_processes_share_the_buckets_and_a_restart_keeps_them(editorial_url: str) -> None:
    """Two connections (two server workers) drain one bucket; a third, opened after both
    closed (a restarted server), still finds it empty."""
    first, second = EditorialStore.open(editorial_url), EditorialStore.open(editorial_url)
    try:
        a = SharedRateLimiter(first.driver, "login", rate=5, burst=5)
        b = SharedRateLimiter(second.driver, "login", rate=5, burst=5)
        got = [(a if i % 2 else b).take("ip:10.0.0.1", now=T0 + i * 0.01) for i in range(8)]
        assert [w == 0.0 for w in got] == [True] * 5 + [False] * 3
    finally:
        first.close()
        second.close()
    restarted = EditorialStore.open(editorial_url)
    try:
        limiter = SharedRateLimiter(restarted.driver, "login", rate=5, burst=5)
        assert limiter.wait("ip:10.0.0.1", now=T0 + 1) == pytest.approx(11.0)  # 1 s of 12 refilled
        assert limiter.take("ip:10.0.0.1", now=T0 + 12.1) == 0.0  # one more every 12 s
    finally:
        restarted.close()


def test_concurrent_takes_never_exceed_the_burst(editorial_url: str) -> None:
    stores = [EditorialStore.open(editorial_url) for _ in range(3)]
    limiters = [SharedRateLimiter(s.driver, "ask", rate=0.001, burst=10) for s in stores]
    granted: list[float] = []
    start = threading.Barrier(9)

    def hammer(limiter: SharedRateLimiter) -> None:
        start.wait()
        for _ in range(8):
            if limiter.take("ip:1.1.1.1") == 0.0:
                granted.append(1.0)

    threads = [threading.Thread(target=hammer, args=(limiters[i % 3],)) for i in range(9)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(granted) == 10
    finally:
        for s in stores:
            s.close()


def test_full_buckets_are_forgotten(articles: EditorialStore) -> None:
    """A bucket untouched for longer than it takes to refill is the same as no bucket: such
    rows are deleted now and then (here: on demand), and only those of the limiter's scope."""
    ask = SharedRateLimiter(articles.driver, "ask", rate=60, burst=10)  # refills in 10 s
    login = SharedRateLimiter(articles.driver, "login", rate=1, burst=5)  # refills in 300 s
    ask.take("old", now=T0)
    login.take("old", now=T0)
    ask.take("new", now=T0 + 20)
    assert ask.expire(now=T0 + 20) == 1
    assert sorted(_rows(articles)) == ["ask:new", "login:old"]
    assert login.expire(now=T0 + 20) == 0


def test_the_server_uses_the_shared_limiters(serve_home: Path, editorial_url: str) -> None:
    from medcite.serve.deps import Services
    from medcite.serve.limits import Limits
    from medcite.settings import Settings

    svc = Services(settings=Settings.from_env(serve_home), articles=EditorialStore.open(editorial_url),
                   limits=Limits())
    try:
        assert isinstance(svc.limiter, SharedRateLimiter) and isinstance(svc.login_limiter, SharedRateLimiter)
        assert (svc.limiter.rate, svc.limiter.burst) == (30.0, 10)
        assert (svc.login_limiter.rate, svc.login_limiter.burst) == (5.0, 5)
    finally:
        svc.close()


# -- the real server, two worker processes ----------------------------------------------------------

class Server:
    """``medcite serve --workers 2`` on a free port, its log read as it comes."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("medcite", path=str(Path(sys.executable).parent)) or "medcite"
        full = {**os.environ, "MEDCITE_HOME": str(home), **env}
        full.pop("MEDCITE_DATABASE_URL", None)
        full.pop("MEDCITE_EDITORIAL_URL", None)
        self.proc = subprocess.Popen([exe, "serve", "--port", str(self.port), "--workers", "2"], env=full,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 180
        while sum("Application startup complete" in line for line in self.log) < 2:  # both workers
            assert self.proc.poll() is None, "".join(self.log)
            assert time.monotonic() < deadline, "".join(self.log)
            time.sleep(0.1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def _fresh() -> httpx.Client:
    """A client that opens a new connection for every request, so that requests spread over
    the worker processes (a kept-alive connection stays with one)."""
    return httpx.Client(headers={"Connection": "close"}, timeout=120,
                        limits=httpx.Limits(max_keepalive_connections=0))


def _login(client: httpx.Client, base: str, password: str) -> int:
    page = client.get(f"{base}/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    r = client.post(f"{base}/login", data={"csrf": csrf.group(1), "username": "rita", "password": password},
                    follow_redirects=False)
    if r.status_code == 429:
        assert int(r.headers["retry-after"]) >= 1
    return r.status_code


def test_medcite_serve_with_two_workers_shares_its_limits(serve_home: Path) -> None:
    articles = EditorialStore.open(f"sqlite:///{serve_home / 'medcite.db'}")
    articles.add_user("rita", PASSWORD, "reviewer")
    articles.close()
    # Slow refills, so that neither bucket refills while the test runs (or the server restarts).
    env = {"MEDCITE_ASK_PER_MINUTE": "0.1", "MEDCITE_ASK_BURST": "3", "MEDCITE_LOGIN_FAILURES_PER_MINUTE": "0.5"}
    server = Server(serve_home, env)
    try:
        with _fresh() as client:
            # 5 failed sign-ins, then throttled, whichever worker answers.
            tries = [_login(client, server.base, f"guess {i}") for i in range(12)]
            assert tries == [401] * 5 + [429] * 7, tries
            # A burst of asks: 3 accepted (an unknown follow_up_of answers 404 at once, after
            # the limiter counted it), the rest 429, across both workers.
            ask = {"question": "What is the treatment for adults with Guillain-Barré syndrome?",
                   "follow_up_of": "0000000000000000"}
            codes = [client.post(f"{server.base}/api/ask", json=ask).status_code for _ in range(10)]
            assert codes == [404] * 3 + [429] * 7, codes
    finally:
        server.stop()
    # A restarted server remembers: still throttled, still out of asks.
    server = Server(serve_home, env)
    try:
        with _fresh() as client:
            assert _login(client, server.base, PASSWORD) == 429
            assert client.post(f"{server.base}/api/ask", json=ask).status_code == 429
    finally:
        server.stop()
