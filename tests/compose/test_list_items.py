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
                 "Check the list of NCI-supported cancer clinical trials that are now accepting patients."):
        assert not bottom_line_material(text), text
    for text in ("Offer twice-daily insulin detemir as basal insulin therapy for adults with type 1 diabetes.",
                 "Evidence is insufficient to recommend for or against screening.",
                 "Stop metformin if the eGFR is below 30 ml/minute/1.73 m2."):
        assert bottom_line_material(text), text
