"""A guideline's recommendation may end with a footnote letter and a grade holding brackets of its
own (WHO 2016 HIV and infant feeding, ngc:11090): it is still a sentence to choose."""

from __future__ import annotations

import pytest

from medcite.compose.select import ENDS_LIKE_A_SENTENCE, candidates
from medcite.types import Hit

WHO = ("Mothers living with HIV should breastfeed for at least 12 months and may continue breastfeeding for up to 24 "
       "months or longer (similar to the general population) while being fully supported for ART adherence (see the "
       "WHO consolidated guidelines on ARV drugs for interventions to optimize adherence).b (Strong recommendation, "
       "low quality of evidence [for 12 months] and very low quality of evidence [for 24 months])")


@pytest.mark.parametrize(("text", "ends"), [
    (WHO, True),
    ("Offer a FeNO test to adults. (Grade B)", True),
    ("The ratio of cases was high (Table 2)", False),
    ("treat (a) and (b", False),
])
def test_what_ends_like_a_sentence(text: str, ends: bool) -> None:
    assert bool(ENDS_LIKE_A_SENTENCE.search(text)) is ends


def test_the_recommendation_with_a_footnote_and_a_nested_grade_is_a_candidate() -> None:
    hit = Hit(passage_id=1, doc_id="ngc:11090", title="Updates on HIV and infant feeding", year=2016,
              section="Recommendation 1",
              text=WHO, score=1.0, source_type="guideline")
    assert [c.text[:41] for c in candidates([hit], [])] == ["Mothers living with HIV should breastfeed"]
