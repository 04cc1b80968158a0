"""``medcite sync pubmed-baseline`` against a mirror laid out as NCBI's (baseline/ and
updatefiles/, .xml.gz with .md5), built at test time from the real PubMed XML in
../shared/data: served over HTTP on 127.0.0.1 and read as a folder. Each file is verified,
processed once, in order; DeleteCitation deletes; a revision replaces the older record; an
approved article citing either goes back for review; a wrong md5 or a corrupt gzip stops the
run with what was committed intact."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
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
from medcite.sync.baseline import BaselineConnector, deleted_pmids
from medcite.sync.testserver import BASELINE, UPDATE, FakeNCBI, build_mirror
from syncserver import (
    FIXTURES,
    approve,
    editorial_store,
    quick_backoff,  # noqa: F401 (autouse)
    run_sync,
    stored_docs,
)


@pytest.fixture()
def mirror(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / "mirror"
    return root, build_mirror(DATA, root)


@pytest.fixture()
def server(mirror: tuple[Path, dict[str, Any]]) -> Iterator[FakeNCBI]:
    srv = FakeNCBI(FIXTURES, mirror[0]).start()
    yield srv
    srv.stop()


def _sync(home: Path, server: FakeNCBI, where: str, articles: EditorialStore | None = None) -> SyncReport:
    return run_sync(BaselineConnector(where), home, server, articles)


def _only_baseline(root: Path, into: Path) -> Path:
    shutil.copytree(root, into)
    shutil.rmtree(into / "updatefiles")
    return into


def test_baseline_then_update_over_http(tmp_path: Path, mirror: tuple[Path, dict[str, Any]],
                                        server: FakeNCBI) -> None:
    root, info = mirror
    home = tmp_path / "home"
    home.mkdir()
    # The baseline alone first (a mirror before NCBI published the update file) ...
    first_mirror = FakeNCBI(FIXTURES, _only_baseline(root, tmp_path / "early")).start()
    try:
        first = _sync(home, first_mirror, first_mirror.mirror_url)
    finally:
        first_mirror.stop()
    assert first.ok, first.errors
    assert first.files == 1 and first.added == info["baseline_citations"]
    revised, deleted = f"pmid:{info['revised_pmid']}", f"pmid:{info['deleted_pmid']}"
    before = stored_docs(home)
    assert revised in before and deleted in before

    # ... an editor's articles cite the two records the update file will touch, and a third.
    with editorial_store(home) as articles:
        kept = next(d for d in before if d not in (revised, deleted))
        for article_id, doc_id in (("cites-revised", revised), ("cites-deleted", deleted), ("cites-kept", kept)):
            approve(articles, home, article_id, doc_id)

        report = _sync(home, server, server.mirror_url, articles)
        assert report.ok, report.errors
        assert report.files == 1  # the baseline is remembered: only the update file is new
        assert (report.added, report.updated, report.deleted) == (len(info["added_pmids"]), 1, 1)
        after = stored_docs(home)
        assert deleted not in after
        assert after[revised][1] == before[revised][1] + 1 and after[revised][0] != before[revised][0]
        assert {f"pmid:{p}" for p in info["added_pmids"]} <= set(after)
        assert sorted(report.flagged) == ["cites-deleted", "cites-revised"]
        assert articles.article("cites-revised").status == "Needs re-review"  # type: ignore[union-attr]
        assert articles.article("cites-deleted").status == "Needs re-review"  # type: ignore[union-attr]
        assert articles.article("cites-kept").status == "Approved"  # type: ignore[union-attr]
    store = SQLiteStore(home / "medcite.db")
    try:
        doc = store.document(revised)
        assert doc is not None and "[Revised in update file 0002.]" in doc.text
    finally:
        store.close()

    again = _sync(home, server, server.mirror_url)
    assert again.ok and again.files == 0 and again.added == 0
    assert server.hits[f"/pubmed/{UPDATE}"] == 1 and f"/pubmed/{BASELINE}" not in server.hits  # each fetched once
    assert not list((home / "sync-cache" / "pubmed-baseline").rglob("*.xml.gz"))  # downloads go once processed


def test_a_folder_mirror_gives_the_same_store(tmp_path: Path, mirror: tuple[Path, dict[str, Any]],
                                              server: FakeNCBI) -> None:
    root, _ = mirror
    over_http, from_folder = tmp_path / "http", tmp_path / "folder"
    assert _sync(over_http, server, server.mirror_url).ok
    report = _sync(from_folder, server, str(root))
    assert report.ok and report.files == 2 and report.requests == 0
    assert stored_docs(over_http) == stored_docs(from_folder)


def test_wrong_md5_is_refused_and_nothing_after_it_runs(tmp_path: Path, mirror: tuple[Path, dict[str, Any]],
                                                        server: FakeNCBI) -> None:
    root, _ = mirror
    (root / f"{UPDATE}.md5").write_text("MD5(pubmed25n0002.xml.gz)= " + "0" * 32 + "\n")
    report = _sync(tmp_path / "a", server, server.mirror_url)
    assert not report.ok and report.files == 1
    assert "pubmed25n0002.xml.gz" in report.errors[0] and "md5" in report.errors[0]
    folder = _sync(tmp_path / "b", server, str(root))
    assert not folder.ok and "does not match its .md5 file" in folder.errors[0]
    for home in (tmp_path / "a", tmp_path / "b"):
        con = sqlite3.connect(home / "medcite.db")
        assert [r[0] for r in con.execute("SELECT name FROM sync_files")] == [BASELINE]
        con.close()


def test_a_corrupted_transfer_is_downloaded_again(tmp_path: Path, server: FakeNCBI) -> None:
    server.inject(UPDATE, "corrupt")
    report = _sync(tmp_path, server, server.mirror_url)
    assert report.ok, report.errors
    assert report.files == 2 and any("md5" in r for r in report.retries)


def test_corrupt_gzip_with_a_matching_md5_is_reported_and_retried_next_run(
        tmp_path: Path, mirror: tuple[Path, dict[str, Any]], server: FakeNCBI) -> None:
    root, _ = mirror
    good = (root / UPDATE).read_bytes()
    broken = good[: len(good) // 2] + bytes(64)
    (root / UPDATE).write_bytes(broken)
    (root / f"{UPDATE}.md5").write_text(f"MD5(pubmed25n0002.xml.gz)= {hashlib.md5(broken).hexdigest()}\n")
    home = tmp_path / "home"
    report = _sync(home, server, server.mirror_url)
    assert not report.ok and report.files == 1 and report.failed == 1
    assert "pubmed25n0002.xml.gz" in report.errors[0] and "not marked processed" in report.errors[0]
    baseline_docs = stored_docs(home)
    assert len(baseline_docs) >= 600  # the baseline file's records: intact

    (root / UPDATE).write_bytes(good)  # NCBI republishes it
    (root / f"{UPDATE}.md5").write_text(f"MD5(pubmed25n0002.xml.gz)= {hashlib.md5(good).hexdigest()}\n")
    fixed = _sync(home, server, server.mirror_url)
    assert fixed.ok and fixed.files == 1 and fixed.deleted == 1


def test_deleted_pmids_are_read_across_chunks(tmp_path: Path) -> None:
    body = b"<PubmedArticleSet>" + b"<x/>" * 400_000 + b"<DeleteCitation>\n" + b"".join(
        b'<PMID Version="1">%d</PMID>\n' % i for i in range(1, 200_000)) + b"</DeleteCitation></PubmedArticleSet>"
    path = tmp_path / "pubmed25n0009.xml.gz"
    path.write_bytes(gzip.compress(body))
    found = deleted_pmids(path)
    assert len(found) == 199_999 and found[0] == "1" and found[-1] == "199999"


def test_cli(tmp_path: Path, server: FakeNCBI) -> None:
    runner = CliRunner()
    env = {"MEDCITE_HOME": str(tmp_path), "MEDCITE_CONFIG": ""}
    done = runner.invoke(app, ["sync", "pubmed-baseline", "--mirror", server.mirror_url, "--json",
                               "--workers", "1"], env=env)
    assert done.exit_code == 0, done.output
    run = json.loads(done.stdout)["runs"][0]
    assert run["files"] == 2 and run["deleted"] == 1
    shown = json.loads(runner.invoke(app, ["sources", "--json"], env=env).stdout)["sources"][0]
    assert shown["source"] == "pubmed-baseline" and shown["files_processed"] == 2
    assert shown["totals"]["deleted"] == 1
    missing = runner.invoke(app, ["sync", "pubmed-baseline", "--mirror", str(tmp_path / "nowhere")], env=env)
    assert missing.exit_code == 2 and "neither a folder nor" in missing.output
    # a mistyped address (an http mirror or a folder without baseline/ or updatefiles/) is an error
    for wrong in (server.mirror_url.rstrip("/") + "-typo/", str(tmp_path)):
        typo = runner.invoke(app, ["sync", "pubmed-baseline", "--mirror", wrong], env=env)
        assert typo.exit_code == 2 and "neither baseline/ nor updatefiles/" in typo.output, typo.output
    table = runner.invoke(app, ["sync", "pubmed-baseline", "--mirror", server.mirror_url], env=env)
    assert table.exit_code == 0 and "Sync summary" in table.stdout
