"""The command line, run in-process on a store built from real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.serve.cli import app

runner = CliRunner()


def _home(small_store_path: Path) -> list[str]:
    return ["--home", str(small_store_path.parent)]


def test_search_finds_the_aan_ivig_guideline(small_store_path: Path) -> None:
    result = runner.invoke(app, ["search", "IVIg Guillain-Barré adults", "--json", *_home(small_store_path)])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert "ngc:9085" in [h["doc_id"] for h in hits[:3]]
    for key in ("doc_id", "source_type", "title", "year", "section", "text", "score"):
        assert key in hits[0]


def test_search_filters_by_type_and_year(small_store_path: Path) -> None:
    result = runner.invoke(
        app, ["search", "adverse reactions infection", "--type", "label", "--json", *_home(small_store_path)]
    )
    hits = json.loads(result.stdout)
    assert hits and {h["source_type"] for h in hits} == {"label"}
    result = runner.invoke(app, ["search", "treatment", "--since", "2013", "--json", *_home(small_store_path)])
    assert all((h["year"] or 0) >= 2013 for h in json.loads(result.stdout))
    bad = runner.invoke(app, ["search", "x", "--type", "blog", *_home(small_store_path)])
    assert bad.exit_code == 2


HOSTILE = [
    '"', '""', "'", "(", ")", "((a)", "a AND", "OR", "NOT", "NEAR(a b", "*", "-", ":", "a:b", "^",
    "col:*", "\\", "%", "_", "😀", "免疫", "Sjögren's", "", "   ", "\x00", "x" * 10_000,
    " ".join(["ivig"] * 3000), "SELECT * FROM documents; --", "<script>alert(1)</script>",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_any_text_is_a_valid_query(small_store_path: Path, query: str) -> None:
    result = runner.invoke(app, ["search", query, "--json", *_home(small_store_path)])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_plain_output_escapes_and_highlights(small_store_path: Path) -> None:
    result = runner.invoke(app, ["search", "[bold]IVIg[/bold] dermatomyositis", *_home(small_store_path)])
    assert result.exit_code == 0
    assert "1." in result.stdout


def test_stats_and_show(small_store_path: Path) -> None:
    stats = json.loads(runner.invoke(app, ["stats", "--json", *_home(small_store_path)]).stdout)
    assert stats["by_source_type"]["guideline"]["documents"] == 4
    assert stats["by_source_type"]["label"]["documents"] == 6
    assert stats["vocabulary_concepts"] > 40
    shown = runner.invoke(app, ["show", "ngc:9085", "--json", *_home(small_store_path)])
    doc = json.loads(shown.stdout)
    assert doc["source_type"] == "guideline" and doc["store"]["version"] == 1
    for p in doc["passages"]:
        assert doc["text"][p["start"] : p["end"]] == p["text"]
    text = runner.invoke(app, ["show", "ngc:9085", *_home(small_store_path)])
    assert "American Academy of Neurology" in text.stdout
    missing = runner.invoke(app, ["show", "pmid:0", *_home(small_store_path)])
    assert missing.exit_code == 1


def test_ingest_command_reports_failures_and_exit_status(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "broken.xml").write_bytes(b"<PubmedArticleSet><PubmedArticle>")
    (bad / "ngc-9085.xml").write_bytes((data_dir / "ngc-guidelines/samples/ngc-9085.xml").read_bytes())
    home = ["--home", str(tmp_path / "h")]
    result = runner.invoke(app, ["ingest", str(bad), "--no-embed", *home])
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "broken.xml" in result.stdout
    # The second run changes no document but embeds what the first (--no-embed) left pending.
    ok = runner.invoke(app, ["ingest", str(bad / "ngc-9085.xml"), "--json", *home])
    assert ok.exit_code == 0
    summary = json.loads(ok.stdout)
    assert summary["formats"]["ngc"]["unchanged"] == 1 and summary["ok"] is True
    assert summary["embedding"]["embedded"] > 30 and summary["embedding"]["pending"] == 0
    hybrid = runner.invoke(app, ["search", "IVIG plasma exchange Guillain-Barré", "--json", *home])
    assert json.loads(hybrid.stdout)[0]["doc_id"] == "ngc:9085"
