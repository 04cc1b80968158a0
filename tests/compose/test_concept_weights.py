"""A rare word of the vignette's telling weighs less than what the question is about."""

from __future__ import annotations

from medcite.compose.build import OTHER_CAP, _concepts
from medcite.understand.frame import understand


def test_a_rare_word_of_the_telling_is_capped() -> None:
    frame = understand("23F, condom broke ~100 hrs ago, declines IUD. which emergency contraception?")
    rare = {"broke": 10.2, "condom": 7.3}
    weights = {c.label: c.weight for c in _concepts(frame, lambda t: rare.get(t, 5.1))}
    assert weights["condom"] <= OTHER_CAP
    assert "broke" not in weights and "declin" not in weights  # how it happened, no concept at all
    assert max(weights.values()) == weights["contracept emergenc"]


def test_a_concept_sharing_one_word_with_the_subject_but_more_with_the_history_is_not_the_subject() -> None:
    from medcite.compose.build import _history_terms, _names_subject
    from medcite.retrieve.scope import Scope, ScopeIndex

    others = [Scope(f"ngc:x{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ()) for i in range(400)]
    scopes = ScopeIndex([Scope("ngc:1", "guideline", "Type 2 diabetes", ("Type 2 diabetes mellitus",), "", ()),
                         Scope("ngc:2", "guideline", "PDN", ("Painful diabetic neuropathy",), "", ()), *others])
    frame = understand("58F type 2 diabetes mellitus, painful diabetic neuropathy. what first for the pain?",
                       scopes=scopes)
    found = {c.label: c for c in _concepts(frame, lambda t: 5.0)}
    strong, history = set(frame.subject_terms), _history_terms(frame)
    assert _names_subject(found["neuropathi"], strong, history) and _names_subject(found["pain"], strong, history)
    # "diabetes mellitus" shares "diabetic" with the neuropathy, "mellitus" with the history
    assert not _names_subject(found["diabet mellitus"], strong, history)


def test_a_drug_written_out_keeps_its_brands_beside_a_bedside_clipping() -> None:
    from medcite.understand.concepts import concepts

    # "atorva" is in the abbreviation table; "atorvastatin" typed in full is still matched by the
    # label's "LIPITOR" (sources never write the clipping).
    found = concepts(["atorvastatin"], None, lambda t: 1.0)
    assert any(frozenset({"lipitor"}) in c.forms for c in found), found
