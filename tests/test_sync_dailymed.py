"""``medcite sync dailymed`` against release zips built at test time from the six real SPL
labels in ../shared/data, nested as DailyMed nests them (a release zip holding one zip per
label holding its XML), served on 127.0.0.1 and read as a folder: labels keyed by set id, a
newer version replacing the older whatever order the zips come in, each zip read once, faults
retried or reported with what was committed intact, and an approved article citing a
replaced label sent back for review."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from datapath import DATA
from medcite.review import EditorialStore
from medcite.serve.cli import app
from medcite.store import SQLiteStore
from medcite.sync import SyncReport
from medcite.sync.dailymed import DailyMedConnector
from medcite.sync.testserver import FakeNCBI, build_dailymed, label_zip, release_zip, spl_revision
from syncserver import (
    FIXTURES,
    approve,
    editorial_store,
    query_store,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
)

LIPITOR = DATA / "fda-spl-labels" / "lipitor-orig.xml"


@pytest.fixture()
def releases(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / "files"
    return root, build_dailymed(DATA, root / "dailymed")


@pytest.fixture()
def server(releases: tuple[Path, dict[str, Any]]) -> Iterator[FakeNCBI]:
    srv = FakeNCBI(FIXTURES, None, files=releases[0]).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, where: str, articles: EditorialStore | None = None,
          **sources: object) -> SyncReport:
    return run_sync(DailyMedConnector(where), home, server, articles, **sources)


def _docs(home: Path) -> dict[str, tuple[str, int, str]]:
    """doc_id -> (content hash, version, the label's SPL versionNumber)."""
    rows = query_store(home, "SELECT doc_id, content_hash, version, identifiers FROM documents")
    return {r[0]: (r[1], r[2], json.loads(r[3]).get("version", "")) for r in rows}


def _full_only(root: Path, info: dict[str, Any], into: Path) -> Path:
    into.mkdir(parents=True)
    for name in (info["full"], info["otc"]):
        (into / name).write_bytes((root / "dailymed" / name).read_bytes())
    return into


def test_full_release_then_weekly_update_over_http(tmp_path: Path, releases: tuple[Path, dict[str, Any]],
                                                   server: FakeNCBI) -> None:
    root, info = releases
    home = tmp_path / "home"
    home.mkdir()
    lipitor = f"spl:{info['revised_setid']}"
    early = FakeNCBI(FIXTURES, None, files=_full_only(root, info, tmp_path / "early" / "dailymed").parent).start()
    try:
        first = _sync(home, early, early.files_url + "dailymed/")
    finally:
        early.stop()
    assert first.ok, first.errors
    assert (first.added, first.files) == (info["labels"], 2)
    before = _docs(home)
    assert before[lipitor][2] == "11"

    with editorial_store(home) as articles:
        kept = next(d for d in before if d != lipitor)
        approve(articles, home, "cites-lipitor", lipitor)
        approve(articles, home, "cites-other", kept)

        report = _sync(home, server, server.files_url + "dailymed/", articles)
        assert report.ok, report.errors
        assert report.files == 1 and (report.added, report.updated) == (0, 1)  # only the weekly zip is new
        after = _docs(home)
        assert after[lipitor][2] == "12" and after[lipitor][1] == before[lipitor][1] + 1
        assert report.flagged == ["cites-lipitor"]
        assert articles.article("cites-lipitor").status == "Needs re-review"  # type: ignore[union-attr]
        assert articles.article("cites-other").status == "Approved"  # type: ignore[union-attr]
    store = SQLiteStore(home / "medcite.db")
    try:
        doc = store.document(lipitor)
        assert doc is not None and "[Revised in the weekly update.]" in doc.text
    finally:
        store.close()

    again = _sync(home, server, server.files_url + "dailymed/")
    assert again.ok and again.files == 0 and again.added == again.updated == 0
    assert server.hits[f"/files/dailymed/{info['weekly']}"] == 1
    assert not list((home / "sync-cache" / "dailymed").rglob("*.zip"))


def test_a_folder_gives_the_same_store_and_order_does_not_matter(
        tmp_path: Path, releases: tuple[Path, dict[str, Any]], server: FakeNCBI) -> None:
    root, info = releases
    over_http = tmp_path / "http"
    assert _sync(over_http, server, server.files_url + "dailymed/").ok
    folder = tmp_path / "folder"
    # The weekly update first, then the full release holding the older version: it stays.
    weekly = _sync(folder, server, str(root / "dailymed" / info["weekly"]))
    assert weekly.ok and weekly.added == 1
    report = _sync(folder, server, str(root / "dailymed"))
    assert report.ok and report.requests == 0
    assert any("version 11 is older than the stored version 12" in w for w in report.warnings)
    # The same labels, texts and label versions (the store's own counter differs: one replacement less).
    assert {k: (h, ver) for k, (h, _, ver) in _docs(folder).items()} == \
        {k: (h, ver) for k, (h, _, ver) in _docs(over_http).items()}
    assert _docs(folder)[f"spl:{info['revised_setid']}"][2] == "12"


def test_two_versions_in_one_zip_keep_the_newest(tmp_path: Path, server: FakeNCBI) -> None:
    xml = LIPITOR.read_bytes()
    zip_path = tmp_path / "dm_spl_daily_update_01062025.zip"
    release_zip(zip_path, "prescription", [spl_revision(xml, 14, "[v14]")])
    with zipfile.ZipFile(zip_path, "a") as zf:
        name, data = label_zip(spl_revision(xml, 13, "[v13]"), date="20250105")
        zf.writestr(f"prescription/{name}", data)
    report = _sync(tmp_path / "home", server, str(zip_path))
    assert report.ok and report.added == 1
    assert next(iter(_docs(tmp_path / "home").values()))[2] == "14"


def test_faults_are_retried(tmp_path: Path, releases: tuple[Path, dict[str, Any]], server: FakeNCBI) -> None:
    _, info = releases
    server.inject(info["full"], "500", "reset", "corrupt", "truncate")
    report = _sync(tmp_path, server, server.files_url + "dailymed/", retries=4)
    assert report.ok, report.errors
    assert (report.added, report.updated) == (info["labels"], 1) and len(report.retries) == 4
    assert any("end record" in r for r in report.retries)


def test_a_corrupt_label_is_reported_and_the_rest_committed(tmp_path: Path, server: FakeNCBI,
                                                            releases: tuple[Path, dict[str, Any]]) -> None:
    root, info = releases
    bad = root / "dailymed" / info["full"]
    with zipfile.ZipFile(bad, "a") as zf:  # a label zip cut off in DailyMed's own file
        name, data = label_zip((DATA / "fda-spl-labels" / "cough.xml").read_bytes())
        zf.writestr(f"prescription/broken_{name}", data[: len(data) // 2])
    home = tmp_path / "home"
    report = _sync(home, server, server.files_url + "dailymed/")
    assert not report.ok and report.failed == 1
    assert any("broken_" in e for e in report.errors) and any("not marked processed" in e for e in report.errors)
    assert len(_docs(home)) == info["labels"]  # the readable labels (and the other zips) are stored
    con = sqlite3.connect(home / "medcite.db")
    assert info["full"] not in {r[0] for r in con.execute("SELECT name FROM sync_files")}
    con.close()
    again = _sync(home, server, server.files_url + "dailymed/")  # read again: labels unchanged
    assert not again.ok and (again.added, again.updated, again.unchanged, again.failed) == (0, 0, 5, 1)
    assert len(_docs(home)) == info["labels"]


def test_a_zip_that_stays_broken_is_reported(tmp_path: Path, releases: tuple[Path, dict[str, Any]],
                                             server: FakeNCBI) -> None:
    root, info = releases
    (root / "dailymed" / info["weekly"]).write_bytes(b"PK\x03\x04 not really a zip")
    home = tmp_path / "home"
    report = _sync(home, server, server.files_url + "dailymed/")
    assert not report.ok and info["weekly"] in report.errors[0] and "not processed" in report.errors[0]
    assert report.files == 2 and len(_docs(home)) == info["labels"]
    assert _docs(home)[f"spl:{info['revised_setid']}"][2] == "11"


def test_cli(tmp_path: Path, server: FakeNCBI, releases: tuple[Path, dict[str, Any]]) -> None:
    runner = CliRunner()
    env = {"MEDCITE_HOME": str(tmp_path), "MEDCITE_CONFIG": ""}
    done = runner.invoke(app, ["sync", "dailymed", "--source", server.files_url + "dailymed/", "--json"], env=env)
    assert done.exit_code == 0, done.output
    run = json.loads(done.stdout)["runs"][0]
    assert run["files"] == 3 and run["added"] == releases[1]["labels"] and run["updated"] == 1
    shown = json.loads(runner.invoke(app, ["sources", "--json"], env=env).stdout)["sources"][0]
    assert shown["source"] == "dailymed" and shown["files_processed"] == 3
    missing = runner.invoke(app, ["sync", "dailymed", "--source", str(tmp_path / "nowhere")], env=env)
    assert missing.exit_code == 2 and "neither a file" in missing.output
