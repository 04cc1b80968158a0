"""Faults found in session 20 on the benchmark's tuning half and on fresh vignettes, each mended
as a general rule:

- a sentence naming adults beside children ("For patients (adults and children) who have
  sustained a head injury … having warfarin treatment, perform a CT head scan within 8 hours")
  is about an adult patient, not about another population.
"""

from __future__ import annotations

import pytest

from medcite.understand.populations import speaks_of_others

_HEAD = ("For patients (adults and children) who have sustained a head injury with no other indications "
         "for a CT head scan and who are having warfarin treatment, perform a CT head scan within 8 hours "
         "of the injury.")


@pytest.mark.parametrize(("text", "own", "adult", "expected"), [
    (_HEAD, {"older adults"}, True, False),
    (_HEAD, {""}, True, False),  # an adult by age, no population asked
    # children alone are another population for an adult
    ("For children who have sustained a head injury, perform a CT cervical spine scan only if any "
     "of the following apply.", {"older adults"}, True, True),
    # a child is in "adults and children"
    (_HEAD, {"children"}, False, False),
    # pregnancy named beside adults is still another population for a man of 70
    ("In pregnant adults with asthma, continue inhaled corticosteroids.", {"older adults"}, True, True),
    # no adult patient: children named beside adults stay another population
    ("Adults and children with sickle cell disease should receive penicillin.", {"pregnancy"}, False, True),
])
def test_a_sentence_naming_adults_beside_children_includes_an_adult(text, own, adult, expected):
    assert speaks_of_others(text, own, adult=adult) is expected
