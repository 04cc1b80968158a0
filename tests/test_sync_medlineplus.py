"""``medcite sync medlineplus`` against the real MedlinePlus topics sample (../shared/data),
served on 127.0.0.1 as NLM names its files, and read as a file: topics stored through the
parser ``ingest`` uses, a newer file replacing changed summaries, topics gone from it reported
(deleted only when asked), an older file refused, faults retried or reported with what was
committed intact, and an approved article citing a replaced topic sent back for review."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datapath import DATA
from medcite.review import EditorialStore
from medcite.serve.cli import app
from medcite.sync import SyncReport
from medcite.sync.medlineplus import MedlinePlusConnector, pick
from medcite.sync.testserver import MEDLINEPLUS_FILE, FakeNCBI, build_medlineplus
from syncserver import (
    FIXTURES,
    approve,
    editorial_store,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
    stored_docs,
)

SAMPLE = DATA / "medlineplus" / "mplus_topics_2012-07-21_sample.xml"
ENGLISH, SPANISH = "medlineplus:3061", "medlineplus:3062"


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    root = tmp_path / "files"
    build_medlineplus(DATA, root / "medlineplus")
    return root


@pytest.fixture()
def server(files: Path) -> Iterator[FakeNCBI]:
    srv = FakeNCBI(FIXTURES, None, files=files).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, where: str, articles: EditorialStore | None = None,
          **sources: object) -> SyncReport:
    return run_sync(MedlinePlusConnector(where), home, server, articles, **sources)


def _newer(folder: Path, date: str, drop_spanish: bool = True, zipped: bool = True) -> str:
    """A later topics file: the English summary revised, the Spanish topic gone."""
    xml = SAMPLE.read_bytes().replace(b'date-generated="07/21/2012', b'date-generated="%s/%s/%s'
                                      % (date[5:7].encode(), date[8:10].encode(), date[:4].encode()))
    xml = xml.replace(b"Your abdomen extends", b"[Revised.] Your abdomen extends", 1)
    if drop_spanish:
        start = xml.index(b'<health-topic title="Dolor abdominal"')
        end = xml.index(b"</health-topic>", start) + len(b"</health-topic>")
        xml = xml[:start] + xml[end:]
    if not zipped:
        name = f"mplus_topics_{date}.xml"
        (folder / name).write_bytes(xml)
        return name
    name = f"mplus_topics_compressed_{date}.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"mplus_topics_{date}.xml", xml)
    (folder / name).write_bytes(buf.getvalue())
    return name


def test_pick_takes_the_newest_file_and_the_zip() -> None:
    names = [(n, n) for n in ("mplus_topics_2024-12-04.xml", "mplus_topics_compressed_2024-12-05.zip",
                              "mplus_topics_2024-12-05.xml", "mplus_groups_2024-12-05.xml", "xml.html")]
    assert pick(names) == ("mplus_topics_compressed_2024-12-05.zip",) * 2
    assert pick([("index.html", "x")]) is None


def test_sync_then_a_newer_file_over_http(tmp_path: Path, files: Path, server: FakeNCBI) -> None:
    home = tmp_path / "home"
    home.mkdir()
    page = server.files_url + "medlineplus/"
    first = _sync(home, server, page)
    assert first.ok, first.errors
    assert (first.added, first.files) == (2, 1) and MEDLINEPLUS_FILE in first.target
    before = stored_docs(home)
    assert {ENGLISH, SPANISH} <= set(before)

    with editorial_store(home) as articles:
        approve(articles, home, "cites-english", ENGLISH)
        approve(articles, home, "cites-spanish", SPANISH)

        again = _sync(home, server, page, articles)  # the same file: not fetched again
        assert again.ok and again.added == again.updated == 0 and "synced already" in again.warnings[0]
        assert server.hits[f"/files/medlineplus/{MEDLINEPLUS_FILE}"] == 1

        newer = _newer(files / "medlineplus", "2012-08-01")
        report = _sync(home, server, page, articles)
        assert report.ok, report.errors
        assert (report.updated, report.deleted) == (1, 0)
        assert any("1 topic(s) no longer in" in w and SPANISH in w for w in report.warnings)
        assert newer in report.target
        after = stored_docs(home)
        assert after[ENGLISH][1] == before[ENGLISH][1] + 1 and SPANISH in after  # reported, kept
        assert report.flagged == ["cites-english"]
        assert articles.article("cites-english").status == "Needs re-review"  # type: ignore[union-attr]
        assert articles.article("cites-spanish").status == "Approved"  # type: ignore[union-attr]
    assert not list((home / "sync-cache" / "medlineplus").rglob("*.zip"))  # downloads go once processed


def test_delete_missing_deletes_and_flags(tmp_path: Path, files: Path, server: FakeNCBI) -> None:
    home = tmp_path / "home"
    assert _sync(home, server, str(files / "medlineplus" / MEDLINEPLUS_FILE)).ok
    newer = _newer(files / "medlineplus", "2012-08-01", zipped=False)
    report = _sync(home, server, str(files / "medlineplus" / newer), medlineplus_delete_missing=True)
    assert report.ok and report.deleted == 1 and report.requests == 0
    assert SPANISH not in stored_docs(home)


def test_an_older_file_is_refused(tmp_path: Path, files: Path, server: FakeNCBI) -> None:
    home = tmp_path / "home"
    folder = files / "medlineplus"
    newer = _newer(folder, "2012-08-01")
    assert _sync(home, server, str(folder / newer)).ok
    before = stored_docs(home)
    older = _sync(home, server, str(folder / MEDLINEPLUS_FILE))
    assert not older.ok and "older than" in older.errors[0] and "not applied" in older.errors[0]
    assert stored_docs(home) == before


def test_faults_are_retried(tmp_path: Path, files: Path, server: FakeNCBI) -> None:
    zipped = _newer(files / "medlineplus", "2012-08-01", drop_spanish=False)
    server.inject(zipped, "500", "reset", "corrupt", "truncate")
    report = _sync(tmp_path, server, server.files_url + "medlineplus/", retries=4)
    assert report.ok, report.errors
    assert report.added == 2 and len(report.retries) == 4
    assert any("zip" in r for r in report.retries)


def test_a_file_that_stays_broken_is_reported_and_the_store_kept(tmp_path: Path, files: Path,
                                                                 server: FakeNCBI) -> None:
    home = tmp_path / "home"
    assert _sync(home, server, server.files_url + "medlineplus/").ok
    before = stored_docs(home)
    zipped = _newer(files / "medlineplus", "2012-08-01")
    server.inject(zipped, *["corrupt"] * 4)  # retries=3: four attempts, all damaged
    report = _sync(home, server, server.files_url + "medlineplus/")
    assert not report.ok and zipped in report.errors[0] and "not processed" in report.errors[0]
    assert stored_docs(home) == before
    fixed = _sync(home, server, server.files_url + "medlineplus/")  # next run: fetched again
    assert fixed.ok and fixed.updated == 1


def test_not_topics_xml_is_reported(tmp_path: Path, files: Path, server: FakeNCBI) -> None:
    bad = files / "medlineplus" / "mplus_topics_2013-01-01.xml"
    bad.write_text("<html><body>maintenance</body></html>")
    report = _sync(tmp_path, server, str(bad))
    assert not report.ok and "truncated XML" in report.errors[0] and "not processed" in report.errors[0]
    bad.write_text('<MedicalTopics><x/></MedicalTopics>')
    report = _sync(tmp_path, server, str(bad))
    assert not report.ok and "no health topic" in report.errors[0] and "not applied" in report.errors[0]
    bad.write_text('<other-topics></other-topics><!-- </health-topics> -->')
    report = _sync(tmp_path, server, str(bad))
    assert not report.ok and "not a MedlinePlus topics file" in report.errors[0]
    con = sqlite3.connect(tmp_path / "medcite.db")
    assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM sync_files").fetchone()[0] == 0
    con.close()


def test_cli(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    env = {"MEDCITE_HOME": str(tmp_path), "MEDCITE_CONFIG": ""}
    done = runner.invoke(app, ["sync", "medlineplus", "--source", server.files_url + "medlineplus/", "--json"],
                         env=env)
    assert done.exit_code == 0, done.output
    run = json.loads(done.stdout)["runs"][0]
    assert run["source"] == "medlineplus" and run["added"] == 2
    shown = json.loads(runner.invoke(app, ["sources", "--json"], env=env).stdout)["sources"][0]
    assert shown["source"] == "medlineplus" and shown["totals"]["added"] == 2 and shown["files_processed"] == 1
    table = runner.invoke(app, ["sources"], env=env)
    assert table.exit_code == 0 and "medlineplus" in table.stdout
    missing = runner.invoke(app, ["sync", "medlineplus", "--source", str(tmp_path / "nowhere.xml")], env=env)
    assert missing.exit_code == 2 and "neither a file" in missing.output
