"""A starting dose is the drug's: a sentence naming the one drug asked about answers "what dose do
I start at?" though it repeats none of the patient's conditions, and a class's abbreviation names
no drug ("SSRI" is no "serotonin"). Real summaries from ../shared/data: the CPIC guidelines for
CYP2C19 and SSRIs (ngc:10897) and for CYP2D6/CYP2C19 and tricyclics (ngc:11250), from the held-out
set L of session 11, whose first run opened with an amitriptyline sentence."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

QUESTION = ("psych clinic f/u: pt 41, F, MDD + GAD, PHQ-9 17, never been on an SSRI. PGx: CYP2C19 *2/*2 (poor "
            "metabolizer), 2D6 normal. she really wants escitalopram bc her sister did well on it. what dose do I start at?")


store = ngc_fixture(("10897", "11250"), "cpic")


def test_the_asked_drugs_dose_sentence_is_the_bottom_line(store: SQLiteStore) -> None:
    answer = ask(QUESTION, store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    assert "escitalopram" in answer.bottom_line[0].text and "Amitriptyline" not in answer.bottom_line[0].text


def test_a_class_abbreviation_names_no_drug() -> None:
    from medcite.understand.frame import understand

    assert understand(QUESTION).drugs == ("escitalopram",)



TACROLIMUS = "Transplant: 41M ESRD from FSGS, 80 kg, living-donor kidney tx tomorrow. what tacrolimus starting dose?"


# No tacrolimus dosing guideline: the VA/DoD chronic kidney disease guideline (its protein-diet
# sentence names end-stage renal disease), two with end-stage renal disease in their scope,
# KDOQI haemodialysis adequacy and the AASLD liver-transplant guideline (tacrolimus levels).
transplant = ngc_fixture(("10628", "8111", "8112", "10896", "9890"), "tacrolimus")


def test_a_dose_question_is_answered_only_by_a_sentence_on_that_drug(transplant: SQLiteStore) -> None:
    answer = ask(TACROLIMUS, transplant, save=False)
    assert not any("protein diet" in s.text for s in answer.bottom_line), answer.bottom_line[0].text
    assert any("starting dose" in g.text and "tacrolimus" in g.text for g in answer.gaps), answer.gaps


def test_ferrous_sulfate_names_iron() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["iron"], None, lambda t: 1.0)
    sentence = frozenset({"clinician", "consid", "prescrib", "ferrous", "sulfat", "325", "mg"})
    assert found[0].covered_by(sentence)
