"""What every format must keep: nested bullets, citations that resolve, the warnings on top."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt
from render_helpers import expected_items, parse_html, text_items, visible

from medcite.render import from_json, to_html, to_json, to_markdown, to_text
from medcite.render._common import statement_text
from medcite.types import Answer, Statement, VerificationIssue, VerificationReport

CITE = re.compile(r"(?<!\\)\[(\d+(?:, \d+)*)\]")


def _md_html(md: str) -> str:
    # html=True on purpose: escaping must hold even for a renderer that passes raw HTML through.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def _check_tree(items: list, answer: Answer) -> None:
    expected = expected_items(answer)
    found = [i for i in items if i.text in expected]
    assert sorted(i.text for i in found) == sorted(expected), "a statement was lost or duplicated"
    for item in found:
        assert (item.depth, item.parent) == expected[item.text], item.text


def test_fixture_has_three_levels(answer: Answer) -> None:
    depths = {d for d, _ in expected_items(answer).values()}
    assert depths == {0, 1, 2}


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_nested_statements_survive(answer: Answer, fmt: str) -> None:
    if fmt == "markdown":
        items = parse_html(_md_html(to_markdown(answer))).items
    elif fmt == "html":
        items = parse_html(to_html(answer)).items
    else:
        items = text_items(to_text(answer))
    _check_tree(items, answer)


@pytest.mark.parametrize("render", [to_markdown, to_text], ids=["markdown", "text"])
def test_children_follow_parents_indented_deeper(answer: Answer, render: Callable[[Answer], str]) -> None:
    lines = render(answer).splitlines()

    def find(text: str) -> tuple[int, int]:
        hits = [(n, len(line) - len(line.lstrip())) for n, line in enumerate(lines)
                if line.lstrip()[2:].startswith(text[:30])]
        assert len(hits) == 1, text
        return hits[0]

    for text, (_, parent) in expected_items(answer).items():
        if parent is not None:
            (child_line, child_indent), (parent_line, parent_indent) = find(text), find(parent)
            assert child_line > parent_line and child_indent > parent_indent, text


def test_json_round_trip_keeps_nesting(answer: Answer) -> None:
    back = from_json(to_json(answer))
    assert back == answer
    assert [s.text for s in back.statements()] == [s.text for s in answer.statements()]


@pytest.mark.parametrize("render", [to_markdown, to_text], ids=["markdown", "text"])
def test_leaf_bullets_end_with_their_citations(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = render(answer)
    flat = " ".join(out.split())
    for s in answer.statements():
        if s.citations:
            label = "[" + ", ".join(map(str, dict.fromkeys(s.citations))) + "]"
            assert f"{statement_text(s)} {label}".replace("*", "") in flat.replace("*", ""), s.text


@pytest.mark.parametrize("render", [to_markdown, to_text], ids=["markdown", "text"])
def test_every_citation_resolves_to_a_reference(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = render(answer)
    body, _, refs = out.partition("References\n")
    cited = {int(n) for group in CITE.findall(body) for n in group.split(", ")}
    listed = {int(n) for n in re.findall(r"^(?:- )?\[(\d+)\] ", refs, re.M)}
    used = {n for s in answer.statements() for n in s.citations} | {r.citation for r in answer.dosing}
    assert cited == used
    assert cited <= listed == {r.number for r in answer.references}


def test_html_citations_link_to_reference_anchors(answer: Answer) -> None:
    page = parse_html(to_html(answer))
    links = [a for tag, a in page.tags if tag == "a" and "cite" in (a.get("class") or "")]
    assert len(links) >= 9
    for attrs in links:
        href = attrs["href"] or ""
        assert href.startswith("#ref-") and href[1:] in page.ids
    # The quoted passage travels with the citation for hover, and sits in context under the reference.
    first = next(a for a in links if a["href"] == "#ref-1")
    assert first["data-passage"] == "IVIg is as effective as plasmapheresis"
    assert "ev-1-11" in page.ids
    assert "<mark>IVIg is as effective as plasmapheresis</mark>" in to_html(answer)


def _failed(answer: Answer) -> Answer:
    issue = VerificationIssue(check="unsupported", message="Passage [2] does not mention corticosteroids.")
    return answer.model_copy(update={"verification": VerificationReport(passed=False, unsupported=(issue,))})


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_failed_verification_is_announced_before_the_title(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(_failed(answer)))
    assert "This answer failed verification: 1 statement(s) not supported" in out
    assert "does not mention corticosteroids" in out
    assert out.index("failed verification") < out.index("Guillain-Barré Syndrome in Adults")
    assert "failed verification" not in render(answer)


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_unverified_answer_is_not_shown_as_verified(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(answer.model_copy(update={"verification": VerificationReport(passed=False)})))
    assert "This answer failed verification: no passing verification report was recorded." in out


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_dangling_citation_fails_even_when_report_passed(answer: Answer, render: Callable[[Answer], str]) -> None:
    extra = Statement(text="A claim citing nothing real.", citations=(5,))
    first = answer.sections[0]
    sections = (first.model_copy(update={"statements": (*first.statements, extra)}),)
    out = render(answer.model_copy(update={"sections": sections}))
    assert "failed verification: citation numbers with no reference: 5" in out
    assert 'href="#ref-5"' not in out


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_review_banner_and_status(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = render(answer)
    assert "Pending medical review — read with caution" in out
    assert "Last updated: 7 October 2026" in out
    assert "Submitted" in out
    approved = render(answer.model_copy(update={"status": "Approved"}))
    assert "Pending medical review" not in approved
    assert "Approved" in approved


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_page_parts(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(answer)).replace("\\", "")
    for part in ("IVIg should be offered to treat GBS in adults (Level A).", "Evidence gaps",
                 "The indexed sources found say nothing specific to pregnancy on this question.",
                 "Guideline — Evidence-based guideline: intravenous immunoglobulin in the treatment of "
                 "neuromuscular disorders. American Academy of Neurology, 2012. NGC 9085.",
                 "Research — Plasma exchange versus intravenous immunoglobulin in Guillain-Barré syndrome. "
                 "Neurology, 2021.", "Grifols, label effective 2013-09-30.",
                 "Have a follow-up question?", "What if the patient is pregnant?", "Patient: 70 kg adult",
                 "Corticosteroids alone are not recommended (Level B). [1]", "28 g (70 kg",
                 "antibodies from donated blood", "supplements, and does not replace"):
        assert part in out, part
    assert out.index("Initial management") < out.index("Dosing") < out.index("Pitfalls and prognosis")
    # The dosing table sits in the Dosing section, not after the last one.
    assert out.index("28 g (70 kg") < out.index("Pitfalls and prognosis")


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_composed_conflict_note_is_not_repeated(answer: Answer, render: Callable[[Answer], str]) -> None:
    note = Statement(text="Sources differ: 0.4 g/kg daily [3] vs 2 g/kg over 5 days [1]", citations=(3, 1))
    dosing = answer.sections[1]
    sections = (answer.sections[0], dosing.model_copy(update={"statements": (*dosing.statements, note)}),
                *answer.sections[2:])
    out = visible(render(answer.model_copy(update={"sections": sections})))
    assert out.count("Sources differ") == 1


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_readability_only_for_lay_audiences(answer: Answer, render: Callable[[Answer], str]) -> None:
    graded = answer.model_copy(update={"readability_grade": 6.25})
    assert "grade 6.2" not in render(graded)
    assert "grade 6.2" in render(graded.model_copy(update={"audience": "patient"}))


@pytest.mark.parametrize("render", [to_markdown, to_html, to_text])
def test_abstained_lists_nearest_sources_not_references(abstained_answer: Answer, render: Callable[[Answer], str]) -> None:
    out = render(abstained_answer)
    assert "do not say whether drug X is safe in pregnancy" in out
    assert "Nearest sources" in out and "References" not in out
    assert "Plasma exchange versus intravenous immunoglobulin" in out
    assert "[2]" not in out and "ref-2" not in out
    bare = render(abstained_answer.model_copy(update={"bottom_line": ()}))
    assert "The indexed sources do not answer this question." in bare


@pytest.mark.parametrize(("text", "grade", "shown"), [
    ("IVIg should be offered to treat GBS in adults.", "Level A", "IVIg should be offered to treat GBS in adults (Level A)."),
    ("IVIg should be offered to treat GBS in adults (Level A).", "Level A",
     "IVIg should be offered to treat GBS in adults (Level A)."),
    # the grade written with other punctuation is the same grade: not shown twice
    ("Rapidly initiate parenteral opioids. (Strong Recommendation, High-Quality Evidence)",
     "Strong recommendation; High-quality evidence",
     "Rapidly initiate parenteral opioids. (Strong Recommendation, High-Quality Evidence)"),
])
def test_a_grade_is_shown_once(text: str, grade: str, shown: str) -> None:
    assert statement_text(Statement(text=text, citations=(1,), grade=grade)) == shown
