"""Support checks on real guideline and label sentences against the passages they come from."""

from __future__ import annotations

import pytest

from medcite.types import Hit
from medcite.verify import Thresholds, assess, supports
from medcite.verify.facts import facts

FACT_CHECKS = {"number_mismatch", "unit_mismatch", "drug_mismatch", "negation_mismatch", "dose_mismatch"}

# (sentence, passage key): supported extracts, whole or trimmed.
SUPPORTED = [
    ("IVIg should be offered to treat GBS in adults (Level A).", "ivig_gbs"),
    ("IVIg should be offered to treat GBS in adults.", "ivig_gbs"),
    ("IVIg combined with plasmapheresis should not be considered for treating GBS (Level B).", "ivig_plasma"),
    ("IVIg combined with plasmapheresis should not be considered for treating GBS.", "ivig_plasma"),
    ("Based on 2 Class I studies, IVIg is as efficacious as plasmapheresis for treating GBS in adults.",
     "ivig_class1"),
    ("IVIg is as efficacious as plasmapheresis for treating GBS in adults.", "ivig_class1"),
    ("There is presently no effective treatment for IBM.", "ibm"),
    ("Haloperidol is not intended for children under 3 years old.", "halo_children"),
    ("Therapy should begin at the lowest dose possible (0.5 mg per day).", "halo_children"),
    ("Haloperidol is contraindicated in severe toxic central nervous system depression or comatose states "
     "from any cause.", "halo_contra"),
    ("Moderate Symptomatology - 0.5 mg to 2 mg b.i.d. or t.i.d.", "halo_adults"),
    ("Severe Symptomatology - 3 mg to 5 mg b.i.d. or t.i.d.", "halo_adults"),
    ("The recommended starting dose of LIPITOR is 10 or 20 mg once daily.", "lipitor_start"),
    ("The recommended starting dose of LIPITOR is 10 mg/day; the maximum recommended dose is 20 mg/day.",
     "lipitor_peds"),
    # The same amount in other units is the same dose.
    ("Sildenafil 50 mg was given with alcohol 500 mg/kg.", "viagra_alcohol"),
]

# (sentence, passage key, the fact checks that must fail it).
REJECTED = [
    ("Based on 3 Class I studies, IVIg is as efficacious as plasmapheresis for treating GBS in adults.",
     "ivig_class1", {"number_mismatch"}),
    ("Haloperidol is not intended for children under 4 years old.", "halo_children", {"number_mismatch"}),
    ("IVIg combined with plasmapheresis should be considered for treating GBS (Level B).", "ivig_plasma",
     {"negation_mismatch"}),
    ("There is presently effective treatment for IBM.", "ibm", {"negation_mismatch"}),
    ("Haloperidol is intended for children under 3 years old.", "halo_children", {"negation_mismatch"}),
    ("IVIg should not be offered to treat GBS in adults (Level A).", "ivig_gbs", {"negation_mismatch"}),
    ("IVIg should never be offered to treat GBS in adults.", "ivig_gbs", {"negation_mismatch"}),
    # The passage has a negation elsewhere ("not intended"): the added one is still caught.
    ("Therapy should not begin at the lowest dose possible (0.5 mg per day).", "halo_children",
     {"negation_mismatch"}),
    ("Haloperidol is indicated in severe toxic central nervous system depression or comatose states.",
     "halo_contra", {"negation_mismatch"}),
    ("Risperidone is not intended for children under 3 years old.", "halo_children", {"drug_mismatch"}),
    ("The recommended starting dose of ZOCOR is 10 or 20 mg once daily.", "lipitor_start", {"drug_mismatch"}),
    ("Therapy should begin at the lowest dose possible (0.5 g per day).", "halo_children",
     {"unit_mismatch", "dose_mismatch"}),
    ("The recommended starting dose of LIPITOR is 10 or 20 mcg once daily.", "lipitor_start",
     {"unit_mismatch", "dose_mismatch"}),
    # 3 mg is in the passage, for severe symptoms: only the dose check sees the change.
    ("Moderate Symptomatology - 0.5 mg to 3 mg b.i.d. or t.i.d.", "halo_adults", {"dose_mismatch"}),
    ("Moderate Symptomatology - 0.5 mg to 4 mg b.i.d. or t.i.d.", "halo_adults",
     {"number_mismatch", "dose_mismatch"}),
]


@pytest.mark.parametrize(("sentence", "key"), SUPPORTED)
def test_supported_extracts_pass(sentence: str, key: str, passages: dict[str, Hit]) -> None:
    assert supports(sentence, passages[key].text) == []


@pytest.mark.parametrize(("sentence", "key", "expected"), REJECTED)
def test_changed_facts_fail_their_check(sentence: str, key: str, expected: set[str],
                                        passages: dict[str, Hit]) -> None:
    failures = supports(sentence, passages[key].text)
    checks = {f.check for f in failures}
    # Exactly the changed fact fails; the lexical floor may or may not notice one word.
    assert checks & FACT_CHECKS == expected, failures
    assert all(f.message for f in failures)


@pytest.mark.parametrize(("sentence", "key"), [
    ("IVIg should be offered to treat GBS in adults (Level A).", "lipitor_start"),
    ("The recommended starting dose of LIPITOR is 10 or 20 mg once daily.", "ivig_gbs"),
    ("Haloperidol cures Guillain-Barré syndrome in most adults.", "halo_children"),
])
def test_unrelated_passage_fails_lexical_support(sentence: str, key: str, passages: dict[str, Hit]) -> None:
    failures = supports(sentence, passages[key].text)
    assert "lexical_support" in {f.check for f in failures}


def test_brand_and_generic_name_are_one_drug(passages: dict[str, Hit]) -> None:
    failures = supports("The recommended starting dose of atorvastatin is 10 or 20 mg once daily.",
                        passages["lipitor_start"].text)
    assert "drug_mismatch" not in {f.check for f in failures}


def test_lexical_share_and_threshold(passages: dict[str, Hit]) -> None:
    text = passages["ivig_gbs"].text
    sentence = "IVIg should be offered to treat GBS in adults with heart failure."
    a = assess(sentence, text)
    # ivig offer treat gbs adult | heart failur: 5 of 7 content words are in the passage
    assert a.lexical == pytest.approx(5 / 7)
    assert set(a.missing) == {"heart", "failure"}
    assert supports(sentence, text, Thresholds(lexical_min=0.7)) == []
    assert [f.check for f in supports(sentence, text, Thresholds(lexical_min=0.75))] == ["lexical_support"]


def test_embedding_threshold_applies_only_with_a_similarity(passages: dict[str, Hit]) -> None:
    text = passages["ivig_gbs"].text
    sentence = "IVIg should be offered to treat GBS in adults."
    assert supports(sentence, text, Thresholds(embedding_min=0.5), cosine=0.49)[0].check == "embedding_support"
    assert supports(sentence, text, Thresholds(embedding_min=0.5), cosine=0.51) == []
    assert supports(sentence, text, Thresholds(embedding_min=0.5)) == []


@pytest.mark.parametrize(("text", "numbers"), [
    ("1,000 patients", {1000.0}),
    ("0.05 mg/kg/day to 0.15 mg/kg/day", {0.05, 0.15}),
    ("10-20% of cases", {10.0, 20.0}),
    ("two Class I studies and one Class II study", {2.0}),  # "one" only counts in a passage
    ("CD4 counts and IL-6", {6.0}),
])
def test_numbers(text: str, numbers: set[float]) -> None:
    assert facts(text).numbers == numbers


def test_units_are_normalised() -> None:
    assert facts("0.4 g per kg for 5 days, 45%").units == {"g/kg", "day", "%"}
    assert facts("2 Hours, 500 µg").units == {"h", "mcg"}


def test_double_negation_is_an_affirmation() -> None:
    passage = "The drug was not without side effects in children."
    assert supports("The drug was not without side effects in children.", passage) == []
    failures = supports("The drug was without side effects in children.", passage)
    assert "negation_mismatch" in {f.check for f in failures}
