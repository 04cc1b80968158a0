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
    [concept] = concepts(analyze(asked), None, lambda term: 3.0)
    assert concept.covered_by(frozenset(analyze(sentence)))
