""""Not ready for trauma-focused therapy, wants a tablet. which med do I start?" asks for a drug:
the guideline's recommendation that names drugs answers it, not its psychotherapy recommendation.
Real summary from ../shared/data: the VA/DoD PTSD guideline (ngc:11238)."""

from __future__ import annotations

import pytest

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.clinical.drugs import names_a_drug
from medcite.compose.judge import recommends
from medcite.store import SQLiteStore
from medcite.understand.frame import understand

store = ngc_fixture(("11238",), "ptsd")

QUESTION = ("31M ex-army, PTSD after an IED blast 2 yrs ago, nightly nightmares, hypervigilance, avoidance, PCL-5 56, "
            "no bipolar or psychosis. not ready for trauma-focused therapy, wants a tablet. which med do I start?")


def test_the_recommendation_naming_drugs_answers_which_med(store: SQLiteStore) -> None:
    answer = ask(QUESTION, store, save=False)
    assert answer.bottom_line
    assert "recommends sertraline, paroxetine, fluoxetine, or venlafaxine" in answer.bottom_line[0].text


def test_which_med_asks_for_a_drug() -> None:
    assert understand(QUESTION).asks_for_drug
    assert not understand("31M PTSD after an IED blast, nightly nightmares. what do I start?").asks_for_drug


@pytest.mark.parametrize(("text", "names"), [
    ("The Work Group recommends sertraline, paroxetine, fluoxetine, or venlafaxine as monotherapy for PTSD.", True),
    ("Offer an SSRI.", True),
    ("The Work Group recommends an individual trauma-focused psychotherapy.", False),
])
def test_what_names_a_drug(text: str, names: bool) -> None:
    assert names_a_drug(text) is names


@pytest.mark.parametrize(("text", "positive"), [
    ("The Work Group recommends sertraline as monotherapy for PTSD for patients who choose not to engage in "
     "trauma-focused psychotherapy.", True),
    ("Aspirin is not recommended for stroke prevention.", False),
    ("We do not recommend routine screening.", False),
    ("Do not offer aspirin; anticoagulation is recommended.", False),
])
def test_a_not_in_a_clause_of_its_own_does_not_negate_a_recommendation(text: str, positive: bool) -> None:
    assert recommends(text, scoped=True) is positive
