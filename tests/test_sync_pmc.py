"""``medcite sync pmc`` end to end against the local E-utilities stand-in on 127.0.0.1, into a
real SQLite store. PMC's set is the article of NCBI's recorded efetch db=pmc reply
(../shared/fixtures/eutils-recorded/efetch_pmc.xml, CC BY-NC 4.0) and the six real open-access
``.nxml`` articles of ../shared/data/pubmed-xml/pmc_oa_nxml (CC BY, public domain), read in
place: batches on the history server with the open-access filter, the licence kept on each
document and the rule of ``sources.pmc_licenses`` applied with skipped articles counted by
reason, faults retried or reported with what was committed intact, and a sync killed with
SIGKILL finished by running it again."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datapath import DATA
from medcite.serve.cli import app
from medcite.sources.pmc import license_code
from medcite.store import SQLiteStore
from medcite.sync import SyncReport
from medcite.sync.pmc import PmcConnector
from medcite.sync.testserver import FakeNCBI, build_pmc
from syncserver import (
    FIXTURES,
    kill_9_once_stored,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
    stored_docs,
    sync_cursor,
)

QUERY = "bacteriophage lysis"
ALL_DOCS = 7  # the recorded article and the six .nxml ones


@pytest.fixture()
def server() -> Iterator[FakeNCBI]:
    if not FIXTURES.is_dir():
        pytest.fail(f"recorded E-utilities replies not found at {FIXTURES}")
    srv = FakeNCBI(FIXTURES, pmc=build_pmc(DATA)).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, query: str = QUERY, **kw: object) -> SyncReport:
    sources = {k: v for k, v in kw.items()
               if k in ("batch_size", "retries", "timeout", "api_key", "cache_hours", "pmc_licenses")}
    connector = PmcConnector(query, kw.get("since"), kw.get("max_records"))  # type: ignore[arg-type]
    return run_sync(connector, home, server, **sources)


def _efetches(server: FakeNCBI) -> list[dict[str, str]]:
    return [p for path, p in server.log if path.endswith("efetch.fcgi")]


def test_sync_stores_licensed_full_text_and_a_rerun_costs_no_request(tmp_path: Path, server: FakeNCBI) -> None:
    assert len(server.pmc) == ALL_DOCS
    report = _sync(tmp_path, server, batch_size=3, api_key="KEY123")
    assert report.ok, report.errors
    assert (report.added, report.updated, report.unchanged, report.skipped) == (ALL_DOCS, 0, 0, {})
    assert set(stored_docs(tmp_path)) == {f"pmc:PMC{i}" for i in server.pmc_ids}
    search = [p for path, p in server.log if path.endswith("esearch.fcgi")]
    assert len(search) == 1 and search[0]["db"] == "pmc" and search[0]["usehistory"] == "y"
    assert search[0]["term"] == f"({QUERY}) AND open access[filter]"
    fetches = _efetches(server)
    assert [(f["db"], f["retstart"], f["retmax"]) for f in fetches] == [("pmc", "0", "3"), ("pmc", "3", "3"),
                                                                         ("pmc", "6", "1")]
    assert all(f["api_key"] == "KEY123" and f["email"] == "ops@example.org" for f in (*search, *fetches))

    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        recorded = store.document("pmc:PMC8435807")  # efetch_pmc.xml: the licence in ali:license_ref
        bmc = store.document("pmc:PMC3166277")
        ehp = store.document("pmc:PMC2599765")
    finally:
        store.close()
    assert recorded is not None and recorded.format == "pmc" and recorded.passages
    assert recorded.meta["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert recorded.meta["license_code"] == "cc-by-nc"
    assert bmc is not None and bmc.meta["license_code"] == "cc-by" and len(bmc.passages) > 10  # full text
    assert ehp is not None and ehp.meta["license_code"] == "public-domain"

    sent = len(server.log)
    again = _sync(tmp_path, server, batch_size=3)
    assert again.ok and again.requests == 0 and len(server.log) == sent and again.cached == 4
    assert (again.added, again.unchanged) == (0, ALL_DOCS)


def test_the_licence_rule_is_a_setting_and_skips_are_counted_by_reason(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, batch_size=4, pmc_licenses=["cc-by", "cc-by-sa"])
    assert report.ok, report.errors
    assert report.added == ALL_DOCS - 2
    assert report.skipped == {"licence cc-by-nc not in sources.pmc_licenses": 1,
                              "licence public-domain not in sources.pmc_licenses": 1}
    assert "pmc:PMC8435807" not in stored_docs(tmp_path)
    assert report.to_dict()["skipped"] == 2


def test_an_article_without_a_licence_is_skipped(tmp_path: Path, server: FakeNCBI) -> None:
    # A real article with its <permissions> taken out, as PMC serves articles outside its
    # open-access subset: free to read, no licence to reuse it.
    bmc = next(a for a in server.pmc if b">3166277<" in a)
    server.pmc = [re.sub(rb"<permissions>.*?</permissions>", b"", bmc, flags=re.S)]
    report = _sync(tmp_path, server)
    assert report.ok and report.added == 0 and report.skipped == {"no licence stated": 1}
    assert stored_docs(tmp_path) == {}


@pytest.mark.parametrize(("url", "text", "code"), [
    ("http://creativecommons.org/licenses/by/2.0", "", "cc-by"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "", "cc-by-nc-nd"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "", "cc0"),
    ("", "distributed under the terms of the Creative Commons Attribution-NonCommercial-NoDerivs License", "cc-by-nc-nd"),
    ("", "This is an open access article under the CC BY-SA 4.0 licence", "cc-by-sa"),
    ("", "open-access", ""),
    ("", "Copyright 2020 Elsevier. All rights reserved.", ""),
])
def test_licence_codes(url: str, text: str, code: str) -> None:
    assert license_code(url, text) == code


@pytest.mark.parametrize("faults", [["429"] * 3, ["500", "503"], ["reset"], ["truncate"], ["slow"], ["corrupt"]],
                         ids=["429-storm", "5xx", "connection-reset", "truncated-body", "slow-body", "corrupt-body"])
def test_faults_are_retried(tmp_path: Path, server: FakeNCBI, faults: list[str]) -> None:
    server.slow_seconds = 3.0  # past the 0.5 s timeout below
    server.inject("efetch", *faults)
    report = _sync(tmp_path, server, batch_size=3, timeout=0.5)
    assert report.ok, report.errors
    assert report.added == ALL_DOCS and len(report.retries) == len(faults)
    assert len(_efetches(server)) == 3 + len(faults)


def test_a_storm_longer_than_the_retries_fails_and_keeps_what_was_committed(tmp_path: Path,
                                                                            server: FakeNCBI) -> None:
    assert _sync(tmp_path, server, batch_size=3, retries=2, max_records=3).ok
    server.inject("efetch", "429", "429", "429")
    failed = _sync(tmp_path, server, batch_size=3, retries=2, cache_hours=0)
    assert not failed.ok and "HTTP 429" in failed.errors[0] and "gave up after 3 attempts" in failed.errors[0]
    assert len(stored_docs(tmp_path)) == 3
    finished = _sync(tmp_path, server, batch_size=3, retries=2, cache_hours=0)
    assert finished.ok and len(stored_docs(tmp_path)) == ALL_DOCS


def test_an_error_reply_is_reported_not_retried(tmp_path: Path, server: FakeNCBI) -> None:
    assert _sync(tmp_path, server, batch_size=3, max_records=3).ok
    before = stored_docs(tmp_path)
    server.inject("efetch", "error")
    report = _sync(tmp_path, server, batch_size=3, cache_hours=0)
    assert not report.ok and not report.retries
    assert report.errors == ["efetch: NCBI replied with an error: Invalid db name specified: nothing"]
    assert stored_docs(tmp_path) == before


def test_nothing_found_is_a_warning(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, query="abcXYZ")
    assert report.ok and report.added == 0 and not _efetches(server)
    assert any("abcXYZ" in w for w in report.warnings)


# -- the command line ---------------------------------------------------------------------------

def _env(home: Path, server: FakeNCBI) -> dict[str, str]:
    return {"MEDCITE_HOME": str(home), "MEDCITE_EUTILS_URL": server.eutils_url, "MEDCITE_CONFIG": ""}


def test_cli_json_sources_sync_all_and_exit_statuses(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    home.mkdir()
    (home / "medcite.toml").write_text(f"[sources]\nrequests_per_second = 1000\npmc_queries = ['{QUERY}']\n"
                                       "pmc_licenses = ['cc-by']\n")
    env = _env(home, server)
    done = runner.invoke(app, ["sync", "pmc", "--query", QUERY, "--max", "4", "--json"], env=env)
    assert done.exit_code == 0, done.output
    run = json.loads(done.stdout)["runs"][0]
    assert run["source"] == "pmc" and run["added"] + run["skipped"] == 4 and run["skipped_by_reason"]
    table = runner.invoke(app, ["sync", "pmc", "--query", "another", "--max", "2"], env=env)
    assert table.exit_code == 0 and "skipped" in table.stdout

    first = runner.invoke(app, ["sync", "all", "--json"], env=env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["sync", "all", "--json"], env=env)
    assert second.exit_code == 0
    searches = [p for path, p in server.log if path.endswith("esearch.fcgi")]
    assert "mindate" not in searches[-2] and searches[-1]["datetype"] == "mdat"  # the second: since the first

    server.inject("efetch", "error")
    failed = runner.invoke(app, ["sync", "pmc", "--query", "third query", "--batch-size", "5", "--json"],
                           env=env)  # a batch not cached yet (the stand-in gives every search one WebEnv)
    assert failed.exit_code == 1 and json.loads(failed.stdout)["runs"][0]["errors"]
    shown = json.loads(runner.invoke(app, ["sources", "--json"], env=env).stdout)
    rows = {(r["source"], r["target"]): r for r in shown["sources"]}
    assert rows[("pmc", QUERY)]["last_run"]["status"] == "ok" and rows[("pmc", QUERY)]["in_sync_all"]
    assert rows[("pmc", "third query")]["last_run"]["status"] == "failed"
    assert shown["sync_all"]["pmc_queries"] == [QUERY]
    listing = runner.invoke(app, ["sources"], env=env)
    assert listing.exit_code == 0 and "pmc" in listing.stdout and "1 PMC query" in listing.stdout
    bad = runner.invoke(app, ["sync", "pmc", "--query", QUERY, "--since", "last week"], env=env)
    assert bad.exit_code == 2 and "--since" in bad.output


# -- kill -9 ------------------------------------------------------------------------------------

def _run(home: Path, server: FakeNCBI) -> subprocess.Popen[str]:
    env = {**os.environ, **_env(home, server)}
    return subprocess.Popen([sys.executable, "-m", "medcite", "sync", "pmc", "--query", QUERY, "--batch-size", "1",
                             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_mid_sync_then_rerun_gives_the_uninterrupted_store(tmp_path: Path, server: FakeNCBI) -> None:
    server.delay = 0.25  # each reply takes a while: the sync is killed between batches
    killed = tmp_path / "killed"
    proc = _run(killed, server)
    assert 2 <= kill_9_once_stored(proc, killed) < ALL_DOCS
    cursor = sync_cursor(killed, "pmc")
    fetched_before = len(_efetches(server))
    server.delay = 0.0

    rerun = _run(killed, server)
    out, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors
    report = json.loads(out)["runs"][0]
    assert report["added"] == ALL_DOCS - cursor["retstart"] and report["unchanged"] == 0
    assert len(_efetches(server)) - fetched_before == ALL_DOCS - cursor["retstart"]

    whole = tmp_path / "whole"
    assert subprocess.run([sys.executable, "-m", "medcite", "sync", "pmc", "--query", QUERY, "--json"],
                          env={**os.environ, **_env(whole, server)}, capture_output=True).returncode == 0
    assert stored_docs(killed) == stored_docs(whole)
    con = sqlite3.connect(killed / "medcite.db")
    try:
        assert con.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == sqlite3.connect(
            whole / "medcite.db").execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        assert [r[0] for r in con.execute("SELECT status FROM sync_runs ORDER BY id")] == ["interrupted", "ok"]
        assert con.execute("SELECT COUNT(*) FROM sync_cursors").fetchone()[0] == 0
    finally:
        con.close()
