"""Patient weight and age are read strictly: understood, or refused with a note that names
what was not understood. A dose is never computed from a value the parser was unsure of
(issue 11, defect 1: "-5 kg" gave a dose for 5 kg, "45-50 kg" one for 50 kg)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.clinical.doses import dose_in_mg_for_weight, parse_doses
from medcite.compose import dosing
from medcite.compose.select import Candidate
from medcite.store import SQLiteStore
from medcite.types import Hit, PatientContext
from medcite.understand.patient import (
    PatientError,
    check_patient,
    merge,
    parse_patient,
    population_from_question,
)

# Text a clinician types -> the weight in kg it must give (no issue recorded).
UNDERSTOOD: list[tuple[str, float]] = [
    ("62-year-old woman, 70 kg", 70),
    ("154 lb", 69.9),
    ("154 lbs", 69.9),
    ("154 pounds", 69.9),
    ("wt 70", 70),
    ("weight: 70 kg", 70),
    ("weighs 70kg", 70),
    ("3.2 kg neonate", 3.2),
    ("3200 g neonate", 3.2),
    ("weighs 3,200 g", 3.2),
    ("birth weight 3.2 kg, now 4.1 kg", 4.1),  # the current weight, not the birth weight
    ("7 lb 8 oz baby", 3.4),
    ("10 st", 63.5),
    ("10 stone", 63.5),
    ("10 st 4 lb", 65.3),
    ("10st 4lb", 65.3),
    ("11st", 69.9),
    ("pregnant woman, 60 kg", 60),
    ("1st trimester, 60 kg", 60),  # "1st" is not one stone
    ("8 yo boy 25kg", 25),
    ("62F-70kg", 70),  # a hyphen after a letter is not a minus sign
    ("a 70-kg man", 70),
    ("70 kg (154 lb)", 70),  # one weight in two units
    ("70 kg, weight 70 kg", 70),  # the same weight twice
    ("70.5 kg", 70.5),
    ("about 70 kg", 70),
    ("80 kg, IBW 70 kg", 80),  # an ideal body weight is not the patient's weight
    ("70 kg, lost 5 kg in a month", 70),  # a change of weight is not a weight
    ("on vancomycin 1 g every 12 hours, 70 kg", 70),  # "1 g" is a dose
    ("0.3 kg preterm infant", 0.3),
    ("350 kg", 350),
]


@pytest.mark.parametrize(("text", "kg"), UNDERSTOOD, ids=[t for t, _ in UNDERSTOOD])
def test_weights_that_are_understood(text: str, kg: float) -> None:
    got = parse_patient(text)
    assert got.weight_kg == pytest.approx(kg, abs=0.05), got
    assert got.issues == (), got.issues


# Text -> words the note must contain (it names what was not understood). No weight is set.
REFUSED: list[tuple[str, tuple[str, ...]]] = [
    ("-5 kg", ("'-5 kg'", "negative")),
    ("\u22125 kg", ("negative",)),  # the Unicode minus sign
    ("weight -5", ("'-5'", "negative")),
    ("minus 5 kg", ("negative",)),
    ("45-50 kg", ("'45-50 kg'", "range", "one weight")),
    ("45 - 50 kg", ("'45 - 50 kg'", "range")),
    ("45\u201350 kg", ("range",)),
    ("45 to 50 kg", ("'45 to 50 kg'", "range")),
    ("45 kg to 50 kg", ("range",)),
    ("between 45 and 50 kg", ("range",)),
    ("wt 45-50", ("'45-50'", "range")),
    ("70 \u00b1 5 kg", ("range",)),
    ("70 kg on admission, now 80 kg", ("'70 kg'", "'80 kg'", "two different weights")),
    ("70 kg 80 kg", ("two different weights",)),
    ("0 kg", ("'0 kg'", "not a plausible weight")),
    ("0.1 kg", ("not a plausible weight",)),
    ("500 kg", ("'500 kg'", "not a plausible weight")),
    ("weight 5000 kg", ("not a plausible weight",)),
    ("weighs 200 g", ("'200 g'", "not a plausible weight")),
    ("9" * 30 + " kg", ("not a plausible weight",)),
    ("70,5 kg", ("'70,5 kg'", "comma")),
    ("< 50 kg", ("not one weight",)),
    ("over 100 kg", ("not one weight",)),
    ("IBW 70 kg", ("IBW 70 kg", "actual weight")),
    ("ideal body weight 70 kg", ("actual weight",)),
    # a weight's course (session 17's frailty vignette): neither end is used, and no bound is read
    ("wt 62 -> 58.5 kg over last 12 mo", ("'62 -> 58.5 kg'", "change over time", "current weight")),
    ("62kg → 58.5kg", ("change over time",)),
    ("wt->58 kg", ("change over time",)),
]


@pytest.mark.parametrize(("text", "words"), REFUSED, ids=[t[:30] for t, _ in REFUSED])
def test_weights_that_are_refused_with_a_note(text: str, words: tuple[str, ...]) -> None:
    got = parse_patient(text)
    assert got.weight_kg is None, got
    assert got.issues, "a weight that is not used must say why"
    note = " ".join(got.issues)
    assert note.startswith("weight not used:"), note
    for w in words:
        assert w in note, (w, note)
    assert len(note) < 300  # a 10,000-digit number is quoted shortened


AGES: list[tuple[str, float | None, tuple[str, ...]]] = [
    ("62-year-old woman", 62, ()),
    ("aged 70", 70, ()),
    ("3-month-old infant", 0.25, ()),
    ("120-year-old man", 120, ()),
    ("-5-year-old", None, ("negative",)),
    ("age -5", None, ("negative",)),
    ("age 150", None, ("'age 150'", "not a plausible age")),
    ("130-year-old man", None, ("not a plausible age",)),
    ("age 1000", None, ("not a plausible age",)),
    ("45-50 years old", None, ("range",)),
    ("aged 45-50", None, ("range",)),
    ("62-year-old woman, 45-year-old", None, ("two different ages",)),
]


@pytest.mark.parametrize(("text", "age", "words"), AGES, ids=[t for t, _, _ in AGES])
def test_ages(text: str, age: float | None, words: tuple[str, ...]) -> None:
    got = parse_patient(text)
    assert got.age_years == (pytest.approx(age) if age is not None else None), got
    note = " ".join(got.issues)
    if not words:
        assert got.issues == ()
    else:
        assert note.startswith("age not used:"), note
        for w in words:
            assert w in note, (w, note)


def test_several_problems_are_all_named() -> None:
    got = parse_patient("age 999, weight 5000 kg")
    assert got.age_years is None and got.weight_kg is None
    assert any(i.startswith("age not used:") for i in got.issues)
    assert any(i.startswith("weight not used:") for i in got.issues)


def test_the_question_never_refuses_but_records_the_note() -> None:
    got = population_from_question("What is the dose of vancomycin for adults weighing 45-50 kg?")
    assert got.weight_kg is None and "range" in " ".join(got.issues)
    got = population_from_question("What is the dose of vancomycin for a -5 kg adult?")
    assert got.weight_kg is None and "negative" in " ".join(got.issues)
    ok = population_from_question("amoxicillin dose for a 6-year-old weighing 20 kg")
    assert ok.weight_kg == 20 and ok.issues == ()


def test_merge_never_falls_back_to_another_weight_when_the_patient_weight_is_uncertain() -> None:
    question = population_from_question("vancomycin dose for a 70 kg adult")
    merged = merge(question, parse_patient("45-50 kg"))
    assert merged.weight_kg is None and "range" in " ".join(merged.issues)
    # A later, clear weight replaces an earlier uncertain one, and its note goes.
    fixed = merge(parse_patient("45-50 kg"), parse_patient("48 kg"))
    assert fixed.weight_kg == 48 and fixed.issues == ()
    # Notes about other things stay.
    kept = merge(parse_patient("age 150"), parse_patient("48 kg"))
    assert kept.weight_kg == 48 and kept.issues and kept.issues[0].startswith("age not used:")
    assert merge(PatientContext(), PatientContext()) == PatientContext()


def test_check_patient_refuses_explicit_text_it_cannot_use() -> None:
    assert check_patient("62-year-old woman, 70 kg").weight_kg == 70
    assert check_patient("").is_empty()
    with pytest.raises(PatientError, match="'-5 kg' is negative"):
        check_patient("-5 kg")
    with pytest.raises(PatientError, match="range"):
        check_patient("45-50 kg")
    # The question and the patient details disagree on the weight.
    with pytest.raises(PatientError, match=r"70 kg.*80 kg"):
        check_patient("80 kg", question="vancomycin dose for a 70 kg adult")
    assert check_patient("70 kg", question="vancomycin dose for a 70 kg adult").weight_kg == 70
    # An uncertain weight in the question alone never refuses.
    assert check_patient("62-year-old", question="dose for 45-50 kg adults").age_years == 62


# -- dose computation -------------------------------------------------------------------------

SENTENCE = "Vancomycin 15 mg/kg intravenously every 12 hours is recommended for adults."


def _cand(text: str = SENTENCE) -> Candidate:
    hit = Hit(doc_id="d", passage_id=1, source_type="guideline", title="t", year=2020, section="s", text=text,
              score=1.0)
    return Candidate(hit=hit, start=0, end=len(text), text=text, stems=(), terms=frozenset(), rank=0,
                     facet="dosing", cover=1.0, context_cover=1.0)


def test_a_dose_is_computed_from_a_sure_weight() -> None:
    [row] = [r for r in dosing.rows([_cand()], parse_patient("70 kg"), "") if r.dose.per_kg]
    assert row.computed.startswith("1050 mg (70 kg")


@pytest.mark.parametrize("text", ["-5 kg", "45-50 kg", "70 kg then 80 kg", "500 kg", "weighs 200 g", "IBW 70 kg"])
def test_a_dose_is_never_computed_from_an_uncertain_weight(text: str) -> None:
    patient = parse_patient(text)
    [row] = [r for r in dosing.rows([_cand()], patient, "") if r.dose.per_kg]
    assert row.computed.startswith("not computed:"), row.computed
    assert " mg (" not in row.computed and "×" not in row.computed
    assert patient.issues[0].removeprefix("weight not used: ") in row.computed


def test_a_dose_without_any_weight_shows_no_figure() -> None:
    [row] = [r for r in dosing.rows([_cand()], PatientContext(), "") if r.dose.per_kg]
    assert row.computed == ""


@pytest.mark.parametrize("kg", [0, 0.1, -5, 351, 999, float("nan"), float("inf")])
def test_dose_in_mg_refuses_an_implausible_weight(kg: float) -> None:
    [m] = [m for m in parse_doses(SENTENCE) if m.per_kg]
    assert dose_in_mg_for_weight(m, kg) == ""
    assert dose_in_mg_for_weight(m, 70).startswith("1050 mg")


# -- the command line and the HTTP API ------------------------------------------------------

runner = CliRunner()
DOSE_Q = "What is the dose of vancomycin for adults?"


@pytest.mark.parametrize(("patient", "words"), [
    ("-5 kg", "'-5 kg' is negative"),
    ("45-50 kg", "'45-50 kg' is a range"),
    ("70 kg, now 80 kg", "two different weights"),
    ("weighs 200 g", "not a plausible weight"),
    ("age 150", "not a plausible age"),
])
def test_cli_refuses_patient_details_it_cannot_use(tmp_path: Path, patient: str, words: str) -> None:
    from medcite.serve.cli import app

    # Refused before the store is opened: the data folder does not even have to exist.
    result = runner.invoke(app, ["ask", DOSE_Q, "--patient", patient, "--home", str(tmp_path / "none")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())
    assert words in out, out
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 3


def test_cli_answers_with_a_clear_weight_and_shows_the_weight_used(small_store_path: Path) -> None:
    from medcite.serve.cli import app

    result = runner.invoke(app, ["ask", "haloperidol dose in children", "--patient", "8-year-old boy, 25 kg",
                                 "--format", "json", "--home", str(small_store_path.parent)])
    assert result.exit_code in (0, 3), result.output
    answer = json.loads(result.stdout)
    assert answer["patient"]["weight_kg"] == 25 and answer["patient"]["issues"] == []
    for row in answer["dosing"]:
        if "/kg" in row["unit"] and row["computed"]:
            assert "(25 kg ×" in row["computed"]


def test_api_answers_422_for_patient_details_it_cannot_use(small_store_path: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from medcite.review import EditorialStore
    from medcite.serve.app import create_app
    from medcite.serve.deps import Services
    from medcite.serve.limits import Limits
    from medcite.settings import Settings

    settings = Settings.for_home(small_store_path.parent, f"sqlite:///{small_store_path}")
    svc = Services(settings=settings, articles=EditorialStore.open(f"sqlite:///{tmp_path / 'ed.db'}"),
                   limits=Limits(max_body=16 * 1024, ask_per_minute=600, ask_burst=100), public=True)
    try:
        with TestClient(create_app(services=svc)) as client:
            for patient, words in (("45-50 kg", "'45-50 kg' is a range"), ("-5 kg", "negative"),
                                   ("age 150", "not a plausible age")):
                r = client.post("/api/ask", json={"question": DOSE_Q, "patient": patient})
                assert r.status_code == 422, r.text
                assert "patient" in r.json()["error"] and words in r.json()["error"], r.json()
            r = client.post("/api/ask", json={"question": "vancomycin dose for a 70 kg adult", "patient": "80 kg"})
            assert r.status_code == 422 and "70 kg" in r.json()["error"], r.text
            assert svc.articles.list_articles() == []  # nothing was answered or saved
    finally:
        svc.close()


def test_ask_refuses_and_compose_never_computes(small_store: SQLiteStore, tmp_path: Path) -> None:
    from medcite.answering import ask
    from medcite.review import EditorialStore

    with pytest.raises(PatientError, match="range"):
        ask("haloperidol dose in children", small_store, patient="45-50 kg", save=False)
    # Found in the question: answered, the note recorded, no dose computed from it.
    answer = ask("haloperidol dose in children weighing 45-50 kg", small_store, save=False)
    assert answer.patient.weight_kg is None and "range" in " ".join(answer.patient.issues)
    for row in answer.dosing:
        assert "×" not in row.computed, row
    # A revision re-reads saved details it cannot change: answered, and still nothing computed.
    articles = EditorialStore.open(f"sqlite:///{tmp_path / 'editorial.db'}")  # not the shared store's
    try:
        first = ask("haloperidol dose in children", small_store, patient="8-year-old boy, 25 kg", articles=articles)
        again = ask(first.question, small_store, patient="45-50 kg", revise=first.id, articles=articles)
    finally:
        articles.close()
    assert again.id == first.id and again.patient.weight_kg is None
    assert all("×" not in row.computed for row in again.dosing)


def test_web_form_refuses_patient_details_it_cannot_use(serve_home: Path) -> None:
    import re

    from fastapi.testclient import TestClient

    from medcite.serve.app import create_app
    from medcite.serve.deps import Services
    from medcite.serve.limits import Limits
    from medcite.settings import Settings

    svc = Services.from_settings(Settings.from_env(serve_home), Limits(ask_per_minute=0))
    try:
        with TestClient(create_app(svc), headers={"accept": "text/html"}) as client:
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
            assert csrf
            before = len(svc.articles.list_articles())
            r = client.post("/ask", follow_redirects=False, data={
                "csrf": csrf.group(1), "question": DOSE_Q, "audience": "clinician", "patient": "45-50 kg"})
            assert r.status_code in (400, 422), r.status_code
            assert "&#39;45-50 kg&#39; is a range" in r.text or "&#x27;45-50 kg&#x27; is a range" in r.text, r.text
            assert len(svc.articles.list_articles()) == before  # nothing was answered or saved
    finally:
        svc.close()
