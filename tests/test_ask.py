"""End to end: ``ask()`` on a store built from the real data, every answer verified."""

from __future__ import annotations

import json

import pytest

from medcite.answering import ask
from medcite.errors import MedciteError
from medcite.render import render
from medcite.review import EditorialStore
from medcite.types import Answer

GBS = "What is the treatment for adults with Guillain-Barré syndrome?"


def _claims(answer: Answer) -> list[str]:
    return [s.text for s in answer.statements() if s.kind == "claim"]


def _assert_verified(answer: Answer) -> None:
    report = answer.verification
    assert report.passed, report
    assert not report.dangling_citations and not report.uncited_references and not report.unsupported
    numbers = {r.number for r in answer.references}
    assert numbers == set(range(1, len(numbers) + 1))
    for s in answer.statements():
        if s.kind == "claim":
            assert s.citations and set(s.citations) <= numbers, s


def test_gbs_bottom_line_recommends_ivig_citing_the_aan_guideline(small_store) -> None:
    answer = ask(GBS, small_store)
    _assert_verified(answer)
    assert not answer.abstained
    bottom = " ".join(s.text for s in answer.bottom_line)
    assert "IVIg" in bottom or "plasmapheresis" in bottom.lower()
    cited = {answer.references[n - 1].doc_id for s in answer.bottom_line for n in s.citations}
    assert "ngc:9085" in cited
    ref = next(r for r in answer.references if r.doc_id == "ngc:9085")
    assert ref.label == "Guideline" and "American Academy of Neurology" in ref.issuer and ref.identifier.startswith("NGC 9085")
    assert "Level A" in bottom
    assert answer.status == "Submitted" and answer.created and answer.disclaimer
    articles = EditorialStore.open(f"sqlite:///{small_store.path}")
    try:
        assert articles.get_answer(answer.id) == answer
        assert articles.article(answer.id).version == 1
        assert articles.sources(answer.id).keys() == {r.doc_id for r in answer.references}
    finally:
        articles.close()


def test_every_claim_is_a_sentence_of_its_cited_passage(small_store) -> None:
    answer = ask(GBS, small_store, save=False)
    evidence = {e.passage_id: e for e in answer.evidence}
    for s in answer.statements():
        if s.kind != "claim":
            continue
        for pid in s.passage_ids:
            passage = small_store.passages_by_id([pid])[0]
            assert " ".join(s.text.split()) in " ".join(passage.text.split())
            assert pid in evidence


@pytest.mark.parametrize("question", [
    "What is the treatment for Zorblaxian fever?",
    "How do I rebuild a carburetor on a 1972 motorcycle?",
    "quantum chromodynamics lattice gauge theory",
])
def test_uncovered_questions_abstain_and_invent_nothing(small_store, question: str) -> None:
    answer = ask(question, small_store, save=False)
    assert answer.abstained
    assert not _claims(answer) and not answer.references and not answer.dosing
    # Either plainly not covered, or - when the question names a condition - which one.
    said = ("do not cover", "No indexed source addresses")
    assert any(p in answer.gaps[0].text for p in said)
    assert answer.verification.passed
    assert any(p in render(answer, "text") for p in said)


def test_an_uncovered_condition_is_named_in_the_opening_line(small_store) -> None:
    answer = ask("What is the treatment for Zorblaxian fever?", small_store, save=False)
    assert answer.abstained and not _claims(answer)
    assert answer.gaps[0].text.startswith("No indexed source addresses Zorblaxian fever.")


def test_pregnant_patient_gets_special_populations_or_a_stated_gap(small_store) -> None:
    answer = ask(GBS, small_store, patient="pregnant woman, 60 kg", save=False)
    _assert_verified(answer)
    assert answer.patient.pregnant and answer.patient.weight_kg == 60
    section = [sec for sec in answer.sections if sec.key == "populations"]
    assert section, [sec.key for sec in answer.sections]
    items = [x for s in section[0].statements for x in s.walk()]
    claims = [x for x in items if x.kind == "claim" and "pregnan" in x.text.lower()]
    gap = [x for x in items if x.kind == "gap" and "pregnancy" in x.text]
    # Either cited statements about pregnancy, or the section says the sources have none.
    assert bool(claims) != bool(gap)
    assert "Special populations" in render(answer, "md")


def test_label_question_reads_doses_and_pregnancy_warnings(small_store) -> None:
    answer = ask("What is the dose of adalimumab for rheumatoid arthritis?", small_store,
                 patient="32-year-old woman, 70 kg, pregnant", save=False)
    _assert_verified(answer)
    assert any(r.drug == "adalimumab" and r.dose == "40" and r.unit == "mg" for r in answer.dosing), answer.dosing
    pops = [s for s in answer.sections if s.key == "populations"]
    assert pops, [s.key for s in answer.sections]
    assert any(r.label == "FDA Drug Label" for r in answer.references)


def test_follow_up_keeps_the_topic(small_store) -> None:
    first = ask(GBS, small_store)
    follow = ask("and in pregnancy?", small_store, follow_up=first.id)
    assert follow.follow_up_of == first.id
    assert "Guillain-Barré" in follow.title and "pregnancy" in follow.title
    assert follow.patient.pregnant
    assert not follow.abstained
    _assert_verified(follow)


def test_follow_up_of_unknown_answer_is_a_clear_error(small_store) -> None:
    with pytest.raises(MedciteError, match="no answer with id"):
        ask("and in pregnancy?", small_store, follow_up="nope")


PARAPHRASES = [
    [GBS, "How should Guillain-Barré syndrome be treated in adults?",
     "Treatment of GBS in adults", "what is the best therapy for adult Guillain-Barre syndrome"],
    ["What is the dose of adalimumab for rheumatoid arthritis?", "Humira dosing in rheumatoid arthritis",
     "How much adalimumab should an adult with rheumatoid arthritis take?"],
]


@pytest.mark.parametrize("questions", PARAPHRASES)
def test_paraphrases_give_the_same_bottom_line_and_doses(small_store, questions: list[str]) -> None:
    answers = [ask(q, small_store, save=False) for q in questions]
    bottoms = {tuple(s.text for s in a.bottom_line) for a in answers}
    assert len(bottoms) == 1, bottoms
    doses = {frozenset((r.drug, r.dose, r.unit, r.frequency) for r in a.dosing) for a in answers}
    assert len(doses) == 1, doses


def test_patient_audience_prefers_consumer_pages_and_reports_readability(small_store) -> None:
    answer = ask(GBS, small_store, audience="patient", save=False)
    _assert_verified(answer)
    assert answer.readability_grade is not None
    labels = [answer.references[n - 1].label for s in answer.bottom_line for n in s.citations]
    assert "Consumer Health" in labels
    assert "not medical advice" in answer.disclaimer


@pytest.mark.parametrize("question", [
    '<script>alert(1)</script> GBS treatment', 'IVIg" OR 1=1 --', "NEAR(ivig gbs) AND *", "GBS " * 5000,
])
def test_hostile_questions_never_crash_and_render_escaped(small_store, question: str) -> None:
    answer = ask(question, small_store, save=False)
    html = render(answer, "html")
    assert "<script>alert(1)</script>" not in html


def test_empty_question_and_unknown_audience_are_errors(small_store) -> None:
    with pytest.raises(MedciteError):
        ask("   ", small_store)
    with pytest.raises(MedciteError, match="audience"):
        ask(GBS, small_store, audience="robot")


def test_cli_ask_json(small_store_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from medcite.serve.cli import app

    monkeypatch.setenv("MEDCITE_HOME", str(small_store_path.parent))
    result = CliRunner().invoke(app, ["ask", GBS, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verification"]["passed"] is True
    assert data["verification"]["dangling_citations"] == [] and data["verification"]["unsupported"] == []
    shown = CliRunner().invoke(app, ["answers", "show", data["id"], "--format", "text"])
    assert shown.exit_code == 0 and "Guillain" in shown.stdout


@pytest.mark.parametrize(("question", "name"), [
    # a plain lower-case word no passage holds, in a clause that names nothing indexed
    ("38M using kratom daily for 2 yrs, wants to stop - how do I manage kratom withdrawal?", "kratom"),
])
def test_an_uncovered_substance_written_in_lower_case_is_named(small_store, question: str, name: str) -> None:
    answer = ask(question, small_store, save=False)
    assert answer.abstained and not _claims(answer)
    assert answer.gaps[0].text.startswith(f"No indexed source addresses {name}.")


def test_bedside_spelling_beside_a_known_drug_is_not_taken_for_the_subject(small_store) -> None:
    # "tachypneic" occurs in no passage; the clause names furosemide, which is indexed
    answer = ask("4-month-old, 6 kg, dilated CM, tachypneic and wet on CXR. furosemide starting dose?",
                 small_store, save=False)
    assert not any(g.text.startswith("No indexed source addresses tachypneic") for g in answer.gaps)


def test_a_bottom_line_the_verifier_removes_leaves_a_stated_gap(small_store) -> None:
    from medcite.answering import _drop_rejected
    from medcite.types import Answer, Statement, VerificationIssue, VerificationReport

    bottom = Statement(text="Offer X to everyone [7].", citations=(1,), passage_ids=(1,))
    answer = Answer(id="a1", question="q", title="q", bottom_line=(bottom,))
    report = VerificationReport(passed=False, unsupported=(VerificationIssue(
        check="citation_mismatch", message="[7] is written in the text", statement=bottom.text, citation=7),))
    trimmed, _ = _drop_rejected(answer, report, small_store)
    assert not trimmed.bottom_line
    assert trimmed.gaps and "did not pass verification" in trimmed.gaps[0].text



def test_an_abbreviation_that_is_a_plain_word_in_the_index_is_read_as_what_it_stands_for(small_store) -> None:
    # The small store holds HUMIRA's instructions ("Do not remove the gray cap …"): there "CAP"
    # typed in a question is community-acquired pneumonia, not a word to search for.
    from medcite.compose.build import _ordinary
    from medcite.understand.frame import understand

    question = "72F CAP, CURB-65 1, being treated at home. which antibiotic and for how long?"
    read = understand(question, small_store, ordinary=_ordinary(small_store))
    assert "community-acquired pneumonia" in read.search_text.lower() and "CAP" not in read.search_text
    assert "CAP" in understand(question, small_store).search_text  # without the index's word
    assert not _ordinary(small_store)("IVIG")  # the GBS guideline writes IVIg, never "ivig" as a word
    answer = ask(question, small_store, save=False)
    assert "gray cap" not in " ".join(s.text for s in answer.statements()).lower()


def test_a_starting_dose_asked_of_a_drug_comes_first_from_a_document_that_names_it(small_store) -> None:
    from medcite.compose.build import _asked_drug_first, _context
    from medcite.retrieve.search import Retriever

    question = "CKD stage 4 (eGFR 22), 67M, LDL 160, starting atorvastatin - what dose to start?"
    retriever = Retriever(small_store)
    ctx = _context(question, "clinician", "", None, retriever, small_store)
    hits = retriever.search(question, k=30, snippets=False)
    label = next(h.doc_id for h in hits if h.source_type == "label" and "atorvastatin" in h.title.lower())
    other = next(h.doc_id for h in hits if h.source_type == "research" and "statin" not in h.title.lower())
    # the best-ranked document is one whose scope never names the drug
    ordered = [*(h for h in hits if h.doc_id == other), *(h for h in hits if h.doc_id != other)]
    assert _asked_drug_first(ordered, ctx, small_store)[0].doc_id == label
    # a question about something else keeps the retrieval order
    ctx = _context("CKD stage 4 on atorvastatin: what BP target?", "clinician", "", None, retriever, small_store)
    assert _asked_drug_first(ordered, ctx, small_store) == ordered
