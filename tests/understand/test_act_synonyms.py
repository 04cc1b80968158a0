"""An act or a condition a question names is said by a sentence in its other words: "when should
phototherapy be discontinued?" is answered by "Stop phototherapy once serum bilirubin has fallen
…" (AAP hyperbilirubinemia, ngc:11346); "how do I wean it?" by a sentence on tapering."""

from __future__ import annotations

import pytest

from medcite.retrieve.analyze import analyze
from medcite.understand.concepts import concepts


@pytest.mark.parametrize(("asked", "sentence"), [
    ("discontinued", "Stop phototherapy once serum bilirubin has fallen to a level at least 3 mg/dL below the "
                     "phototherapy threshold."),
    ("stop", "Consider repeat TSB 24 hours after discontinuation of phototherapy."),
    ("wean", "Taper the dose gradually over 4 weeks."),
    # NICE IV fluids in children (ngc:10872): "how often should I check lytes and glucose?"
    ("check", "Measure blood glucose when starting IV fluids, and then at least every 24 hours."),
    # a condition under its other name: JNC 8's title (ngc:10397) for "72M, HTN … goal BP?"
    ("hypertension", "2014 evidence-based guideline for the management of high blood pressure in adults."),
])
def test_the_act_is_said_in_its_other_words(asked: str, sentence: str) -> None:
    found = concepts(analyze(asked), None, lambda term: 3.0)
    assert all(concept.covered_by(frozenset(analyze(sentence))) for concept in found), found


def test_a_major_depressive_episode_is_said_by_the_disorder_s_name() -> None:
    from medcite.understand.concepts import Concept, _with_other_wordings

    # as the question's concepts hold it (the phrase beside "depress", and its abbreviation)
    episode = _with_other_wordings(Concept("major depressive episode",
                                           (frozenset({"episod", "major"}), frozenset({"mde"})), 9.4))
    # APA major depressive disorder (ngc:8093), for "after remission of a first major depressive episode"
    title = "Practice guideline for the treatment of patients with major depressive disorder."
    assert episode.covered_by(frozenset(analyze(title)))


def test_the_test_and_its_record_are_one_concept() -> None:
    # "when should she get a surveillance echo?" and "An echocardiogram may be performed between 6
    # and 12 months after completion of cancer-directed therapy …" (ASCO, ngc:11179)
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.query import expand
    from medcite.understand.concepts import concepts

    question = "when should she get a surveillance echo?"
    found = concepts(analyze(question), expand(question), lambda t: 1.0)
    echo = next(c for c in found if c.label == "echo")
    assert echo.covered_by(frozenset(analyze("An echocardiogram may be performed between 6 and 12 months")))
