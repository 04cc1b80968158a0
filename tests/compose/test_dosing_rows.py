"""The dosing table takes doses to give, not doses a trial studied."""

from __future__ import annotations

from medcite.compose.dosing import _REPORTS_STUDY


def test_trial_reports_are_not_dosing_instructions() -> None:
    assert _REPORTS_STUDY.search("Cure rates of 91% were achieved in a randomised double blind trial of "
                                 "erythromycin 500 mg three times daily for 7 days")
    assert _REPORTS_STUDY.search("In the phase III study, patients received 10 mg/kg every 2 weeks.")
    assert not _REPORTS_STUDY.search("Erythromycin base 500 mg orally four times a day for 7 days (Ib, B/A).")
    assert not _REPORTS_STUDY.search("The recommended starting dose is 10 mg once daily.")


def test_a_label_dose_table_row_gives_a_row_not_a_bullet() -> None:
    from medcite.clinical.sentences import is_fragment
    from medcite.compose.dosing import rows
    from medcite.compose.select import candidates
    from medcite.types import Hit, PatientContext
    from medcite.understand.concepts import Concept

    # The Triaminic label (spl:00f66f25-…), "Directions" as indexed.
    text = ("• find the right dose on chart below.\nAge | Dose\nchildren under 4 years of age | do not use\n"
            "children 6 to under 12 years of age | 2 teaspoonfuls (10 mL)")
    hit = Hit("spl:00f66f25-3469-4c16-9baf-fba21e9628bd", 10, "label",
              "TRIAMINIC (Diphenhydramine HCl, Phenylephrine HCl) syrup", 2011, "Directions", text, 1.0)
    found = [Concept("diphenhydramine", (frozenset({"diphenhydramin"}),), 1.0)]
    cands = [c for c in candidates([hit], found) if "|" in c.text]
    assert [c.text for c in cands] == ["children 6 to under 12 years of age | 2 teaspoonfuls (10 mL)"]
    assert is_fragment(cands[0].text)  # never a bullet
    table = rows(cands, PatientContext(), "")
    assert [(r.dose.drug, r.dose.low, r.dose.unit) for r in table] == [("diphenhydramine", 10.0, "mL")]
