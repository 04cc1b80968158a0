"""Every format shows the patient context an answer used: the details as given, how they
were read (the weight a dose was computed from), and each value that was not used, and why.
Patient text is the user's, so it is escaped like everything else."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from render_answers import HOSTILE, HOSTILE_ATTR
from render_helpers import parse_html, visible

from medcite.render import to_html, to_json, to_markdown, to_text
from medcite.types import Answer
from medcite.understand.patient import parse_patient

RENDERERS = [to_markdown, to_html, to_text]


def _with_patient(answer: Answer, text: str, computed: str | None = None) -> Answer:
    rows = answer.dosing
    if computed is not None:
        rows = tuple(r.model_copy(update={"computed": computed if "/kg" in r.unit else ""}) for r in rows)
    return answer.model_copy(update={"patient": parse_patient(text), "dosing": rows})


@pytest.mark.parametrize("render", RENDERERS)
def test_the_weight_used_is_shown_with_the_details_as_given(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(_with_patient(answer, "62-year-old woman, wt 70, CrCl 25 mL/min"))).replace("\\", "")
    assert "Patient: 62-year-old woman, wt 70, CrCl 25 mL/min — read as: 62 years, female, 70 kg, " \
           "renal impairment" in out
    # Next to the dosing table too.
    assert "Per-kg doses are computed for 70 kg" in out
    assert out.index("Per-kg doses are computed") < out.index("28 g (70 kg")


@pytest.mark.parametrize("render", RENDERERS)
def test_a_weight_not_used_is_named_prominently(answer: Answer, render: Callable[[Answer], str]) -> None:
    why = "not computed: '45-50 kg' is a range, give one weight"
    out = visible(render(_with_patient(answer, "45-50 kg adult", computed=why))).replace("\\", "")
    assert "read as: nothing recognised" in out
    assert "Check the patient details:" in out
    assert "weight not used: '45-50 kg' is a range, give one weight" in out
    assert "Per-kg doses are not computed for this patient: '45-50 kg' is a range, give one weight." in out
    if render is not to_text:  # plain text wraps the cell inside its column
        assert why in out  # in the row itself
    # The note comes before anything else is read: right under the question.
    assert out.index("Check the patient details:") < out.index("IVIg should be offered")


def test_html_note_is_an_alert(answer: Answer) -> None:
    html = to_html(_with_patient(answer, "-5 kg"))
    assert '<div class="alert patient-notes" role="alert">' in html
    assert "weight not used: &#x27;-5 kg&#x27; is negative" in html


@pytest.mark.parametrize("render", RENDERERS)
def test_word_ages_show_as_the_population_not_a_made_up_number(answer: Answer,
                                                               render: Callable[[Answer], str]) -> None:
    out = visible(render(_with_patient(answer, "elderly man 154 lb")))
    assert "read as: male, 69.9 kg, older adults" in out
    assert "75 years" not in out
    infant = visible(render(_with_patient(answer, "3-month-old infant")))
    assert "read as: 3 months, children" in infant


def test_json_keeps_the_notes(answer: Answer) -> None:
    data = json.loads(to_json(_with_patient(answer, "45-50 kg")))
    assert data["patient"]["weight_kg"] is None
    assert data["patient"]["issues"] == ["weight not used: '45-50 kg' is a range, give one weight"]


def test_patient_text_and_notes_are_escaped(answer: Answer) -> None:
    hostile = f"{HOSTILE} {HOSTILE_ATTR} -5 kg, 45-{HOSTILE}50 kg"
    a = _with_patient(answer, hostile)
    assert a.patient.issues
    html = to_html(a)
    page = parse_html(html)
    assert "script" not in {tag for tag, _ in page.tags} and "img" not in {tag for tag, _ in page.tags}
    assert HOSTILE not in html and HOSTILE_ATTR not in html
    md = to_markdown(a)
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<script>" not in rendered and "<img" not in rendered
    # A note quoting the text stays on its own lines in plain text.
    text = to_text(a)
    assert "\n" not in next(line for line in text.splitlines() if line.startswith("  - weight not used"))


@pytest.mark.parametrize("render", RENDERERS)
def test_no_patient_no_line(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(answer.model_copy(update={"patient": parse_patient("")})))
    assert "Patient:" not in out and "Check the patient details" not in out
    assert "Per-kg doses are" not in out


@pytest.mark.parametrize("render", RENDERERS)
def test_a_pregnancy_shows_how_far_along_it_is(answer: Answer, render: Callable[[Answer], str]) -> None:
    out = visible(render(_with_patient(answer, "G1P0 at 41+2, declines induction"))).replace("\\", "")
    assert "read as: female, pregnancy, 41+2 weeks' gestation" in out
