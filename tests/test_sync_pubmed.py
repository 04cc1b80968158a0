"""``medcite sync pubmed`` end to end against a local E-utilities stand-in on 127.0.0.1 serving
NCBI's recorded replies, into a real SQLite store: batches on the history server, the client's
identity sent, the disk cache (a re-run costs no request), faults retried or reported with what
was committed intact, and a sync killed with SIGKILL finished by running it again."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.serve.cli import app
from medcite.store import SQLiteStore
from medcite.sync import SyncReport, state
from medcite.sync.pubmed import PubMedConnector
from medcite.sync.testserver import FakeNCBI
from syncserver import (
    FIXTURES,
    kill_9_once_stored,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
    stored_docs,
    sync_cursor,
)

QUERY = "immune-mediated necrotizing myopathy treatment"


@pytest.fixture()
def server() -> Iterator[FakeNCBI]:
    if not FIXTURES.is_dir():
        pytest.fail(f"recorded E-utilities replies not found at {FIXTURES}")
    srv = FakeNCBI(FIXTURES).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, query: str = QUERY, **kw: object) -> SyncReport:
    sources = {k: v for k, v in kw.items() if k in ("batch_size", "retries", "timeout", "api_key", "cache_hours")}
    connector = PubMedConnector(query, kw.get("since"), kw.get("max_records"))  # type: ignore[arg-type]
    return run_sync(connector, home, server, **sources)


def _efetches(server: FakeNCBI) -> list[dict[str, str]]:
    return [p for path, p in server.log if path.endswith("efetch.fcgi")]


def test_sync_stores_every_record_in_batches_and_a_rerun_costs_no_request(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, batch_size=3, api_key="KEY123")
    assert report.ok, report.errors
    assert (report.added, report.updated, report.unchanged) == (8, 0, 0)
    assert set(stored_docs(tmp_path)) == {f"pmid:{p}" for p in server.recorded.pmids}
    search = [p for path, p in server.log if path.endswith("esearch.fcgi")]
    assert len(search) == 1 and search[0]["usehistory"] == "y" and search[0]["term"] == QUERY
    fetches = _efetches(server)
    assert [(f["retstart"], f["retmax"]) for f in fetches] == [("0", "3"), ("3", "3"), ("6", "2")]
    assert {f["WebEnv"] for f in fetches} == {server.recorded.webenv}
    for params in (*search, *fetches):  # who asks, on every request
        assert (params["tool"], params["email"], params["api_key"]) == ("medcite", "ops@example.org", "KEY123")
    assert report.requests == 4

    sent = len(server.log)
    again = _sync(tmp_path, server, batch_size=3)
    assert again.ok and again.requests == 0 and len(server.log) == sent and again.cached == 4
    assert (again.added, again.unchanged) == (0, 8)
    # The document is the one `medcite ingest` makes of the same record.
    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        doc = store.document("pmid:29963580")
        assert doc is not None and doc.format == "pubmed" and doc.passages
        runs = state.summary(store)
    finally:
        store.close()
    assert runs[0]["totals"]["added"] == 8 and runs[0]["runs"] == 2 and runs[0]["last_run"]["status"] == "ok"


def test_max_and_since(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, batch_size=2, max_records=5, since="2024-03")
    assert report.ok and report.added == 5
    search = next(p for path, p in server.log if path.endswith("esearch.fcgi"))
    assert (search["datetype"], search["mindate"], search["maxdate"]) == ("mdat", "2024/03/01", "3000")
    assert sum(int(f["retmax"]) for f in _efetches(server)) == 5


@pytest.mark.parametrize("faults", [["429"] * 3, ["500", "503"], ["reset"], ["truncate"], ["slow"]],
                         ids=["429-storm", "5xx", "connection-reset", "truncated-body", "slow-body"])
def test_faults_are_retried(tmp_path: Path, server: FakeNCBI, faults: list[str]) -> None:
    server.slow_seconds = 3.0  # past the 0.5 s timeout below
    server.inject("efetch", *faults)
    report = _sync(tmp_path, server, batch_size=3, timeout=0.5)
    assert report.ok, report.errors
    assert report.added == 8 and len(report.retries) == len(faults)
    assert len(_efetches(server)) == 3 + len(faults)


def test_a_storm_longer_than_the_retries_fails_and_keeps_what_was_committed(tmp_path: Path,
                                                                            server: FakeNCBI) -> None:
    # The first batch goes through; the second meets more 429s than the client retries.
    report = _sync(tmp_path, server, batch_size=3, retries=2, max_records=3)
    assert report.ok
    server.inject("efetch", "429", "429", "429")
    failed = _sync(tmp_path, server, batch_size=3, retries=2, cache_hours=0)
    assert not failed.ok and "HTTP 429" in failed.errors[0] and "gave up after 3 attempts" in failed.errors[0]
    assert len(stored_docs(tmp_path)) == 3  # committed before the storm: intact
    finished = _sync(tmp_path, server, batch_size=3, retries=2, cache_hours=0)
    assert finished.ok and len(stored_docs(tmp_path)) == 8


def test_an_error_reply_is_reported_not_retried(tmp_path: Path, server: FakeNCBI) -> None:
    first = _sync(tmp_path, server, batch_size=3, max_records=3)
    assert first.ok
    before = stored_docs(tmp_path)
    server.inject("efetch", "error")
    report = _sync(tmp_path, server, batch_size=3, cache_hours=0)
    assert not report.ok
    assert report.errors == ["efetch: NCBI replied with an error: Invalid db name specified: nothing"]
    assert not report.retries  # an <ERROR> is an answer: asking again would not change it
    assert stored_docs(tmp_path) == before

    server.inject("esearch", "error")
    bad = _sync(tmp_path / "other", server, cache_hours=0)
    assert not bad.ok and "esearch: NCBI replied with an error: Invalid db name" in bad.errors[0]


def test_nothing_found_is_a_warning(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, query="abcXYZ")
    assert report.ok and report.added == 0 and not _efetches(server)
    assert any("abcXYZ" in w for w in report.warnings)


def test_an_expired_webenv_is_searched_again(tmp_path: Path, server: FakeNCBI) -> None:
    from medcite.sync.http import ReplyCache

    assert _sync(tmp_path, server, batch_size=4).ok
    cache = ReplyCache(tmp_path / "sync-cache" / "pubmed")
    key = cache.key("esearch", {"db": "pubmed", "term": QUERY, "usehistory": "y", "retmax": 0})
    stale = cache.get(key)
    assert stale is not None
    cache.put(key, stale.replace(server.recorded.webenv.encode(), b"MCID_expired"))
    report = _sync(tmp_path, server, batch_size=4)
    assert report.ok and report.unchanged == 8 and report.added == 0
    assert any("Unable to obtain query" in w for w in report.warnings)


# -- the command line ---------------------------------------------------------------------------

def _env(home: Path, server: FakeNCBI) -> dict[str, str]:
    return {"MEDCITE_HOME": str(home), "MEDCITE_EUTILS_URL": server.eutils_url, "MEDCITE_CONFIG": ""}


def test_cli_json_sources_and_exit_statuses(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    home.mkdir()
    (home / "medcite.toml").write_text("[sources]\nrequests_per_second = 1000\n")
    env = _env(home, server)
    done = runner.invoke(app, ["sync", "pubmed", "--query", QUERY, "--max", "4", "--json"], env=env)
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["ok"] and out["runs"][0]["added"] == 4
    server.inject("efetch", "error")
    failed = runner.invoke(app, ["sync", "pubmed", "--query", "another query", "--json"], env=env)
    assert failed.exit_code == 1 and json.loads(failed.stdout)["runs"][0]["errors"]
    shown = runner.invoke(app, ["sources", "--json"], env=env)
    rows = {r["target"]: r for r in json.loads(shown.stdout)["sources"]}
    assert rows[f"{QUERY} [max 4]"]["last_run"]["added"] == 4
    assert rows["another query"]["last_run"]["status"] == "failed"
    table = runner.invoke(app, ["sources"], env=env)
    assert table.exit_code == 0 and "pubmed" in table.stdout and "failed" in table.stdout
    bad = runner.invoke(app, ["sync", "pubmed", "--query", QUERY, "--since", "last week"], env=env)
    assert bad.exit_code == 2 and "--since" in bad.output


def test_sync_all_runs_the_configured_queries_since_their_last_sync(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    home.mkdir()
    (home / "medcite.toml").write_text(f"[sources]\nrequests_per_second = 1000\npubmed_queries = ['{QUERY}']\n")
    env = _env(home, server)
    first = runner.invoke(app, ["sync", "all", "--json"], env=env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["sync", "all", "--json"], env=env)
    assert second.exit_code == 0
    searches = [p for path, p in server.log if path.endswith("esearch.fcgi")]
    assert "mindate" not in searches[0] and searches[-1]["datetype"] == "mdat"  # the second: since the first
    nothing = runner.invoke(app, ["sync", "all"], env={**env, "MEDCITE_HOME": str(tmp_path / "empty")})
    assert nothing.exit_code == 1


# -- kill -9 ------------------------------------------------------------------------------------

def _run(home: Path, server: FakeNCBI) -> subprocess.Popen[str]:
    env = {**os.environ, **_env(home, server)}
    return subprocess.Popen([sys.executable, "-m", "medcite", "sync", "pubmed", "--query", QUERY, "--batch-size",
                             "1", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_mid_sync_then_rerun_gives_the_uninterrupted_store(tmp_path: Path, server: FakeNCBI) -> None:
    server.delay = 0.25  # each reply takes a while: the sync is killed between batches
    killed = tmp_path / "killed"
    proc = _run(killed, server)
    assert 2 <= kill_9_once_stored(proc, killed) < 8
    cursor = sync_cursor(killed, "pubmed")
    fetched_before = len(_efetches(server))
    server.delay = 0.0

    rerun = _run(killed, server)
    out, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors
    report = json.loads(out)["runs"][0]
    # Resumed after the last stored batch: no record stored twice, none fetched again.
    assert report["added"] == 8 - cursor["retstart"] and report["unchanged"] == 0
    assert len(_efetches(server)) - fetched_before == 8 - cursor["retstart"]

    whole = tmp_path / "whole"
    assert subprocess.run([sys.executable, "-m", "medcite", "sync", "pubmed", "--query", QUERY, "--json"],
                          env={**os.environ, **_env(whole, server)}, capture_output=True).returncode == 0
    assert stored_docs(killed) == {k: v for k, v in stored_docs(whole).items()}
    con = sqlite3.connect(killed / "medcite.db")
    try:
        assert con.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == sqlite3.connect(
            whole / "medcite.db").execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        statuses = [r[0] for r in con.execute("SELECT status FROM sync_runs ORDER BY id")]
        assert statuses == ["interrupted", "ok"]
        assert con.execute("SELECT COUNT(*) FROM sync_cursors").fetchone()[0] == 0
    finally:
        con.close()
