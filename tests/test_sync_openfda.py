"""``medcite sync openfda`` against the local stand-in's ``/drug/label.json`` on 127.0.0.1, into a
real SQLite store. There are no recorded openFDA replies: the records it serves are made at test
time from the six real SPL labels in ../shared/data/fda-spl-labels, converted to openFDA's
label schema (schemas/druglabel_schema.json there; read in place, nothing copied here). Pages
followed by their ``Link`` (``search_after``) or by ``skip``, labels keyed by set id and version
as DailyMed's are (one document for the same label from both), a newer version replacing the
older and sending its approved articles back for review, the daily request limit, faults
retried or reported with what was committed intact, and a sync killed with SIGKILL finished by
running it again."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from datapath import DATA
from medcite.serve.cli import app
from medcite.sources import spl
from medcite.store import SQLiteStore
from medcite.sync import SyncReport
from medcite.sync.dailymed import DailyMedConnector
from medcite.sync.openfda import OpenFdaConnector, label_document, next_search_after
from medcite.sync.testserver import FakeNCBI, build_dailymed, build_openfda, openfda_record, spl_revision
from syncserver import (
    FIXTURES,
    approve,
    editorial_store,
    kill_9_once_stored,
    query_store,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
    stored_docs,
    sync_cursor,
)

LABELS = DATA / "fda-spl-labels"
LIPITOR = LABELS / "lipitor-orig.xml"
LIPITOR_ID = "spl:c6e131fe-e7df-4876-83f7-9156fc4e8228"
ALL_LABELS = 6


@pytest.fixture()
def server() -> Iterator[FakeNCBI]:
    srv = FakeNCBI(FIXTURES, openfda=build_openfda(DATA)).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, search: str | None = None, articles: Any = None, **kw: Any) -> SyncReport:
    sources = {k: v for k, v in kw.items() if k.startswith("openfda_") or k in ("retries", "timeout", "cache_hours")}
    connector = OpenFdaConnector(search, kw.get("since"), kw.get("max_records"))
    return run_sync(connector, home, server, articles, openfda_url=server.openfda_url, **sources)


def _pages(server: FakeNCBI) -> list[dict[str, str]]:
    return [p for path, p in server.log if path.endswith("label.json")]


def _versions(home: Path) -> dict[str, str]:
    rows = query_store(home, "SELECT doc_id, identifiers FROM documents")
    return {r[0]: json.loads(r[1]).get("version", "") for r in rows}


def test_records_follow_the_openfda_schema() -> None:
    schema = json.loads((LABELS / "schemas" / "druglabel_schema.json").read_text())["properties"]
    records = build_openfda(DATA)
    assert len(records) == ALL_LABELS and len({r["set_id"] for r in records}) == ALL_LABELS
    for record in records:
        assert set(record) <= set(schema), set(record) - set(schema)
        assert set(record["openfda"]) <= set(schema["openfda"]["properties"])
        assert all(isinstance(v, list) and all(isinstance(s, str) for s in v)
                   for k, v in record.items() if schema[k].get("type") == "array")


def test_a_label_reads_as_the_spl_parser_reads_it() -> None:
    xml = LIPITOR.read_bytes()
    doc = label_document(openfda_record(xml))
    label = spl.parse(xml, "lipitor.xml").documents[0]
    assert doc is not None
    assert (doc.doc_id, doc.source_type, doc.evidence_level, doc.year, doc.pub_date, doc.identifiers) == \
        (label.doc_id, label.source_type, label.evidence_level, label.year, label.pub_date, label.identifiers)
    assert doc.issuer == label.issuer and doc.url == label.url and doc.pub_types == label.pub_types
    assert {k: doc.meta[k] for k in ("brand_names", "generic_names", "version", "effective_date")} == \
        {k: label.meta[k] for k in ("brand_names", "generic_names", "version", "effective_date")}
    assert doc.title.lower().startswith("lipitor (atorvastatin calcium) tablet")
    sections = [p.section for p in doc.passages]
    assert {"Indications and Usage", "Dosage and Administration", "Contraindications", "Adverse Reactions"} <= \
        set(sections)
    assert set(sections) <= {p.section.split(" > ")[0] for p in label.passages} | {"Recent Major Changes"}
    assert len(sections) == len(doc.passages) and len({p.text for p in doc.passages}) == len(doc.passages)
    first = next(p for p in doc.passages if p.section == "Dosage and Administration")
    assert not first.text.upper().startswith(("2 DOSAGE", "DOSAGE AND ADMINISTRATION"))  # heading dropped
    assert doc.meta["indications"] and all(p.meta["loinc"] for p in doc.passages)
    # A subsection openFDA repeats inside its parent is read once.
    assert "Pediatric Use" not in sections and any("Pediatric" in p.text for p in doc.passages
                                                   if p.section == "Use in Specific Populations")
    otc = label_document(openfda_record((LABELS / "cough.xml").read_bytes()))
    assert otc is not None and "Uses" in [p.section for p in otc.passages]


def test_sync_follows_the_next_links_and_a_rerun_costs_no_request(tmp_path: Path, server: FakeNCBI) -> None:
    report = _sync(tmp_path, server, openfda_page_size=2, openfda_api_key="FDAKEY")
    assert report.ok, report.errors
    assert (report.added, report.updated, report.unchanged) == (ALL_LABELS, 0, 0)
    pages = _pages(server)
    assert [p["limit"] for p in pages] == ["2", "2", "2"] and all(p["sort"] == "set_id:asc" for p in pages)
    assert "search_after" not in pages[0] and "skip" not in pages[0]
    assert all(p["search_after"].startswith("0=") and "skip" not in p for p in pages[1:])
    assert all(p["api_key"] == "FDAKEY" for p in pages)
    assert report.requests == 3
    docs = stored_docs(tmp_path)
    assert set(docs) == {f"spl:{r['set_id']}" for r in server.openfda}
    store = SQLiteStore(tmp_path / "medcite.db")
    try:
        doc = store.document(LIPITOR_ID)
    finally:
        store.close()
    assert doc is not None and doc.format == "openfda" and doc.source_type == "label" and doc.year == 2014

    sent = len(server.log)
    again = _sync(tmp_path, server, openfda_page_size=2)
    assert again.ok and again.requests == 0 and len(server.log) == sent and again.cached == 3
    assert (again.added, again.unchanged) == (0, ALL_LABELS)


def test_without_links_pages_are_read_by_skip(tmp_path: Path, server: FakeNCBI) -> None:
    server.openfda_links = False
    report = _sync(tmp_path, server, openfda_page_size=4)
    assert report.ok and report.added == ALL_LABELS
    assert [p.get("skip") for p in _pages(server)] == [None, "4"]


def test_search_since_max_and_no_match(tmp_path: Path, server: FakeNCBI) -> None:
    found = _sync(tmp_path / "a", server, "openfda.generic_name:atorvastatin")
    assert found.ok and found.added == 2 and _pages(server)[-1]["search"] == "openfda.generic_name:atorvastatin"
    since = _sync(tmp_path / "b", server, since="2014")
    assert since.ok and since.added == 2  # LIPITOR (2014-01-13) and VIAGRA (2017)
    assert _pages(server)[-1]["search"] == "effective_time:[20140101 TO 99991231]"
    most = _sync(tmp_path / "c", server, max_records=3, openfda_page_size=2)
    assert most.ok and most.added == 3 and [p["limit"] for p in _pages(server)[-2:]] == ["2", "1"]
    none = _sync(tmp_path / "d", server, "openfda.brand_name:abcXYZ")
    assert none.ok and none.added == 0 and any("no label matches" in w for w in none.warnings)


def test_the_same_label_from_dailymed_and_openfda_is_one_document(tmp_path: Path, server: FakeNCBI) -> None:
    releases = tmp_path / "dailymed"
    info = build_dailymed(DATA, releases)
    home = tmp_path / "home"
    assert run_sync(DailyMedConnector(str(releases)), home, server).ok
    before = stored_docs(home)
    assert _versions(home)[LIPITOR_ID] == "12"  # DailyMed's weekly update revised it
    report = _sync(home, server)
    assert report.ok and (report.added, report.updated, report.unchanged) == (0, 0, info["labels"])
    assert stored_docs(home) == before  # the same versions (and an older LIPITOR) left as stored
    assert any("version 11 is older than the stored version 12" in w for w in report.warnings)


def test_a_newer_version_replaces_the_label_and_sends_its_articles_back(tmp_path: Path, server: FakeNCBI) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert _sync(home, server).ok
    before = stored_docs(home)
    with editorial_store(home) as articles:
        other = next(d for d in before if d != LIPITOR_ID)
        approve(articles, home, "cites-lipitor", LIPITOR_ID)
        approve(articles, home, "cites-other", other)
        revised = openfda_record(spl_revision(LIPITOR.read_bytes(), 12, "[Revised in openFDA.]"))
        server.openfda = [revised if r["set_id"] == revised["set_id"] else r for r in server.openfda]
        report = _sync(home, server, articles=articles, cache_hours=0)
        assert report.ok, report.errors
        assert (report.added, report.updated, report.unchanged) == (0, 1, ALL_LABELS - 1)
        assert report.flagged == ["cites-lipitor"]
        assert articles.article("cites-lipitor").status == "Needs re-review"  # type: ignore[union-attr]
        assert articles.article("cites-other").status == "Approved"  # type: ignore[union-attr]
    after = stored_docs(home)
    assert after[LIPITOR_ID][1] == before[LIPITOR_ID][1] + 1 and _versions(home)[LIPITOR_ID] == "12"
    store = SQLiteStore(home / "medcite.db")
    try:
        doc = store.document(LIPITOR_ID)
        assert doc is not None and "[Revised in openFDA." in doc.text
    finally:
        store.close()


def test_the_daily_request_limit_stops_a_run_and_keeps_its_place(tmp_path: Path, server: FakeNCBI) -> None:
    first = _sync(tmp_path, server, openfda_page_size=2, openfda_requests_per_day=2)
    assert not first.ok and "daily request limit" in first.errors[0] and first.requests == 2
    assert len(stored_docs(tmp_path)) == 4
    again = _sync(tmp_path, server, openfda_page_size=2, openfda_requests_per_day=2)
    assert not again.ok and again.requests == 0  # today's two are spent
    more = _sync(tmp_path, server, openfda_page_size=2, openfda_requests_per_day=3)
    assert more.ok and more.added == 2 and more.requests == 1  # resumed after the fourth label
    assert "search_after" in _pages(server)[-1]


@pytest.mark.parametrize("faults", [["429"] * 3, ["500", "503"], ["reset"], ["truncate"], ["slow"], ["corrupt"]],
                         ids=["429-storm", "5xx", "connection-reset", "truncated-body", "slow-body", "corrupt-body"])
def test_faults_are_retried(tmp_path: Path, server: FakeNCBI, faults: list[str]) -> None:
    server.slow_seconds = 3.0  # past the 0.5 s timeout below
    server.inject("label.json", *faults)
    report = _sync(tmp_path, server, openfda_page_size=2, timeout=0.5)
    assert report.ok, report.errors
    assert report.added == ALL_LABELS and len(report.retries) == len(faults)
    assert len(_pages(server)) == 3 + len(faults)


def test_a_storm_longer_than_the_retries_fails_and_keeps_what_was_committed(tmp_path: Path,
                                                                            server: FakeNCBI) -> None:
    first = _sync(tmp_path, server, openfda_page_size=2, retries=2, max_records=2)
    assert first.ok
    server.inject("label.json", "429", "429", "429")
    failed = _sync(tmp_path, server, openfda_page_size=2, retries=2, cache_hours=0)
    assert not failed.ok and "HTTP 429" in failed.errors[0] and "gave up after 3 attempts" in failed.errors[0]
    assert len(stored_docs(tmp_path)) == 2
    finished = _sync(tmp_path, server, openfda_page_size=2, retries=2, cache_hours=0)
    assert finished.ok and len(stored_docs(tmp_path)) == ALL_LABELS


def test_an_error_reply_is_reported_not_retried(tmp_path: Path, server: FakeNCBI) -> None:
    assert _sync(tmp_path, server, openfda_page_size=2).ok
    before = stored_docs(tmp_path)
    server.inject("label.json", "error")
    report = _sync(tmp_path, server, "openfda.route:oral", cache_hours=0)
    assert not report.ok and not report.retries and report.requests == 1
    assert "HTTP 400" in report.errors[0] and "BAD_REQUEST Syntax error in the search parameter" in report.errors[0]
    assert stored_docs(tmp_path) == before


def test_next_links() -> None:
    link = ('<https://api.fda.gov/drug/label.json?search=x&limit=100&sort=set_id%3Aasc&skip=0'
            '&search_after=0%3Dabc%3B1%3Ddef>; rel="Next"')
    assert next_search_after(link) == "0=abc;1=def"
    assert next_search_after(None) is None and next_search_after('<https://x/?skip=7>; rel="Next"') is None


# -- the command line ---------------------------------------------------------------------------

def _env(home: Path, server: FakeNCBI) -> dict[str, str]:
    return {"MEDCITE_HOME": str(home), "MEDCITE_OPENFDA_URL": server.openfda_url, "MEDCITE_CONFIG": ""}


def test_cli_json_sources_sync_all_and_exit_statuses(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    home.mkdir()
    (home / "medcite.toml").write_text("[sources]\nrequests_per_second = 1000\nopenfda_searches = ['*']\n")
    env = _env(home, server)
    done = runner.invoke(app, ["sync", "openfda", "--search", "openfda.generic_name:atorvastatin", "--json"],
                         env=env)
    assert done.exit_code == 0, done.output
    run = json.loads(done.stdout)["runs"][0]
    assert run["source"] == "openfda" and run["added"] == 2 and run["ok"]
    first = runner.invoke(app, ["sync", "all", "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["runs"][0]["added"] == ALL_LABELS - 2
    second = runner.invoke(app, ["sync", "all"], env=env)
    assert second.exit_code == 0 and "openfda" in second.stdout
    assert _pages(server)[-1]["search"].startswith("effective_time:[")  # since the first

    server.inject("label.json", "error")
    failed = runner.invoke(app, ["sync", "openfda", "--max", "1", "--json"], env=env)
    assert failed.exit_code == 1 and json.loads(failed.stdout)["runs"][0]["errors"]
    shown = json.loads(runner.invoke(app, ["sources", "--json"], env=env).stdout)
    rows = {(r["source"], r["target"]): r for r in shown["sources"]}
    assert rows[("openfda", "*")]["last_run"]["status"] == "ok" and rows[("openfda", "*")]["in_sync_all"]
    assert rows[("openfda", "* [max 1]")]["last_run"]["status"] == "failed"
    assert shown["sync_all"]["openfda_searches"] == ["*"]
    listing = runner.invoke(app, ["sources"], env=env)
    assert listing.exit_code == 0 and "openfda" in listing.stdout and "1 openFDA search;" in listing.stdout
    bad = runner.invoke(app, ["sync", "openfda", "--max", "0"], env=env)
    assert bad.exit_code == 2 and "--max" in bad.output


# -- kill -9 ------------------------------------------------------------------------------------

def _run(home: Path, server: FakeNCBI) -> subprocess.Popen[str]:
    env = {**os.environ, **_env(home, server)}
    return subprocess.Popen([sys.executable, "-m", "medcite", "sync", "openfda", "--page-size", "1", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_mid_sync_then_rerun_gives_the_uninterrupted_store(tmp_path: Path, server: FakeNCBI) -> None:
    server.delay = 0.25  # each reply takes a while: the sync is killed between pages
    killed = tmp_path / "killed"
    proc = _run(killed, server)
    assert 2 <= kill_9_once_stored(proc, killed) < ALL_LABELS
    cursor = sync_cursor(killed, "openfda")
    asked_before = len(_pages(server))
    server.delay = 0.0

    rerun = _run(killed, server)
    out, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors
    report = json.loads(out)["runs"][0]
    # Resumed after the last stored page: no label stored twice, none asked for again.
    assert report["added"] == ALL_LABELS - cursor["done"] and report["unchanged"] == 0
    assert len(_pages(server)) - asked_before == ALL_LABELS - cursor["done"]
    assert _pages(server)[asked_before]["search_after"] == cursor["search_after"]

    whole = tmp_path / "whole"
    assert subprocess.run([sys.executable, "-m", "medcite", "sync", "openfda", "--json"],
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
