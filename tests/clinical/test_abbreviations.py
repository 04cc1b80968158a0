"""Abbreviation definitions mined from text (Schwartz-Hearst), on sentences from the real sources."""

from __future__ import annotations

import pytest

from medcite.clinical.abbreviations import best_long_form, definitions, mine

CASES = [
    # (sentence as it appears in an indexed guideline or label, expected definitions)
    ("Secondary prevention in patients with clinical atherosclerotic cardiovascular disease (ASCVD) is recommended.",
     [("ASCVD", "atherosclerotic cardiovascular disease")]),
    ("Unexplained alanine aminotransferase (ALT) elevations ≥3 times the upper limit of normal (ULN)",
     [("ALT", "alanine aminotransferase"), ("ULN", "upper limit of normal")]),
    ("a comprehensive set of data from randomized control trials (RCTs)", [("RCTs", "randomized control trials")]),
    ("adults with community-acquired pneumonia (CAP) who are treated as outpatients", [("CAP", "community-acquired pneumonia")]),
    ("IV immunoglobulin (IVIg) benefit is uncertain", [("IVIg", "IV immunoglobulin")]),
    ("low-density lipoprotein cholesterol (LDL-C) of 190 mg/dL or higher", [("LDL-C", "low-density lipoprotein cholesterol")]),
    ("hemoglobin A1c (HbA1c) below 7%", [("HbA1c", "hemoglobin A1c")]),
    # grades, levels, references and asides are not abbreviations
    ("IVIg should be offered to treat GBS in adults (Level A).", []),
    ("NHLBI Grade: A (Strong)", []),
    ("as described previously (see below)", []),
    ("ACC/AHA LOE: C (Eckel, 2010)", []),
    ("statin therapy (I)", []),
    ("Baseline measurement of hepatic transaminase levels (ALT)", []),
    # the long form is never taken across a sentence boundary
    ("Stop the drug. Pulmonary embolism (PE) is rare.", [("PE", "Pulmonary embolism")]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_definitions(text: str, expected: list[tuple[str, str]]) -> None:
    assert definitions(text) == expected


@pytest.mark.parametrize(("short", "candidate", "long"), [
    # the letters scan alone finds "contraception" (c…o…c inside one word) and "academy of
    # pediatrics" (a…a…p): the words whose initials spell the short form come first
    ("COC", "women using combined oral contraception", "combined oral contraception"),
    ("AAP", "recommendations of the American Academy of Pediatrics", "American Academy of Pediatrics"),
    ("AASLD", "the American Association for the Study of Liver Diseases", "American Association for the Study "
                                                                          "of Liver Diseases"),
    ("CAP", "adults with community-acquired pneumonia", "community-acquired pneumonia"),
    ("CAT", 'called "carnitine-acylcarnitine translocase"', "carnitine-acylcarnitine translocase"),
    ("SSRIs", "selective serotonin reuptake inhibitors", "selective serotonin reuptake inhibitors"),  # by the scan
])
def test_the_words_whose_initials_spell_the_short_form(short: str, candidate: str, long: str) -> None:
    assert best_long_form(short, candidate) == long


def test_best_long_form_needs_first_letter_at_a_word_start() -> None:
    assert best_long_form("CK", "elevated creatine kinase") == "creatine kinase"
    assert best_long_form("XYZ", "creatine kinase") == ""


def test_mine_counts_documents_not_mentions() -> None:
    texts = ["deep vein thrombosis (DVT) ... deep vein thrombosis (DVT)", "Deep vein thrombosis (DVT)",
             "digital video tape (DVT)"]
    counts = mine(texts)
    assert counts[("DVT", "deep vein thrombosis")] == 2
    assert counts[("DVT", "digital video tape")] == 1


def test_linear_on_hostile_text() -> None:
    import time

    text = "(AB) " * 200_000 + "word " * 200_000
    t = time.perf_counter()
    definitions(text)
    assert time.perf_counter() - t < 10


@pytest.mark.parametrize(("surface", "texts", "plain"), [
    # HUMIRA's instructions for use beside a pneumonia guideline: "cap" is a word there
    ("CAP", ["Do not remove the gray cap (Cap # 1) or the plum-colored cap (Cap # 2) until right before "
             "your injection.", "Offer a 5-day course of a single antibiotic to adults with low-severity CAP."],
     True),
    ("AF", ["Offer anticoagulation to people with AF and a CHA2DS2-VASc score of 2 or above.",
            "Do not offer aspirin monotherapy solely for stroke prevention to people with AF."], False),
    ("CKD", ["In patients with stage 3 and 4 CKD, the panel suggests a protein diet of 0.6 to 0.8 g/kg/day."],
     False),
    ("GAS", ["Gas exchange is impaired.", "Arterial blood gas analysis is needed.", "Treat GAS pharyngitis."], True),
    ("Cap", ["the gray cap"], False),  # only a capitalised abbreviation is judged
])
def test_an_abbreviation_the_index_uses_as_a_plain_word(surface: str, texts: list[str], plain: bool) -> None:
    from medcite.clinical.abbreviations import plain_word_usage

    assert plain_word_usage(surface, texts) is plain
