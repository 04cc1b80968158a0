"""Two concepts of a question that name one thing ("TSB", total serum bilirubin, and "bilirubin")
count once for what a sentence is about: "Stop phototherapy once serum bilirubin has fallen …"
(the neonatal hyperbilirubinemia guideline, ngc:11346) is about the TSB the question asks about."""

from __future__ import annotations

import pytest

from medcite.compose.build import covered_concepts
from medcite.understand.concepts import Concept

TSB = Concept("TSB", (frozenset({"tsb"}), frozenset({"total", "serum", "bilirubin"})), 18.5)
BILIRUBIN = Concept("bilirubin", (frozenset({"bilirubin"}),), 13.8)
LMWH = Concept("LMWH", (frozenset({"lmwh"}), frozenset({"low", "molecular", "weight", "heparin"})), 12.0)
HEPARIN = Concept("heparin", (frozenset({"heparin"}),), 8.0)
DVT = Concept("DVT", (frozenset({"dvt"}), frozenset({"deep", "vein", "thrombosi"})), 12.0)


@pytest.mark.parametrize(("concepts", "terms", "said"), [
    # "Stop phototherapy once serum bilirubin has fallen …"
    ([TSB, BILIRUBIN], {"stop", "phototherapi", "serum", "bilirubin"}, ["bilirubin", "TSB"]),
    ([TSB, BILIRUBIN], {"total", "serum", "bilirubin"}, ["TSB", "bilirubin"]),
    ([TSB], {"serum", "bilirubin"}, []),  # alone, a part of its name does not say it
    # a sentence on heparin is about a question on LMWH and heparin (relevance, not identity)
    ([LMWH, HEPARIN], {"heparin", "dose"}, ["heparin", "LMWH"]),
    ([LMWH], {"heparin"}, []),
    ([DVT, BILIRUBIN], {"bilirubin"}, ["bilirubin"]),  # unrelated concepts stay apart
])
def test_concepts_naming_one_thing_count_once(concepts: list[Concept], terms: set[str], said: list[str]) -> None:
    assert [c.label for c in covered_concepts(concepts, frozenset(terms))] == said
