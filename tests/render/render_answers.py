"""Hand-built answers for the renderer tests: a realistic GBS answer, a hostile one, an abstention."""

from __future__ import annotations

from medcite.types import (
    Answer,
    DoseRow,
    Evidence,
    PatientContext,
    Reference,
    Section,
    Statement,
    VerificationReport,
)

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'

REFS = (
    Reference(number=1, doc_id="ngc:9085", source_type="guideline", label="Guideline",
              title="Evidence-based guideline: intravenous immunoglobulin in the treatment of "
                    "neuromuscular disorders",
              issuer="American Academy of Neurology", year=2012, identifier="NGC 9085"),
    Reference(number=2, doc_id="pubmed:12345678", source_type="research", label="Research",
              title="Plasma exchange versus intravenous immunoglobulin in Guillain-Barré syndrome",
              venue="Neurology", year=2021, authors=("Hughes RA", "Swan AV"), identifier="PMID 12345678"),
    Reference(number=3, doc_id="spl:608d4f0d", source_type="label", label="FDA Drug Label",
              title="GAMUNEX-C (immune globulin injection [human], 10%)", issuer="Grifols",
              pub_date="2013-09-30", identifier="SPL set id 608d4f0d-1234-4bcd-9abc-0123456789ab",
              url="https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=608d4f0d-1234-4bcd-9abc-0123456789ab"),
    Reference(number=4, doc_id="medlineplus:gbs", source_type="consumer", label="Consumer Health",
              title="Guillain-Barré syndrome", issuer="MedlinePlus", year=2024,
              url="https://medlineplus.gov/guillainbarresyndrome.html"),
)


def _ev(ref: int, pid: int, before: str, quote: str, after: str = "") -> Evidence:
    text = before + quote + after
    return Evidence(reference=ref, passage_id=pid, doc_id=REFS[ref - 1].doc_id, section="Recommendations",
                    text=text, quote_start=len(before), quote_end=len(before) + len(quote))


def gbs_answer() -> Answer:
    grandchild = Statement(text="Treatment should start within 2 weeks of symptom onset.",
                           citations=(2,), passage_ids=(22,))
    ivig = Statement(text="IVIg 0.4 g/kg daily for 5 days is as effective as plasma exchange.",
                     citations=(1, 2), passage_ids=(11, 21), children=(grandchild,),
                     glosses=(("IVIg", "antibodies from donated blood, given into a vein"),))
    plex = Statement(text="Plasma exchange is an alternative when IVIg is unavailable.",
                     citations=(2,), passage_ids=(21,))
    return Answer(
        id="a-gbs-1",
        question="How should Guillain-Barré syndrome be treated in adults?",
        title="Treatment of Guillain-Barré Syndrome in Adults",
        patient=PatientContext(raw="70 kg adult", weight_kg=70),
        bottom_line=(Statement(text="IVIg should be offered to treat GBS in adults (Level A).",
                               citations=(1,), passage_ids=(11,), grade="Level A"),),
        sections=(
            Section(key="initial", title="Initial management", statements=(
                Statement(text="Options include:", kind="lead", children=(ivig, plex)),
                Statement(text="Corticosteroids alone are not recommended.", citations=(1,),
                          passage_ids=(12,), grade="Level B"),
            )),
            Section(key="dosing", title="Dosing", statements=(
                Statement(text="IVIg is dosed by body weight.", citations=(3,), passage_ids=(31,)),
            )),
            Section(key="pitfalls", title="Pitfalls and prognosis", statements=(
                Statement(text="Most people recover, although weakness can last for months.",
                          citations=(4,), passage_ids=(41,)),
            )),
        ),
        dosing=(
            DoseRow(drug="IVIg", dose="0.4", unit="g/kg", frequency="daily", route="IV",
                    duration="5 days", population="adults", citation=3, passage_id=31,
                    source_text="The recommended dose is 0.4 g/kg daily for 5 days.",
                    computed="28 g (70 kg x 0.4 g/kg)"),
            DoseRow(drug="IVIg", dose="2", unit="g/kg", frequency="total over 5 days", route="IV",
                    population="adults", citation=1, passage_id=11,
                    source_text="A total dose of 2 g/kg is given over 5 days."),
        ),
        gaps=(Statement(text="The indexed sources found say nothing specific to pregnancy on this question.", kind="gap"),),
        references=REFS,
        evidence=(
            _ev(1, 11, "In adults with GBS, ", "IVIg is as effective as plasmapheresis", " (Level A)."),
            _ev(1, 12, "", "Corticosteroids alone should not be used."),
            _ev(2, 21, "Results: ", "plasma exchange and IVIg had similar outcomes", "."),
            _ev(2, 22, "", "Benefit was seen when treatment began within 2 weeks."),
            _ev(3, 31, "Dosage: ", "0.4 g/kg daily for 5 days", "."),
            _ev(4, 41, "", "Most people recover from GBS."),
        ),
        follow_ups=("What if the patient is pregnant?",),
        verification=VerificationReport(passed=True, statements_checked=7, citations_checked=9),
        status="Submitted",
        updated="2026-10-07T09:30:00+00:00",
    )


def hostile_answer() -> Answer:
    """Markup, script and javascript: URLs everywhere text from a question or a source can go."""
    base = gbs_answer()
    refs = (
        base.references[0].model_copy(update={"title": f"Guideline {HOSTILE}", "issuer": HOSTILE_ATTR,
                                              "url": "javascript:alert(1)"}),
        base.references[1].model_copy(update={"title": f"Trial {HOSTILE_ATTR}",
                                              "url": "https://example.org/a\"onmouseover=alert(1)"}),
        base.references[2].model_copy(update={"url": " JaVaScRiPt:alert(1)"}),
        base.references[3].model_copy(update={"url": "data:text/html,<script>alert(1)</script>"}),
    )
    sections = (
        Section(key=HOSTILE_ATTR, title=f"Section {HOSTILE}", statements=(
            Statement(text=f"Lead {HOSTILE_ATTR}", kind="lead", children=(
                Statement(text=f"Child {HOSTILE} [5]", citations=(1,), passage_ids=(11,)),
            )),
            Statement(text="[evil](javascript:alert(1)) and ![x](http://x/y.png) <b>bold</b>",
                      citations=(2,), passage_ids=(21,)),
        )),
    )
    shift = len(HOSTILE_ATTR) + 1
    evidence = tuple(ev.model_copy(update={"text": f"{HOSTILE_ATTR} {ev.text} {HOSTILE}",
                                           "quote_start": ev.quote_start + shift,
                                           "quote_end": ev.quote_end + shift})
                     for ev in base.evidence)
    # One quote that is hostile itself, for the highlighted <mark> and the hover attribute.
    evidence = (evidence[0].model_copy(update={"quote_start": 0, "quote_end": len(evidence[0].text)}),
                *evidence[1:])
    return base.model_copy(update={
        "question": HOSTILE, "title": HOSTILE_ATTR, "references": refs, "sections": sections,
        "evidence": evidence, "follow_ups": (HOSTILE,), "disclaimer": HOSTILE,
        "dosing": (base.dosing[0].model_copy(update={"drug": "IVIg | <b>x</b>",
                                                      "source_text": HOSTILE_ATTR}),),
    })


def abstained_answer() -> Answer:
    return Answer(
        id="a-abstain",
        question="Is drug X safe in pregnancy?",
        title="Drug X in Pregnancy",
        abstained=True,
        bottom_line=(Statement(text="The indexed sources do not say whether drug X is safe in pregnancy.",
                               kind="gap"),),
        nearest=(REFS[1], REFS[3]),
        verification=VerificationReport(passed=True),
        updated="2026-10-07",
    )
