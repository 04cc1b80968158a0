"""A lead-in that announces the values it lists ("… below the following target levels:") may be
the bottom line, shown with its list nested under it, or not at all; a recommendation for women
planning a pregnancy is not one for a pregnant woman. Real summary from ../shared/data: NICE
diabetes in pregnancy (ngc:10691), whose target levels are stored one per passage."""

from __future__ import annotations

import pytest

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.compose.judge import announces_values
from medcite.store import SQLiteStore
from medcite.understand.populations import mismatch

store = ngc_fixture(("10691", "11244", "10307", "10643", "10781"), "pregnancy-diabetes")

QUESTIONS = [
    "What capillary plasma glucose targets are recommended for pregnant women with diabetes?",
    "28F T1DM, 20 wks pregnant, checking CBGs 4x/day. what glucose levels should she aim for?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_target_levels_come_with_the_sentence_that_lists_them(store: SQLiteStore, question: str) -> None:
    answer = ask(question, store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    bottom = answer.bottom_line[0]
    assert "below the following target levels" in bottom.text
    items = [k.text for k in bottom.children]
    assert any("Fasting: 5.3 mmol/litre" in t for t in items), items
    assert any("1 hour after meals: 7.8 mmol/litre" in t for t in items), items
    assert not answer.gaps, [g.text for g in answer.gaps]  # the list states the target


@pytest.mark.parametrize(("lead", "announces"), [
    ("Advise pregnant women to maintain their capillary plasma glucose below the following target levels, "
     "if these are achievable without causing problematic hypoglycaemia:", True),
    ("Clinicians should choose one of the following options:", True),
    ("In people with a confirmed diagnosis of AF of recent onset, offer oral anticoagulation if:", False),
    ("Consider intravenous magnesium sulfate for women between 30+0 and 33+6 weeks of pregnancy who are:", False),
    ("Patients suspected of having febrile neutropenia should undergo:", False),  # announces nothing it lists
])
def test_which_lead_ins_announce_what_they_list(lead: str, announces: bool) -> None:
    assert announces_values(lead) is announces


def test_an_item_followed_by_the_word_joining_it_to_the_next_is_an_item(store: SQLiteStore) -> None:
    # "Fasting: 5.3 mmol/litre\nand" is one passage of the list: an item, and the list goes on
    answer = ask(QUESTIONS[0], store, save=False)
    assert len(answer.bottom_line[0].children) == 3, [k.text for k in answer.bottom_line[0].children]


@pytest.mark.parametrize(("sentence", "other"), [
    ("Advise women with diabetes who are planning to become pregnant to aim for the same capillary plasma "
     "glucose target ranges as recommended for all people with type 1 diabetes.", True),
    ("Women planning a pregnancy should take folic acid.", True),
    ("Offer preconception counselling; during pregnancy offer retinal assessment.", False),
    ("Advise pregnant women with any form of diabetes to maintain their capillary plasma glucose below "
     "the following target levels:", False),
])
def test_planning_a_pregnancy_is_another_population_than_pregnancy(sentence: str, other: bool) -> None:
    assert mismatch(sentence, "pregnancy") is other


def test_a_guideline_for_another_population_gives_its_siblings_place(store: SQLiteStore) -> None:
    from dataclasses import replace

    from medcite.compose.build import _siblings
    from medcite.understand.concepts import Concept

    hits = list(store.passages_of("ngc:10691", limit=3))
    newborn = [replace(h, title="Guideline on perinatal encephalopathy on newborns.") for h in hits]
    found = [Concept("diabet", (frozenset({"diabet"}),), 1.0)]
    assert _siblings(store, hits, found, population="older adults")  # its own title: siblings read
    assert not _siblings(store, newborn, found, population="older adults")
