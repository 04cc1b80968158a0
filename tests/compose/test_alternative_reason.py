"""An alternative asked for a reason is answered for that reason: a child whose amoxicillin
caused hives needs the guideline's sentence on amoxicillin allergy, not the regimen for a child
whose amoxicillin failed. Real summaries from ../shared/data: the AAP acute otitis media
guideline (ngc:9684) and an otitis media guideline that names the allergy (ngc:9909)."""

from __future__ import annotations

import pytest

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("9684", "9909"), "otitis")


@pytest.mark.parametrize("question", [
    "2yo with AOM. amoxicillin caused a rash last year - which antibiotic instead?",
    "Acute otitis media in a child allergic to amoxicillin: what is the alternative antibiotic?",
])
def test_an_allergy_gets_the_allergy_recommendation(store: SQLiteStore, question: str) -> None:
    answer = ask(question, store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    assert answer.bottom_line[0].text.startswith("In the event of allergy to amoxicillin, azithromycin")
