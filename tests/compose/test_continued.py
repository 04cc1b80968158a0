"""A sentence that only continues the one before it is offered together with it."""

from __future__ import annotations

from medcite.compose.select import candidates
from medcite.types import Hit
from medcite.understand.concepts import Concept

# CCS heart failure in children (ngc:10291), as indexed.
PASSAGE = ("A loop diuretic, such as furosemide, is recommended for patients with HF and signs and symptoms of "
           "congestion. An initial starting dose of 0.5-1 mg/kg intravenously or orally every 6-12 hours is safe "
           "and effective (Strong Recommendation, Moderate-Quality Evidence).")
FOUND = [Concept("furosemide", (frozenset({"furosemid"}),), 2.0)]


def _texts(text: str) -> list[str]:
    hit = Hit("ngc:10291", 1, "guideline", "Heart failure in children", 2013, "Acute therapy", text, 1.0)
    return [c.text for c in candidates([hit], FOUND)]


def test_the_dose_sentence_comes_with_the_drug_it_doses() -> None:
    texts = _texts(PASSAGE)
    assert any(t.startswith("A loop diuretic") and "0.5-1 mg/kg" in t for t in texts)
    # the single sentences stay candidates too
    assert any(t.startswith("An initial starting dose") for t in texts)


def test_unrelated_neighbours_are_not_joined() -> None:
    texts = _texts("Offer furosemide to children with congestion. Monitor electrolytes daily during treatment.")
    assert not any("congestion. Monitor" in t for t in texts)
