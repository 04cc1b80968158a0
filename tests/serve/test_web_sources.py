"""The admins' Sources page and ``GET /api/sources``, in process, over a private copy of the
small store that real connectors synced into: MedlinePlus and a PubMed query fetched from the
local stand-in for NCBI, and a MedlinePlus file that fails with markup in its name (and so in
its error). Checks who may see it, that every value is escaped, the JSON shape, and the next
run by ``sources.schedule`` (computed, and as the CLI prints it)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from datapath import DATA
from medcite.review import open_editorial
from medcite.serve.app import create_app
from medcite.serve.cli import app as cli
from medcite.serve.deps import SESSION_COOKIE, Services
from medcite.serve.limits import Limits
from medcite.settings import Settings
from medcite.sync.medlineplus import MedlinePlusConnector
from medcite.sync.pubmed import PubMedConnector
from medcite.sync.report import LATE_AFTER, next_run, sources_report
from medcite.sync.testserver import FakeNCBI, build_medlineplus
from syncserver import FIXTURES, quick_backoff, run_sync, settings_for  # noqa: F401 (autouse)

PASSWORD = "correct horse battery"
QUERY = "immune-mediated necrotizing myopathy treatment"
SCHEDULE = "02:30"
BAD_NAME = "mplus_topics_2013-02-01<script>alert(1)<.xml"


@dataclass
class Site:
    settings: Settings
    services: Services
    client: TestClient
    medlineplus: str  # the MedlinePlus source synced (a URL on the test server)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[FakeNCBI]:
    build_medlineplus(DATA, tmp_path / "files" / "medlineplus")
    srv = FakeNCBI(FIXTURES, None, files=tmp_path / "files").start()
    yield srv
    srv.stop()


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    """A new store that only the syncs below fill."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def _newer(folder: Path) -> None:
    """A later topics file: the English summary revised, the Spanish topic gone."""
    xml = (DATA / "medlineplus" / "mplus_topics_2012-07-21_sample.xml").read_bytes()
    xml = xml.replace(b'date-generated="07/21/2012', b'date-generated="01/02/2013')
    xml = xml.replace(b"Your abdomen extends", b"[Revised.] Your abdomen extends", 1)
    start = xml.index(b'<health-topic title="Dolor abdominal"')
    xml = xml[:start] + xml[xml.index(b"</health-topic>", start) + len(b"</health-topic>"):]
    (folder / "mplus_topics_2013-01-02.xml").write_bytes(xml)


@pytest.fixture()
def site(home: Path, server: FakeNCBI, tmp_path: Path) -> Iterator[Site]:
    medlineplus = server.files_url + "medlineplus/"
    sources = {"schedule": SCHEDULE, "medlineplus": medlineplus, "pubmed_queries": [QUERY],
               "medlineplus_delete_missing": True}
    assert run_sync(MedlinePlusConnector(medlineplus), home, server, **sources).added == 2
    _newer(tmp_path / "files" / "medlineplus")
    newer = run_sync(MedlinePlusConnector(medlineplus), home, server, **sources)
    assert (newer.added, newer.updated, newer.deleted) == (0, 1, 1)
    assert run_sync(PubMedConnector(QUERY, None, None), home, server, **sources).added == 8
    bad = tmp_path / BAD_NAME
    bad.write_text("<MedicalTopics><x/></MedicalTopics>")
    failed = run_sync(MedlinePlusConnector(str(bad)), home, server, **sources)
    assert not failed.ok and "<script>" in failed.errors[0]
    settings = settings_for(home, server, **sources)
    svc = Services(settings=settings, articles=open_editorial(settings), limits=Limits(ask_per_minute=0))
    for name, role in (("ada", "admin"), ("eddie", "editor"), ("rita", "reviewer"), ("ray", "reader")):
        svc.articles.add_user(name, PASSWORD, role)
    with TestClient(create_app(svc), headers={"accept": "text/html"}) as client:
        yield Site(settings, svc, client, medlineplus)
    svc.close()


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = client.post("/login", data={"csrf": csrf.group(1), "username": username, "password": PASSWORD, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303 and client.cookies.get(SESSION_COOKIE)


def _token(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.services.articles.create_token(username)}", "accept": "application/json"}


def _next_schedule(after: datetime) -> datetime:
    day = datetime.combine(after.date(), time(2, 30), tzinfo=UTC)
    return day if day > after else day + timedelta(days=1)


def test_an_admin_sees_each_source_with_counts_errors_and_next_run(site: Site) -> None:
    before = datetime.now(UTC)
    _login(site.client, "ada")
    assert '<a href="/sources"' in site.client.get("/").text  # the nav link, for admins only
    r = site.client.get("/sources")
    after = datetime.now(UTC)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    html = r.text
    assert 'href="/sources" aria-current="page"' in html
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-source="([^"]+)">(.*?)</tr>', html, re.S)}
    assert set(rows) == {"medlineplus", "pubmed"}
    # Per (source, target): the good MedlinePlus run and the failed one are two rows.
    blocks = re.findall(r'<tr data-source="medlineplus">(.*?)</tr>', html, re.S)
    good = next(b for b in blocks if site.medlineplus in b)
    # The last run's counts, and below them every run's.
    counts = {k: re.search(rf'class="num {k}">([\d,]+)<br><span class="meta">([\d,]+)</span>', good)
              for k in ("added", "updated", "deleted")}
    assert {k: m.groups() for k, m in counts.items() if m} == {
        "added": ("0", "2"), "updated": ("1", "1"), "deleted": ("1", "1")}
    assert ">ok</span>" in good and 'class="meta">none</span>' in good
    failing = next(b for b in blocks if "no health topic" in b)
    assert ">failed</span>" in failing and "not scheduled" in failing  # a one-off file: not in sync all
    pubmed = rows["pubmed"]
    assert QUERY in pubmed and ">ok</span>" in pubmed
    assert re.search(r'class="num added">8<br>', pubmed)
    # The next run: the first 02:30 UTC after the last run, shown as a date and a time.
    shown = re.search(r'class="next-run">\s*<time datetime="([^"]+)">([^<]+)</time>', good)
    assert shown
    assert shown.group(1) in {_next_schedule(before).isoformat(timespec="minutes"),
                              _next_schedule(after).isoformat(timespec="minutes")}
    assert shown.group(2).endswith("02:30 UTC")
    assert "daily at 02:30 UTC" in html


def test_values_are_escaped(site: Site) -> None:
    _login(site.client, "ada")
    html = site.client.get("/sources").text
    assert "<script>" not in html.split("</head>", 1)[1].replace('<script src="/static/app.js" defer></script>', "")
    assert "&lt;script&gt;alert(1)&lt;.xml: no health topic with a summary in it; not applied" in html
    assert "&lt;script&gt;alert(1)&lt;.xml</span>" in html  # the target, too


def test_others_may_not_see_it(site: Site) -> None:
    r = site.client.get("/sources", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/sources"
    assert '<a href="/sources"' not in site.client.get("/").text
    for name in ("eddie", "rita", "ray"):
        site.client.cookies.clear()
        _login(site.client, name)
        assert '<a href="/sources"' not in site.client.get("/").text, name
        r = site.client.get("/sources")
        assert r.status_code == 403, name
        assert "may not view sources" in r.text and "no health topic" not in r.text
    anonymous = TestClient(site.client.app)
    r = anonymous.get("/api/sources")
    assert r.status_code == 401 and r.json() == {"error": "log in or send an API token (Authorization: Bearer …)"}
    for name in ("eddie", "rita"):
        r = anonymous.get("/api/sources", headers=_token(site, name))
        assert r.status_code == 403 and "may not view sources" in r.json()["error"]


def test_the_api_returns_what_medcite_sources_prints(site: Site, home: Path) -> None:
    r = TestClient(site.client.app).get("/api/sources", headers=_token(site, "ada"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"sources", "not_synced_yet", "schedule", "sync_all"}
    assert body["schedule"] == SCHEDULE and body["not_synced_yet"] == []
    assert body["sync_all"]["pubmed_queries"] == [QUERY] and body["sync_all"]["medlineplus"] == site.medlineplus
    rows = {(s["source"], s["target"]): s for s in body["sources"]}
    good = rows[("medlineplus", site.medlineplus)]
    assert set(good) == {"source", "target", "last_run", "last_success", "runs", "totals", "files_processed",
                         "in_sync_all", "next_run", "overdue"}
    assert good["last_run"]["status"] == "ok" and good["last_run"]["updated"] == good["last_run"]["deleted"] == 1
    assert good["totals"] == {"added": 2, "updated": 1, "unchanged": 0, "deleted": 1, "failed": 0}
    assert good["in_sync_all"] and good["next_run"].endswith("T02:30+00:00") and not good["overdue"]
    assert good["files_processed"] == 2 and good["runs"] == 2
    bad = next(s for s in body["sources"] if s["last_run"]["status"] == "failed")
    assert bad["last_run"]["errors"] == [f"{BAD_NAME}: no health topic with a summary in it; not applied"]
    assert not bad["in_sync_all"] and bad["next_run"] is None and bad["last_success"] is None
    assert rows[("pubmed", QUERY)]["in_sync_all"]
    # The CLI prints the same report (one core, two surfaces; next_run may only differ at 02:30).
    env = {"MEDCITE_HOME": str(home), "MEDCITE_CONFIG": ""}
    (home / "medcite.toml").write_text(
        f'[sources]\nschedule = "{SCHEDULE}"\nmedlineplus = "{site.medlineplus}"\npubmed_queries = ["{QUERY}"]\n')
    printed = CliRunner().invoke(cli, ["sources", "--json"], env=env)
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == body
    table = CliRunner().invoke(cli, ["sources"], env={**env, "COLUMNS": "250"})
    assert table.exit_code == 0 and re.search(r"next run: \S+ 02:30 UTC \(sources.schedule 02:30\)", table.stdout)


def test_a_missed_run_is_overdue_and_an_unsynced_source_is_listed(site: Site, home: Path) -> None:
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="seconds")
    db = sqlite3.connect(home / "medcite.db")
    with db:
        db.execute("UPDATE sync_runs SET started_at = ? WHERE source = 'pubmed'", (three_days_ago,))
    db.close()
    queries = [QUERY, "guillain-barre  syndrome"]  # remembered with its spaces collapsed
    settings = site.settings.model_copy(update={
        "sources": site.settings.sources.model_copy(update={"pubmed_queries": queries})})
    report = sources_report(settings, site.services.store())
    pubmed = next(s for s in report["sources"] if s["source"] == "pubmed")
    assert pubmed["overdue"] and pubmed["next_run"] > datetime.now(UTC).isoformat()
    assert report["not_synced_yet"] == [{"source": "pubmed", "target": "guillain-barre syndrome",
                                         "next_run": pubmed["next_run"]}]
    site.services.settings = settings  # as if the server had been started with the new query
    _login(site.client, "ada")
    html = site.client.get("/sources").text
    row = re.search(r'<tr data-source="pubmed">(.*?)</tr>', html, re.S)
    assert row and "overdue" in row.group(1)
    assert "not synced yet" in html and "guillain-barre syndrome" in html


@pytest.mark.parametrize(("last", "now", "expected", "overdue"), [
    (None, "2026-11-02T01:00:00+00:00", "2026-11-02T02:30+00:00", False),
    (None, "2026-11-02T02:30:00+00:00", "2026-11-03T02:30+00:00", False),
    ("2026-11-02T02:30:04+00:00", "2026-11-02T09:00:00+00:00", "2026-11-03T02:30+00:00", False),
    ("2026-11-02T01:00:00+00:00", "2026-11-02T01:05:00+00:00", "2026-11-02T02:30+00:00", False),
    # due at 02:30 and not run yet: waiting its turn in `sync all` for a while, then overdue
    ("2026-11-01T02:31:00+00:00", "2026-11-02T04:00:00+00:00", "2026-11-03T02:30+00:00", False),
    ("2026-11-01T02:31:00+00:00", "2026-11-02T09:00:00+00:00", "2026-11-03T02:30+00:00", True),
    ("2026-11-01T23:00:00+01:00", "2026-11-01T23:30:00+00:00", "2026-11-02T02:30+00:00", False),
])
def test_next_run(last: str | None, now: str, expected: str, overdue: bool) -> None:
    assert next_run(SCHEDULE, last, datetime.fromisoformat(now)) == (expected, overdue)
    assert next_run("", last, datetime.fromisoformat(now)) == (None, False)
    assert timedelta(hours=6) == LATE_AFTER


def test_the_schedule_setting_is_checked(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"MEDCITE_HOME": str(tmp_path), "MEDCITE_CONFIG": ""}
    (tmp_path / "medcite.toml").write_text('[sources]\nschedule = "25:00"\n')
    r = runner.invoke(cli, ["sources"], env=env)
    assert r.exit_code == 2 and "sources.schedule" in r.output
    (tmp_path / "medcite.toml").write_text('[sources]\nschedule = "2:30"\n')
    r = runner.invoke(cli, ["sources", "--json"], env=env)
    assert r.exit_code == 0 and json.loads(r.stdout)["schedule"] == "02:30"
