"""The dosing table takes doses to give, not doses a trial studied."""

from __future__ import annotations

from medcite.compose.dosing import _REPORTS_STUDY


def test_trial_reports_are_not_dosing_instructions() -> None:
    assert _REPORTS_STUDY.search("Cure rates of 91% were achieved in a randomised double blind trial of "
                                 "erythromycin 500 mg three times daily for 7 days")
    assert _REPORTS_STUDY.search("In the phase III study, patients received 10 mg/kg every 2 weeks.")
    assert not _REPORTS_STUDY.search("Erythromycin base 500 mg orally four times a day for 7 days (Ib, B/A).")
    assert not _REPORTS_STUDY.search("The recommended starting dose is 10 mg once daily.")
