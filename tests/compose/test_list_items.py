"""A chosen sentence that introduces a list brings the list, nested under it."""

from __future__ import annotations

from medcite.compose.judge import list_items
from medcite.compose.select import candidates
from medcite.types import Hit
from medcite.understand.concepts import Concept

# NICE NG3 (ngc:10691), as the archive flattens it.
PASSAGE = ("Advise pregnant women with any form of diabetes to maintain their capillary plasma glucose below the "
           "following target levels, if these are achievable without causing problematic hypoglycaemia:\n\n"
           "Fasting: 5.3 mmol/litre\n\nand\n\n1 hour after meals: 7.8 mmol/litre or\n\n"
           "2 hours after meals: 6.4 mmol/litre\n\nAdvise pregnant women with diabetes to test their glucose "
           "levels daily during pregnancy.")


def _hit(text: str) -> Hit:
    return Hit("ngc:10691", 1, "guideline", "Diabetes in pregnancy", 2015, "Target blood glucose", text, 1.0)


def test_the_list_follows_its_lead_in() -> None:
    found = [Concept("glucose", (frozenset({"glucos"}),), 1.0), Concept("pregnancy", (frozenset({"pregnant"}),), 1.0)]
    cands = candidates([_hit(PASSAGE)], found)
    lead = next(c for c in cands if c.text.endswith(":"))
    items = [c.text for c in list_items([lead], found)]
    assert items[:1] == ["Fasting: 5.3 mmol/litre"]
    assert any("7.8 mmol/litre" in t for t in items) and any("6.4 mmol/litre" in t for t in items)
    assert not any("test their glucose" in t for t in items)  # the next sentence is no item


def test_no_list_without_a_lead_in() -> None:
    found = [Concept("glucose", (frozenset({"glucos"}),), 1.0)]
    cands = candidates([_hit("Offer metformin to women with gestational diabetes. Fasting: 5.3 mmol/litre")], found)
    assert list_items([c for c in cands if c.words >= 5], found) == []


def test_what_may_not_be_a_bottom_line() -> None:
    from medcite.compose.judge import bottom_line_material

    for text in ("Research indicates that potassium supplementation reduced SBP by 3 mmHg.",
                 "Cure rates of 91% were achieved in a randomised double blind trial of erythromycin.",
                 "Following 14 daily doses of doxazosin, VIAGRA 100 mg or matching placebo was administered.",
                 "Also, Table 1 in the original guideline document provides ranges of values.",
                 "Check the list of NCI-supported cancer clinical trials that are now accepting patients.",
                 "The Committee considered that in determining the level of oxygen saturation that should be used "
                 "as a threshold for starting oxygen supplementation it was essential to consider the curve.",
                 "The Committee members agreed that suctioning should not be routinely performed.",
                 # an NGC summary's fields about a recommendation (ngc:9684)
                 "Risks, harms, cost: Initial antibiotic treatment: Adverse events attributable to antibiotics such "
                 "as diarrhea, rashes, and allergic reactions.",
                 "Value judgments: AOM is overdiagnosed, often without adequate visualization of the TM.",
                 # background: what risk factors there are (ngc:10684)
                 "Other risk factors include long-term exposure to immunosuppressive therapy, particularly the use of "
                 "methotrexate for autoimmune disease.",
                 "Intentional vagueness: The clinician must determine whether the patient is truly penicillin "
                 "allergic.",
                 # a grading statement split from its recommendation (ngc:10929)
                 "Strong recommendation against based on systematic review of RCTs and preponderance of harm over "
                 "benefit."):
        assert not bottom_line_material(text), text
    for text in ("Offer twice-daily insulin detemir as basal insulin therapy for adults with type 1 diabetes.",
                 "Evidence is insufficient to recommend for or against screening.",
                 "Stop metformin if the eGFR is below 30 ml/minute/1.73 m2.",
                 "The GDG recommends stopping the infusion of hypertonic saline (1D)."):
        assert bottom_line_material(text), text


# NICE CG178 (ngc:10280): a lead-in ending its passage, each item a passage of its own.
SEPARATE = ["Monitor and record the following regularly and systematically throughout treatment, but especially "
            "during titration:",
            "Response to treatment, including changes in symptoms and behaviour",
            "The emergence of movement disorders",
            "Weight, weekly for the first 6 weeks, then at 12 weeks, at 1 year and then annually (plotted on a chart)",
            "Pulse and blood pressure at 12 weeks, at 1 year and then annually",
            "Overall physical health [new 2014]",
            "The secondary care team should maintain responsibility for monitoring service users' physical health "
            "for at least the first 12 months. [new 2014]"]


def _passages(texts: list[str]) -> list[Hit]:
    return [Hit("ngc:10280", 100 + i, "guideline", "Psychosis and schizophrenia in adults", 2014,
                "How to Use Antipsychotic Medication", t, 1.0, ordinal=10 + i) for i, t in enumerate(texts)]


def test_a_list_stored_one_item_per_passage_is_shown_whole() -> None:
    found = [Concept("monitoring", (frozenset({"monitor"}),), 1.0)]
    hits = _passages(SEPARATE)
    lead = next(c for c in candidates(hits[:1], found) if c.is_lead)
    items = list_items([lead], found, limit=2, following=lambda h: hits[1:])
    # Every item up to the next sentence, those without a value too: a list is not cut.
    assert [c.text for c in items] == SEPARATE[1:6]
    assert all(c.under == hits[0].passage_id for c in items)
    assert [c.hit.passage_id for c in items] == [h.passage_id for h in hits[1:6]]


def test_a_list_that_may_go_on_unseen_is_left_out() -> None:
    found = [Concept("monitoring", (frozenset({"monitor"}),), 1.0)]
    lead_hit, *rest = _passages([SEPARATE[0], *(["Weight, weekly for the first 6 weeks"] * 13)])
    lead = next(c for c in candidates([lead_hit], found) if c.is_lead)
    assert list_items([lead], found, following=lambda h: rest) == []


def test_a_guideline_speaking_about_itself_is_no_bottom_line() -> None:
    from medcite.compose.judge import bottom_line_material

    for text in ("Clinicians applying these guidelines should, in consultation with the patient, use independent "
                 "medical judgment in the context of individual clinical circumstances to direct care.",
                 "[This recommendation is from the NICE guideline Dronedarone for the treatment of non-permanent "
                 "atrial fibrillation (NICE technology appraisal guidance 197).] [2010, amended 2012]",
                 "These guidelines are for the management of patients with febrile neutropenia.",
                 "Recommendations also are provided for emergency use of the Cu-IUD and emergency contraceptive pills "
                 "(ECPs).",
                 # CPIC CYP2C19 and clopidogrel (ngc:10006): a pointer back to what came before
                 "Of note, as described above, these recommendations apply predominantly to ACS patients undergoing "
                 "PCI.",
                 # EFNS CJD imaging (ngc:10450): a finding reported
                 "Marked cerebral hypometabolism on FDG-PET in the early stages of CJD, when no parenchymal "
                 "abnormalities are present on MRI, has been described.",
                 # ngc:11323: findings named by the sentence before it
                 "Any imaging decisions should be guided on those examination findings, rather than the symptom of "
                 "tinnitus.",
                 # AAOS pediatric femur fractures (ngc:10775): the editor's note before the recommendations
                 "Note from the American Academy of Orthopaedic Surgeons (AAOS): The following is a summary of the "
                 "recommendations in the AAOS' clinical practice guideline on the Treatment of Pediatric Diaphyseal "
                 "Femur Fractures."):
        assert not bottom_line_material(text), text
    assert bottom_line_material("The panel recommends treatment with anticoagulation for 3 months (Grade 1B).")
    assert bottom_line_material("Patients with these findings: fever, neck stiffness and rash should be admitted.")
    assert bottom_line_material("The GDG suggests repeating the above recommendations twice or until a target of "
                                "5 mmol/l increase in serum sodium concentration is achieved (2D).")


def test_a_result_or_a_sentence_leaning_on_another_is_no_bottom_line() -> None:
    from medcite.compose.judge import bottom_line_material

    for text in ("Similar significant reductions in BP were reported at six to 12 months when MNT was provided "
                 "at least monthly.",
                 "This approach may help to identify a patient population with an absolute risk for preeclampsia "
                 "of at least 8%.",
                 "Doctors use lab tests and imaging tests to diagnose it."):
        assert not bottom_line_material(text), text
    for text in ("It is recommended that aspirin be started at 12 weeks of gestation.",
                 "Thiazide-like diuretics are preferred to thiazide diuretics."):
        assert bottom_line_material(text), text


def test_a_question_an_outcome_or_a_reply_to_the_sentence_before_is_no_bottom_line() -> None:
    from medcite.compose.judge import bottom_line_material

    for text in ("In patients undergoing procedural sedation and analgesia in the ED, does the routine use of "
                 "capnography reduce the incidence of adverse respiratory events?",
                 "Prospective genotyping of c.1905+1G>A followed by a 50% dose reduction in heterozygous carriers "
                 "resulted in a rate of severe toxicity comparable to noncarriers.",
                 "However the APTIMA TV uses the same technology as testing for chlamydia and gonorrhoea.",
                 "Consequently, use of TAI in patients with acute LGI bleeding is a safe and relatively effective "
                 "treatment.",
                 "Not enough data are available on long-term harm, for instance on overdose.",
                 "As with any diagnostic test, there will be false-negative and false-positive results in the use "
                 "of natriuretic peptide testing."):
        assert not bottom_line_material(text), text
    for text in ("Is it safe? Offer aspirin 75 mg daily from 12 weeks.",
                 "Significant proteinuria should be defined as ≥0.3 g/d in a complete 24-hour urine collection."):
        assert bottom_line_material(text), text


def test_a_consideration_named_without_a_verb_is_no_bottom_line() -> None:
    from medcite.compose.judge import bottom_line_material

    # an item of ngc:9591's list of what to weigh when choosing a second agent (set K, session 11)
    assert not bottom_line_material("Avoidance of potential risks associated with the use of other agents (e.g., "
                                    "abdominal discomfort, bloating, loose stools with metformin; possible "
                                    "cardiovascular risks with sulfonylureas).")
    for text in ("Use of metformin is recommended as first-line therapy.",
                 "Initiation of insulin when HbA1c exceeds 9% despite two oral agents.",
                 "Ceftriaxone 250 mg IM in a single dose.",
                 "Discontinuation of prophylactic penicillin at age 5 in children without a splenectomy."):
        assert bottom_line_material(text), text


def test_a_sentence_that_tells_the_reader_what_to_do() -> None:
    from medcite.compose.judge import directs

    for text in ("Do not offer aspirin monotherapy solely for stroke prevention to people with AF.",
                 "The Task Force suggests that the diagnosis of PCOS in an adolescent girl be made based on "
                 "hyperandrogenism.",
                 "Offer a FeNO test to adults (aged 17 and over) if a diagnosis of asthma is being considered.",
                 "Serum uric acid must reach levels below 6.0 mg/dL (LE 1b; GR A).",
                 "The panel recommends against use of methadone in patients with a baseline QTc interval >500 ms.",
                 "Regard a FeNO level of 40 parts per billion (ppb) or more as a positive test.",
                 # SOGC GBS (ngc:10093)
                 "Manage all women who are <37 weeks' gestation and in labour or with rupture of membranes with "
                 "intravenous GBS antibiotic prophylaxis for a minimum of 48 hours.",
                 # AUA interstitial cystitis (ngc:10564): an option is a recommendation too
                 "Amitriptyline, cimetidine, hydroxyzine, or pentosan polysulfate may be administered as second-line "
                 "oral medications (listed in alphabetical order; no hierarchy is implied)."):
        assert directs(text), text
    for text in ("Tinidazole has a longer serum half-life and lower levels of resistance than metronidazole.",
                 "The evidence suggests that LNG-EC is ineffective if taken more than 96 hours after UPSI.",
                 "Diuretic resistance is defined as dose escalation beyond a previously recognised dose ceiling.",
                 "Management of pain in older adults is complex.",
                 "Symptoms may be worse at night."):
        assert not directs(text), text


def test_an_imperative_after_the_opening_clause_directs() -> None:
    from medcite.compose.judge import directs

    assert directs("When treating DKA with intravenous insulin in children and young people, use a soluble insulin "
                   "infusion at a dosage between 0.05 and 0.1 units/kg/hour.")
    assert directs("Taper the worker off of opioids by 6 weeks.")
    assert not directs("In patients with a normal ECG result, use of troponin I has a high negative predictive value.")


def test_a_sentence_leaning_on_the_one_before_is_no_bullet() -> None:
    from medcite.compose.judge import leans_on_previous

    # the Triaminic label (spl:00f66f25-…), after a list of warning signs
    assert leans_on_previous("These could be signs of a serious condition.")
    assert leans_on_previous("They should consult their healthcare professional if any of the symptoms listed occur.")
    for text in ("These patients should be offered a statin.", "It is recommended that children receive the vaccine.",
                 "This recommendation is from the NICE guideline.", "Those with CKD should avoid NSAIDs."):
        assert not leans_on_previous(text), text


def test_a_graded_option_keeps_its_grade() -> None:
    from medcite.compose.select import _GRADE

    assert _GRADE.search("… second-line oral medications. (Options; Evidence Strength - Grades B, B, C, and B)")
    assert _GRADE.search("High-pressure hydrodistension should not be offered. (Recommendation; Evidence Strength - "
                         "Grade C)")
    assert not _GRADE.search("Upgrades be made to the clinic.")
