"""The drug-class table, and a drug asked about standing for its classes."""

from __future__ import annotations

import pytest

from medcite.clinical.drug_classes import classes_of, drug_classes, parse_drug_classes
from medcite.retrieve.analyze import analyze
from medcite.understand.concepts import concepts


@pytest.mark.parametrize(("drug", "cls"), [
    ("sertraline", "antidepressant"), ("Paroxetine", "SSRI"), ("olanzapine", "antipsychotic"),
    ("risperidone", "antipsychotic"), ("dabigatran", "anticoagulant"), ("oxycodone", "opioid"),
    ("atorvastatin", "statin"), ("doxazosin", "alpha-blocker"), ("entecavir", "antiviral"),
    ("octreotide", "somatostatin analogue"), ("capecitabine", "fluoropyrimidine"), ("sildenafil", "PDE5 inhibitor"),
    # NICE falls (ngc:9951): "Older people on psychotropic medications should have their medication reviewed"
    ("quetiapine", "psychotropic"), ("zopiclone", "psychotropic"), ("mirtazapine", "psychotropic"),
    ("lorazepam", "psychotropic"),
])
def test_bedside_drugs_have_the_classes_guidelines_name(drug: str, cls: str) -> None:
    assert cls in classes_of(drug)


def test_the_table_parses_and_rejects_bad_lines() -> None:
    assert len(drug_classes()) > 300
    assert parse_drug_classes("# x\nopioid|opioid analgesic\tmorphine, codeine\nopioid\tcodeine\n") == {
        "morphine": ("opioid", "opioid analgesic"), "codeine": ("opioid", "opioid analgesic")}
    with pytest.raises(ValueError):
        parse_drug_classes("opioid morphine\n")
    assert classes_of("not a drug") == ()


def test_the_drug_asked_about_is_covered_by_its_class() -> None:
    idf = lambda t: 1.0  # noqa: E731
    terms = analyze("stop sertraline")
    asked = concepts(terms, None, idf, classed=frozenset(analyze("sertraline")))
    merely_taken = concepts(terms, None, idf)
    sentence = frozenset(analyze("Patients should be told about the need to taper antidepressants."))
    drug = next(c for c in asked if c.label == "sertralin")
    assert drug.covered_by(sentence)
    assert not next(c for c in merely_taken if c.label == "sertralin").covered_by(sentence)


@pytest.mark.parametrize(("question", "hint"), [
    ("pt in her 50s, remitted on sertraline 100 mg ~9 months after a first episode, wants to come off it. "
     "how do I stop it?", "antidepressant"),
    # a drug and a class ask how they interact: the label answers, not the drug's class
    ("Can sildenafil be used in a patient who is taking organic nitrates?", None),
    # what cannot be used is not what the answer is about
    ("allergic to amoxicillin - what instead?", None),
])
def test_a_lone_drug_asked_about_searches_with_its_class(question: str, hint: str | None) -> None:
    from medcite.understand.frame import understand

    hints = understand(question).hints
    classes = {c for d in ("sertraline", "sildenafil", "amoxicillin") for c in classes_of(d)}
    assert ([h for h in hints if h in classes] == [hint]) if hint else not set(hints) & classes


def test_a_brand_that_begins_with_a_common_word_is_matched_only_as_typed_in_capitals() -> None:
    from medcite.clinical.drugs import brand_to_generic, has_drug_lexicon

    assert has_drug_lexicon()
    # "at 10/40" is ten weeks of pregnancy, not the brand "AT 10" (dihydrotachysterol)
    assert brand_to_generic("31F G2P1 at 10/40, MTHFR checked?") == []
    assert brand_to_generic("takes AT 10 daily") == [("AT 10", "dihydrotachysterol")]
    assert brand_to_generic("on Humira") == [("Humira", "adalimumab")]


def test_whether_to_stop_a_drug_searches_with_its_broadest_class() -> None:
    from medcite.retrieve.scope import Scope, ScopeIndex
    from medcite.understand.frame import understand

    scopes = ScopeIndex([Scope("ngc:9951", "guideline", "Falls in older people", ("Falls",), "", ()),
                         *(Scope(f"filler:{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ())
                           for i in range(400))])
    frame = understand("84F lives alone, 3 falls in 4 months. on zopiclone 7.5 nocte for yrs, plus quetiapine 25 at night. "
                       "recurrent falls - should I be taking her off the quetiapine?", scopes=scopes)
    assert frame.aspect == "stop"
    assert "psychotropic" in frame.hints
