"""JSON round trip, RIS and BibTeX read back field by field, and the render() dispatcher."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from render_answers import HOSTILE, REFS
from render_helpers import parse_bibtex, parse_ris, untex

from medcite.render import (
    FORMATS,
    from_json,
    render,
    to_bibtex,
    to_html,
    to_json,
    to_markdown,
    to_ris,
    to_text,
)
from medcite.render.citations import tex_escape
from medcite.types import Answer, Reference

NASTY = "Braces {unbalanced and 100% $cost #1 a_b x^2 ~n \\cmd & more}}"


def test_json_round_trip(answer: Answer, abstained_answer: Answer) -> None:
    for a in (answer, abstained_answer):
        assert from_json(to_json(a)) == a
    assert to_json(answer).startswith("{\n  ")


def test_ris_fields() -> None:
    records = parse_ris(to_ris(REFS))
    assert [r["TY"] for r in records] == [["GOVDOC"], ["JOUR"], ["GEN"], ["ELEC"]]
    guideline, research, label, consumer = records
    assert guideline["TI"] == [REFS[0].title] and guideline["PY"] == ["2012"]
    assert guideline["PB"] == ["American Academy of Neurology"] and guideline["AN"] == ["NGC 9085"]
    assert guideline["ID"] == ["ngc9085"] and "UR" not in guideline
    assert research["AU"] == ["Hughes RA", "Swan AV"] and research["JO"] == ["Neurology"]
    assert research["AN"] == ["PMID 12345678"] and research["ID"] == ["pmid12345678"]
    assert research["UR"] == ["https://pubmed.ncbi.nlm.nih.gov/12345678/"]
    assert label["DA"] == ["2013-09-30"] and label["N1"] == ["FDA Drug Label"]
    assert consumer["UR"] == ["https://medlineplus.gov/guillainbarresyndrome.html"]


def test_ris_text_cannot_end_a_record() -> None:
    ref = REFS[1].model_copy(update={"title": "Title\nER  - \nTY  - JOUR\nTI  - injected",
                                     "url": "javascript:alert(1)"})
    (record,) = parse_ris(to_ris([ref]))
    assert record["TI"] == ["Title ER - TY - JOUR TI - injected"]
    assert record["UR"] == ["https://pubmed.ncbi.nlm.nih.gov/12345678/"]  # from the PMID, not the bad URL


def test_bibtex_entries() -> None:
    entries = parse_bibtex(to_bibtex(REFS))
    assert [(kind, key) for kind, key, _ in entries] == [
        ("misc", "ngc9085"), ("article", "pmid12345678"), ("misc", "spl608d4f0d"), ("misc", "medlineplusgbs")]
    guideline, research, label, _ = (fields for _, _, fields in entries)
    assert untex(guideline["title"]) == REFS[0].title and guideline["year"] == "2012"
    assert guideline["author"] == "{American Academy of Neurology}"  # a body, not "Neurology, A. A. of"
    assert research["author"] == "Hughes RA and Swan AV" and research["journal"] == "Neurology"
    assert research["pmid"] == "12345678" and research["url"] == "https://pubmed.ncbi.nlm.nih.gov/12345678/"
    assert untex(label["title"]) == REFS[2].title and label["howpublished"] == "FDA Drug Label"


def test_bibtex_escapes_specials_and_braces() -> None:
    ref = REFS[1].model_copy(update={"title": NASTY, "venue": "J}, note = {injected",
                                     "authors": ("O'Brien {X}",)})
    (entry,) = parse_bibtex(to_bibtex([ref]))  # parse_bibtex asserts balanced braces, no stray fields
    _, _, fields = entry
    assert untex(fields["title"]) == NASTY
    assert untex(fields["journal"]) == "J}, note = {injected"
    assert fields["note"] == "PMID 12345678"
    for special in ("%", "$", "#", "_", "&"):
        assert f"\\{special}" in tex_escape(special)


def test_cite_keys_are_unique() -> None:
    twins = [REFS[1], REFS[1].model_copy(update={"number": 5}), REFS[1].model_copy(update={"number": 6})]
    keys = [key for _, key, _ in parse_bibtex(to_bibtex(twins))]
    assert keys == ["pmid12345678", "pmid12345678a", "pmid12345678b"]
    bare = Reference(number=7, doc_id="9:odd/id", source_type="other", label="", title="Untitled")
    ((kind, key, fields),) = parse_bibtex(to_bibtex([bare]))
    assert (kind, key, fields["howpublished"]) == ("misc", "ref7_9oddid", "Other")


def test_empty_reference_lists() -> None:
    assert to_ris([]) == "" and to_bibtex([]) == ""


@pytest.mark.parametrize(("fmt", "func"), [
    ("md", to_markdown), ("markdown", to_markdown), ("html", to_html), ("json", to_json), ("text", to_text),
    ("ris", lambda a: to_ris(a.references)), ("bibtex", lambda a: to_bibtex(a.references)), ("HTML", to_html),
])
def test_render_dispatches(answer: Answer, fmt: str, func: Callable[[Answer], str]) -> None:
    assert render(answer, fmt) == func(answer)


def test_render_rejects_unknown_format(answer: Answer) -> None:
    with pytest.raises(ValueError, match="valid formats: md, markdown, html, json, text, ris, bibtex"):
        render(answer, "pdf")
    assert FORMATS == ("md", "markdown", "html", "json", "text", "ris", "bibtex")
    assert HOSTILE not in render(answer, "html")
