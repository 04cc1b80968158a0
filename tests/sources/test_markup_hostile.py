"""Hostile Markdown / HTML: YAML alias bombs, ids that claim another source's namespace,
nesting deeper than the parsers go. Every input is made here, at test time."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from medcite.errors import ParseError
from medcite.sources import markup
from medcite.sources.base import SOURCE_NAMESPACES

URL_SAFE = re.compile(r"^local:[A-Za-z0-9._~:-]+$")


def _doc(data: str, name: str = "doc.md"):
    (doc,) = markup.parse(data.encode(), name).documents
    return doc


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "---\n" + "\n".join(lines) + "\n---\n# Bomb\n\nSome text.\n"


# -- YAML front matter -------------------------------------------------------------------

def test_yaml_alias_bomb_is_refused_quickly() -> None:
    bomb = _billion_laughs()
    assert len(bomb) < 600  # about 445 bytes of front matter expand to 9**9 strings
    started = time.perf_counter()
    with pytest.raises(ParseError, match=r"invalid YAML front matter: .*alias"):
        markup.parse(bomb.encode(), "bomb.md")
    assert time.perf_counter() - started < 2


def test_a_bomb_in_title_is_refused_too() -> None:
    bomb = _billion_laughs().replace("\n---\n# Bomb", "\ntitle: *a8\n---\n# Bomb")
    with pytest.raises(ParseError, match="alias"):
        markup.parse(bomb.encode(), "bomb.md")


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(ParseError, match="invalid YAML front matter"):
        markup.parse(b"---\nloop: &a [*a]\n---\nText.\n", "loop.md")


def test_a_few_aliases_still_work() -> None:
    doc = _doc("---\nreviewers: &r [Ann, Bob]\napprovers: *r\n---\nText.\n")
    assert doc.meta == {"reviewers": ["Ann", "Bob"], "approvers": ["Ann", "Bob"]}


def test_deeply_nested_yaml_is_a_parse_error() -> None:
    deep = "---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nText.\n"
    with pytest.raises(ParseError, match="invalid YAML front matter"):
        markup.parse(deep.encode(), "deep.md")


def test_front_matter_size_is_bounded() -> None:
    big = "---\n" + "".join(f"k{i}: {'v' * 60}\n" for i in range(20000)) + "---\nText.\n"
    with pytest.raises(ParseError, match=r"front matter .*too large"):
        markup.parse(big.encode(), "big.md")


# -- ids ---------------------------------------------------------------------------------

def test_front_matter_id_in_a_source_namespace_is_refused() -> None:
    with pytest.raises(ParseError) as err:
        markup.parse(b"---\nid: ngc:9085\n---\n# Hijack\n\nReplacement text.\n", "hijack.md")
    assert ("front-matter id 'ngc:9085' is in the ngc: namespace, which belongs to NGC guideline summaries"
            in str(err.value))


@pytest.mark.parametrize("claimed", ["pmid:123", "PMC:PMC99", "doi:10.1/x", "spl:abc", "medquad:x-1",
                                     "medlineplus:42", "mesh:D000001", " NGC : 9085"])
def test_every_source_namespace_is_refused(claimed: str) -> None:
    with pytest.raises(ParseError, match="namespace, which belongs to"):
        markup.parse(f"---\nid: '{claimed}'\n---\nText.\n".encode(), "x.md")


def test_html_meta_id_in_a_source_namespace_is_refused() -> None:
    html = '<html><head><meta name="medcite:id" content="spl:abc"></head><body><p>x</p></body></html>'
    with pytest.raises(ParseError, match="'spl:abc' is in the spl: namespace"):
        markup.parse(html.encode(), "label.html")


@pytest.mark.parametrize(("given", "expected"), [
    ("local:sepsis-bundle", "local:sepsis-bundle"),
    ("sepsis-bundle", "local:sepsis-bundle"),
    ("LOCAL:Sepsis", "local:Sepsis"),
    ("hosp:falls-policy", "local:hosp:falls-policy"),
    ("Sepsis Bundle/v2", "local:Sepsis-Bundle--v2"),
    ("local:a/b?c#d%e", "local:a--b-c-d-e"),
    (1234, "local:1234"),
])
def test_local_ids(given: object, expected: str) -> None:
    value = given if isinstance(given, int) else f"'{given}'"
    doc = _doc(f"---\nid: {value}\n---\nText.\n")
    assert doc.doc_id == expected
    assert URL_SAFE.match(doc.doc_id)


def test_empty_or_structured_id_is_refused() -> None:
    with pytest.raises(ParseError, match="id"):
        markup.parse(b"---\nid: 'local:'\n---\nText.\n", "x.md")
    with pytest.raises(ParseError, match="id"):
        markup.parse(b"---\nid: [a, b]\n---\nText.\n", "x.md")


def test_path_derived_ids_are_url_safe() -> None:
    doc = _doc("Text.\n", "protocols/Adult Sepsis v2.md")
    assert doc.doc_id == "local:protocols--adult-sepsis-v2"
    doc = _doc("Text.\n", "../a b/./C%20d.markdown")
    assert URL_SAFE.match(doc.doc_id), doc.doc_id


def test_source_namespaces_cover_every_parser() -> None:
    """Every literal id prefix a parser writes is a reserved namespace."""
    folder = Path(markup.__file__).parent
    used: set[str] = set()
    for path in folder.glob("*.py"):
        if path.name == "markup.py":
            continue
        used.update(m.lower() for m in re.findall(r"""doc_id(?:, url)?\s*=\s*f["']([A-Za-z]+):""",
                                                  path.read_text()))
    assert {"ngc", "pmid", "pmc", "doi", "spl", "medquad", "medlineplus"} <= used
    assert used <= set(SOURCE_NAMESPACES), used - set(SOURCE_NAMESPACES)
    assert "local" not in SOURCE_NAMESPACES


# -- nesting -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    ">" * 150 + " deep text\n\nafter\n",
    "- " * 300 + "deep\n\nafter\n",
    "".join("  " * i + f"- item {i}\n" for i in range(120)),
])
def test_markdown_nested_too_deep_is_reported(text: str) -> None:
    with pytest.raises(ParseError, match="nested more than"):
        markup.parse(text.encode(), "deep.md")


def test_markdown_nested_lists_well_past_ten_levels_are_read() -> None:
    text = "".join("  " * i + f"- item {i}\n" for i in range(30))
    doc = _doc(text)
    assert "item 29" in doc.text and "item 0" in doc.text


@pytest.mark.parametrize("text", [
    "*" * 3000 + "x" + "*" * 3000 + "\n\nafter\n",
    "**a " * 3000 + "x" + " b**" * 3000 + "\n\nafter\n",
])
def test_deep_inline_markup_is_read(text: str) -> None:
    doc = _doc(text)
    assert "after" in doc.text and "x" in doc.text


@pytest.mark.parametrize("n", [300, 5000, 100000])
@pytest.mark.parametrize(("open_", "close"), [("<div>", "</div>"), ("<b>", "</b>"), ("<ul><li>x", "</li></ul>")])
def test_html_nested_too_deep_is_reported(n: int, open_: str, close: str) -> None:
    html = "<html><body>" + open_ * n + "deep text" + close * n + "<p>after</p></body></html>"
    with pytest.raises(ParseError, match="nested more than"):
        markup.parse(html.encode(), "deep.html")


def test_html_nested_to_200_levels_is_read() -> None:
    html = "<html><body>" + "<div>" * 200 + "deep text" + "</div>" * 200 + "<p>after</p></body></html>"
    doc = _doc(html, "deep.html")
    assert "deep text" in doc.text and "after" in doc.text


def test_deep_html_inside_markdown_is_reported() -> None:
    text = "# Title\n\n" + "<div>" * 400 + "deep" + "</div>" * 400 + "\n\nafter\n"
    with pytest.raises(ParseError, match="nested more than"):
        markup.parse(text.encode(), "deep.md")


def test_hostile_files_are_reported_by_ingest_with_path_and_reason(tmp_path: Path) -> None:
    from medcite.ingest import ingest
    from medcite.store import SQLiteStore

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bomb.md").write_text(_billion_laughs())
    (inbox / "deep.html").write_text("<html><body>" + "<div>" * 1000 + "x" + "</div>" * 1000 + "</body></html>")
    (inbox / "deep.md").write_text("- " * 1000 + "x\n")
    (inbox / "hijack.md").write_text("---\nid: pmid:12345\n---\nText.\n")
    (inbox / "fine.md").write_text("# Fine\n\nA protocol.\n")
    store = SQLiteStore(tmp_path / "medcite.db")
    report = ingest([inbox], store, workers=1)
    reasons = {Path(f.path).name: f.reason for f in report.failures}
    assert set(reasons) == {"bomb.md", "deep.html", "deep.md", "hijack.md"}
    assert "alias" in reasons["bomb.md"]
    assert "nested more than" in reasons["deep.html"] and "nested more than" in reasons["deep.md"]
    assert "pmid: namespace" in reasons["hijack.md"]
    assert report.tally("markup").added == 1
    store.close()
