"""Evidence levels from real MEDLINE publication-type strings."""

from __future__ import annotations

import pytest

from medcite.sources.base import evidence_level

# (publication types as PubMed lists them, expected level)
CASES = [
    (["Journal Article", "Randomized Controlled Trial"], "rct"),
    (["Clinical Trial, Phase III", "Comparative Study", "Journal Article", "Multicenter Study",
      "Randomized Controlled Trial", "Research Support, Non-U.S. Gov't"], "rct"),
    (["Practice Guideline"], "guideline"),
    (["Guideline", "Journal Article"], "guideline"),
    (["Consensus Development Conference", "Journal Article"], "guideline"),
    (["Meta-Analysis", "Review"], "meta_analysis"),
    (["Journal Article", "Systematic Review"], "systematic_review"),
    (["Journal Article", "Observational Study", "Research Support, N.I.H., Extramural"], "observational"),
    (["Case Reports"], "case_report"),
    (["Case Reports", "Journal Article", "Review"], "case_report"),
    (["Review"], "review"),
    (["Journal Article", "Review"], "review"),
    (["Journal Article"], "other"),
    (["Journal Article", "Research Support, Non-U.S. Gov't"], "other"),
    (["Editorial"], "other"),
    ([], "other"),
]


@pytest.mark.parametrize(("pub_types", "level"), CASES)
def test_evidence_level(pub_types: list[str], level: str) -> None:
    assert evidence_level(pub_types) == level
