"""Nothing from a question or a source may become markup, script or a non-http link."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from render_answers import HOSTILE, HOSTILE_ATTR
from render_helpers import parse_html, visible

from medcite.render import to_html, to_markdown, to_text
from medcite.render.markdown import md_escape
from medcite.types import Answer

# Every tag the HTML renderer itself writes; anything else came from the data.
OWN_TAGS = {
    "html", "head", "meta", "title", "style", "body", "article", "header", "section", "footer", "h1", "h2",
    "p", "div", "span", "strong", "ul", "ol", "li", "a", "time", "table", "thead", "tbody", "tr", "th",
    "td", "details", "summary", "blockquote", "mark", "dl", "dt", "dd",
}
MD_TAGS = {"p", "strong", "em", "ul", "li", "h1", "h2", "blockquote", "a", "hr", "table", "thead", "tbody",
           "tr", "th", "td"}


def _assert_inert(html: str, allowed: set[str]) -> None:
    page = parse_html(html)
    assert {tag for tag, _ in page.tags} <= allowed
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs, (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#", "https://", "http://")), href
            assert '"' not in href and " " not in href, href


def test_html_escapes_everything(hostile_answer: Answer) -> None:
    for standalone in (True, False):
        out = to_html(hostile_answer, standalone=standalone)
        _assert_inert(out, OWN_TAGS)
        assert "<script" not in out.lower() and "<img" not in out.lower() and "<b>" not in out
        assert "javascript:" not in out.lower().replace("javascript:alert(1)) and", "")
    text = visible(to_html(hostile_answer))
    # The hostile strings are still there for the reader, as text.
    assert f"Question: {HOSTILE}" in text
    assert HOSTILE_ATTR in text and f"Guideline {HOSTILE}" in text and "IVIg | <b>x</b>" in text


def test_html_hostile_passages_stay_inside_attributes(hostile_answer: Answer) -> None:
    page = parse_html(to_html(hostile_answer))
    cites = [a for tag, a in page.tags if tag == "a" and a.get("class") == "cite"]
    # The dose row's source sentence is the hostile string: it must arrive whole, as a value.
    assert HOSTILE_ATTR in [a.get("data-passage") for a in cites]
    assert any(HOSTILE in (a.get("data-passage") or "") for a in cites)
    assert "IVIg had similar outcomes" in " ".join(a.get("data-passage") or "" for a in cites)
    assert all(set(a) <= {"class", "href", "data-passage", "title"} for a in cites)
    # A "[5]" typed inside a statement is text, not a citation link.
    assert not any(a.get("href") == "#ref-5" for _, a in page.tags)


def test_html_only_http_urls_become_links(hostile_answer: Answer) -> None:
    page = parse_html(to_html(hostile_answer))
    external = [a["href"] for tag, a in page.tags if tag == "a" and not (a.get("href") or "").startswith("#")]
    # javascript:, " JaVaScRiPt:" and data: URLs are dropped; the quote in the https URL is encoded.
    # The label's bad URL falls back to the DailyMed link its SPL set id gives.
    assert external == ["https://example.org/a%22onmouseover=alert(1)",
                        "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=608d4f0d-1234-4bcd-9abc-0123456789ab"]
    for tag, attrs in page.tags:
        if tag == "a" and not (attrs.get("href") or "").startswith("#"):
            assert attrs["rel"] == "noopener noreferrer nofollow"


def test_standalone_document_is_self_contained_and_phone_ready(answer: Answer) -> None:
    out = to_html(answer)
    assert out.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in out
    assert "Content-Security-Policy" in out and "default-src 'none'" in out
    assert "max-width" in out and "overflow-x:auto" in out
    page = parse_html(out)
    assert not [t for t, a in page.tags if t in ("script", "link", "img", "iframe") or "src" in a]
    assert "@import" not in out and "url(" not in out
    assert not to_html(answer, standalone=False).startswith("<!DOCTYPE")
    assert to_html(answer, standalone=False).startswith("<article")


def test_html_semantics(answer: Answer) -> None:
    page = parse_html(to_html(answer))
    tags = [t for t, _ in page.tags]
    for tag in ("article", "header", "section", "footer", "table", "time", "mark", "details"):
        assert tag in tags
    assert {"ref-1", "ref-2", "ref-3", "ref-4"} <= page.ids
    badge = next(a for t, a in page.tags if t == "span" and "badge" in (a.get("class") or ""))
    assert badge["class"] == "badge submitted"
    assert ("time", {"datetime": "2026-10-07"}) in page.tags


def _md_render(md: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def test_markdown_is_inert_even_with_raw_html_enabled(hostile_answer: Answer) -> None:
    md = to_markdown(hostile_answer)
    html = _md_render(md)
    _assert_inert(html, MD_TAGS)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    text = visible(html)
    assert HOSTILE in text and "[evil](javascript:alert(1))" in text and "![x](http://x/y.png)" in text


def test_markdown_table_cells_escape_pipes(hostile_answer: Answer) -> None:
    html = _md_render(to_markdown(hostile_answer))
    page = parse_html(html)
    heads = sum(1 for t, _ in page.tags if t == "th")
    cells = sum(1 for t, _ in page.tags if t == "td")
    assert heads and cells == heads
    assert "IVIg | <b>x</b>" in visible(html)


@pytest.mark.parametrize(("raw", "shown"), [
    ("# not a heading", "# not a heading"), ("1. not a list", "1. not a list"),
    ("- not a bullet", "- not a bullet"), ("0.4 g/kg", "0.4 g/kg"), ("a\n\n# b", "a # b"),
    ("*x* _y_ `z` [1] <i>", "*x* _y_ `z` [1] <i>"), ("AT&amp;T", "AT&amp;T"),
])
def test_md_escape_round_trips_through_a_markdown_parser(raw: str, shown: str) -> None:
    html = _md_render(md_escape(raw))
    assert html.startswith("<p>")
    assert visible(html) == shown


def test_md_escape_leaves_plain_numbers_alone() -> None:
    assert md_escape("0.4 g/kg") == "0.4 g/kg"


def test_text_keeps_hostile_newlines_on_one_bullet(hostile_answer: Answer) -> None:
    sections = (hostile_answer.sections[0].model_copy(update={"statements": (
        hostile_answer.sections[0].statements[1].model_copy(update={"text": "first\n• fake bullet\n# x"}),
    )}),)
    out = to_text(hostile_answer.model_copy(update={"sections": sections}))
    assert "• first • fake bullet # x [2]" in out
    assert not any(line.startswith("• fake") for line in out.splitlines())
