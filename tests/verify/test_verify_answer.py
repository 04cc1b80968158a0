"""verify_answer on answers citing real passages of the small store."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from medcite.errors import MissingExtra
from medcite.store import SQLiteStore
from medcite.types import Answer, DoseRow, Evidence, Hit, Reference, Statement, VerificationReport
from medcite.verify import Thresholds, verify_answer
from medcite.verify.facts import facts

Build = Callable[..., Answer]

GBS = "IVIg should be offered to treat GBS in adults (Level A)."
PLASMA = "IVIg combined with plasmapheresis should not be considered for treating GBS (Level B)."
HALO = "Haloperidol is not intended for children under 3 years old."
LIPITOR = "The recommended starting dose of LIPITOR is 10 or 20 mg once daily."
VIAGRA = "Sildenafil did not potentiate the hypotensive effect of alcohol in healthy volunteers."


def _claims(p: dict[str, Hit]) -> list[tuple[str, list[Hit]]]:
    return [(GBS, [p["ivig_gbs"]]), (PLASMA, [p["ivig_plasma"]]), (HALO, [p["halo_children"]]),
            (LIPITOR, [p["lipitor_start"]]), (VIAGRA, [p["viagra_alcohol"]])]


def _checks(report: VerificationReport) -> set[str]:
    return {i.check for i in (*report.unsupported, *report.dose_mismatches)}


def _row(**kw: Any) -> DoseRow:
    fields: dict[str, Any] = dict(drug="haloperidol", dose="0.5-2", unit="mg", frequency="twice daily",
                                  citation=0, passage_id=0,
                                  source_text="Moderate Symptomatology - 0.5 mg to 2 mg b.i.d. or t.i.d.")
    fields.update(kw)
    return DoseRow(**fields)


def test_supported_answer_passes(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    answer = build(_claims(passages), rows=[(_row(), passages["halo_adults"])],
                   gaps=(Statement(text="The indexed sources do not cover IVIg in children.", kind="gap"),))
    report = verify_answer(answer, store)
    assert report.passed, report
    assert report.statements_checked == 5
    assert report.citations_checked == 6
    assert report.thresholds == {"lexical_min": Thresholds().lexical_min}
    assert not (report.unsupported or report.dose_mismatches or report.dangling_citations
                or report.uncited_references)
    # Attachable to the answer as its verification.
    assert answer.model_copy(update={"verification": report}).verification.passed


def test_dangling_citation_in_text(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    claims = _claims(passages)
    claims[0] = (GBS + " [5]", claims[0][1])
    answer = build(claims)
    assert len(answer.references) == 4  # ngc:9085, two labels, viagra
    report = verify_answer(answer, store)
    assert report.dangling_citations == (5,)
    assert not report.passed


def test_dangling_citation_number(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    answer = build(_claims(passages))
    s = answer.sections[0].statements[0]
    bad = s.model_copy(update={"citations": (1, 7), "passage_ids": (*s.passage_ids, 173)})
    answer = answer.model_copy(update={"sections": (answer.sections[0].model_copy(
        update={"statements": (bad, *answer.sections[0].statements[1:])}),)})
    report = verify_answer(answer, store)
    assert report.dangling_citations == (7,)
    assert not report.passed


def test_uncited_reference(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    answer = build(_claims(passages))
    extra = Reference(number=5, doc_id="pmid:1", source_type="research", label="Research", title="x")
    report = verify_answer(answer.model_copy(update={"references": (*answer.references, extra)}), store)
    assert report.uncited_references == (5,)
    assert not report.passed


def test_passage_not_in_index(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    ghost = Hit(doc_id=passages["ivig_gbs"].doc_id, passage_id=10**9, source_type="guideline", title="",
                year=None, section="", text=GBS, score=0.0)
    report = verify_answer(build([(GBS, [ghost])]), store)
    assert [i.check for i in report.unsupported] == ["passage_missing"]
    issue = report.unsupported[0]
    assert "not in the index" in issue.message and issue.statement == GBS and issue.citation == 1
    assert not report.passed


@pytest.mark.parametrize(("text", "key", "check"), [
    (GBS.replace("should be", "should not be"), "ivig_gbs", "negation_mismatch"),
    (PLASMA.replace("should not be", "should be"), "ivig_plasma", "negation_mismatch"),
    (HALO.replace("3 years", "5 years"), "halo_children", "number_mismatch"),
    (HALO.replace("Haloperidol", "Risperidone"), "halo_children", "drug_mismatch"),
    (GBS.replace("adults", "children"), "ivig_gbs", "population_mismatch"),
    (LIPITOR.replace("20 mg", "20 g"), "lipitor_start", "dose_mismatch"),
    (GBS, "lipitor_start", "lexical_support"),  # a citation to an unrelated passage
    ("Plasmapheresis cures every adult with GBS within 2 days.", "ivig_gbs", "lexical_support"),
])
def test_unsupported_claims(text: str, key: str, check: str, build: Build, passages: dict[str, Hit],
                            store: SQLiteStore) -> None:
    report = verify_answer(build([(text, [passages[key]])]), store)
    assert check in _checks(report), report
    issues = [i for i in (*report.unsupported, *report.dose_mismatches) if i.check == check]
    assert issues[0].statement == text and issues[0].citation == 1 and issues[0].message
    assert not report.passed


def test_answer_copies_of_passages_are_not_trusted(build: Build, passages: dict[str, Hit],
                                                   store: SQLiteStore) -> None:
    fabricated = "IVIg should be offered to treat relapses of multiple sclerosis."
    answer = build([(fabricated, [passages["ivig_gbs"]])])
    forged = tuple(e.model_copy(update={"text": fabricated}) for e in answer.evidence)
    report = verify_answer(answer.model_copy(update={"evidence": forged}), store)
    assert _checks(report) == {"lexical_support"}
    assert not report.passed


def test_every_citation_must_support_its_sentence(build: Build, passages: dict[str, Hit],
                                                  store: SQLiteStore) -> None:
    report = verify_answer(build([(GBS, [passages["ivig_gbs"], passages["lipitor_start"]])]), store)
    assert not report.passed
    assert {i.citation for i in report.unsupported} == {2}


def test_citation_no_marker_places_is_checked(build: Build, passages: dict[str, Hit],
                                              store: SQLiteStore) -> None:
    report = verify_answer(build([(GBS + " [1]", [passages["ivig_gbs"], passages["lipitor_start"]])]), store)
    assert {i.citation for i in report.unsupported} == {2}
    assert "lexical_support" in _checks(report)


def test_inline_markers_split_a_statement(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    peds = passages["lipitor_peds"]
    # The same label text ships in two documents: cite the one that is not the first's.
    adults = next(h for h in store.search(f'"{LIPITOR[:-1]}"', k=5) if h.doc_id != peds.doc_id)
    text = ("Sources differ: the recommended starting dose of LIPITOR is 10 mg/day [1] vs the recommended "
            "starting dose of LIPITOR is 10 or 20 mg once daily [2].")
    answer = build([(text, [peds, adults])])
    report = verify_answer(answer, store)
    assert report.passed, report
    assert report.conflicts == (text,)
    swapped = text.replace("[1]", "[x]").replace("[2]", "[1]").replace("[x]", "[2]")
    report = verify_answer(build([(swapped, [peds, adults])]), store)
    assert not report.passed
    assert "dose_mismatch" in _checks(report)


def test_structural_citation_errors(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    answer = build(_claims(passages))
    # Parallel lists of different lengths.
    s = answer.sections[0].statements[0].model_copy(update={"passage_ids": ()})
    broken = answer.model_copy(update={"sections": (answer.sections[0].model_copy(
        update={"statements": (s, *answer.sections[0].statements[1:])}),)})
    assert "citation_mismatch" in _checks(verify_answer(broken, store))
    # Evidence whose document is not the reference's.
    wrong = (Evidence(reference=1, passage_id=passages["ivig_gbs"].passage_id, doc_id="pmid:1", section="",
                      text=""), *answer.evidence[1:])
    assert "evidence_mismatch" in _checks(verify_answer(answer.model_copy(update={"evidence": wrong}), store))
    # A passage of another document than the reference it is cited under.
    claims = _claims(passages)
    moved = build(claims)
    ev = tuple(e.model_copy(update={"passage_id": passages["lipitor_start"].passage_id})
               if e.reference == 1 else e for e in moved.evidence)
    s0 = moved.sections[0].statements[0].model_copy(update={"passage_ids": (passages["lipitor_start"].passage_id,)})
    moved = moved.model_copy(update={"evidence": ev, "sections": (moved.sections[0].model_copy(
        update={"statements": (s0, *moved.sections[0].statements[1:])}),)})
    assert "evidence_mismatch" in _checks(verify_answer(moved, store))


def test_references_numbered_in_order_of_first_citation(build: Build, passages: dict[str, Hit],
                                                        store: SQLiteStore) -> None:
    answer = build(_claims(passages))
    swap = {1: 2, 2: 1, 3: 3, 4: 4}

    def renumber(s: Statement) -> Statement:
        return s.model_copy(update={"citations": tuple(swap[n] for n in s.citations)})

    swapped = answer.model_copy(update={
        "sections": (answer.sections[0].model_copy(
            update={"statements": tuple(renumber(s) for s in answer.sections[0].statements)}),),
        "references": tuple(sorted((r.model_copy(update={"number": swap[r.number]}) for r in answer.references),
                                   key=lambda r: r.number)),
        "evidence": tuple(e.model_copy(update={"reference": swap[e.reference]}) for e in answer.evidence),
    })
    report = verify_answer(swapped, store)
    assert [i.check for i in report.unsupported] == ["reference_order"]
    assert not report.passed


def test_dose_rows(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    adults = passages["halo_adults"]
    good = verify_answer(build([], rows=[(_row(), adults)]), store)
    assert good.passed, good
    wrong_unit = verify_answer(build([], rows=[(_row(unit="g"), adults)]), store)
    assert [i.check for i in wrong_unit.dose_mismatches] == ["dose_mismatch"]
    assert wrong_unit.dose_mismatches[0].statement == _row().source_text
    wrong_cap = verify_answer(build([], rows=[(_row(cap="50 mg"), adults)]), store)
    assert [i.check for i in wrong_cap.dose_mismatches] == ["dose_mismatch"]
    other = verify_answer(build([], rows=[(_row(), passages["halo_children"])]), store)
    assert {i.check for i in other.dose_mismatches} == {"dose_mismatch", "dose_source"}


def test_leads_and_gaps(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    answer = build(_claims(passages))
    lead = Statement(text="Options include:", kind="lead", children=answer.sections[0].statements)
    gap = Statement(text="No indexed source covers dosing in pregnancy.", kind="gap")
    ok = answer.model_copy(update={"sections": (answer.sections[0].model_copy(update={"statements": (lead,)}),),
                                   "gaps": (gap,)})
    assert verify_answer(ok, store).passed
    named = lead.model_copy(update={"text": "Sources differ on the dose of 5-FU:"})
    conflict = verify_answer(ok.model_copy(update={"sections": (ok.sections[0].model_copy(
        update={"statements": (named,)}),)}), store)
    assert conflict.passed and conflict.conflicts == ("Sources differ on the dose of 5-FU:",)
    dosed = lead.model_copy(update={"text": "Give 2 g/kg over 5 days:"})
    bad = ok.model_copy(update={"sections": (ok.sections[0].model_copy(update={"statements": (dosed,)}),)})
    report = verify_answer(bad, store)
    assert [i.check for i in report.unsupported] == ["uncited_claim"]
    assert report.statements_checked == 6


def test_fifteen_statements_verify_fast(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    claims = _claims(passages) * 3
    answer = build(claims[:15])
    verify_answer(answer, store)  # loads the drug lexicon once per process
    timings = []
    for _ in range(3):
        facts.cache_clear()  # cold: every passage and statement analysed again
        t = time.perf_counter()
        report = verify_answer(answer, store)
        timings.append(time.perf_counter() - t)
    assert report.statements_checked == 15
    assert min(timings) < 0.050, timings


def test_embedding_similarity_is_checked(build: Build, passages: dict[str, Hit], store: SQLiteStore) -> None:
    try:
        from medcite.retrieve.embed import get_embedder

        embedder = get_embedder()
    except (MissingExtra, ValueError) as exc:
        pytest.skip(f"no embedder: {exc}")
    answer = build(_claims(passages))
    report = verify_answer(answer, store, embedder=embedder)
    assert report.passed, report
    assert set(report.thresholds) == {"lexical_min", "embedding_min"}
    strict = verify_answer(answer, store, embedder=embedder, thresholds=Thresholds(embedding_min=0.999))
    assert "embedding_support" in _checks(strict)
