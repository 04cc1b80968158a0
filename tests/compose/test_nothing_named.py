"""A bottom line names something the question names. In a food-allergy guideline every sentence
is "about" anaphylaxis through the document's title, and "Biopsies should be performed when the
patient has been treated for at least 6 weeks …" states a duration; it is still no answer to "how
long do I observe her?". Real summaries from ../shared/data: the EAACI food allergy guideline
(ngc:10562) and the EAACI anaphylaxis guideline (ngc:10561)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10561", "10562"), "anaphylaxis")


def test_a_sentence_naming_nothing_asked_is_no_bottom_line(store: SQLiteStore) -> None:
    answer = ask("ED: 22F peanut anaphylaxis with stridor + wheeze, settled after 2 IM adrenaline. "
                 "how long do I need to observe her?", store, save=False)
    assert not any("Biopsies" in s.text for s in answer.bottom_line)


def test_observing_is_monitoring() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["observ"], None, lambda t: 1.0)
    monitored = frozenset({"patient", "present", "respiratori", "compromis", "close", "monitor"})
    assert found[0].covered_by(monitored)


def test_urate_is_uric_acid() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["urat"], None, lambda t: 1.0)
    assert found[0].covered_by(frozenset({"serum", "uric", "acid", "must", "reach", "level"}))


def test_chronic_kidney_disease_is_a_labels_renal_impairment() -> None:
    from medcite.retrieve.query import expand
    from medcite.understand.concepts import concepts

    question = "CKD stage 4 (eGFR 22), starting atorvastatin - do I need to renally dose it?"
    found = concepts(["ckd"], expand(question), lambda t: 1.0)
    label = frozenset({"renal", "impair", "plasma", "concentr", "atorvastatin", "affect"})
    assert any(c.covered_by(label) for c in found), found


# with a third EAACI guideline (ngc:10563), so that "observe" is a word the index holds
eaaci = ngc_fixture(("10561", "10562", "10563"), "eaaci")


def test_a_sentence_sharing_only_the_asking_verb_is_no_bottom_line(eaaci: SQLiteStore) -> None:
    # "… the diagnostic elimination diet should be carefully monitored … over 2–4 weeks" says
    # "monitored" (observe) and nothing else of the question
    answer = ask("ED: 22F peanut anaphylaxis with stridor + wheeze, settled after 2 IM adrenaline. "
                 "how long do I need to observe her?", eaaci, save=False)
    assert not any("elimination diet" in s.text for s in answer.bottom_line), answer.bottom_line[0].text
    assert any("at least 6–8 h" in s.text for s in answer.bottom_line), answer.bottom_line


def test_an_evidence_gap_does_not_name_the_historys_drug(eaaci: SQLiteStore) -> None:
    from medcite.compose import build
    from medcite.retrieve.search import Retriever

    ctx = build._context("NICU: 39+2 wk boy, moderate encephalopathy, now day 2 of cooling on morphine. when is the "
                         "best time to get the brain MRI for prognosis?", "clinician", "", None, Retriever(eaaci), eaaci)
    assert build._gap_topic(ctx) == "this question"
    assert "morphine" not in build._no_bottom_line(ctx)
