"""British spellings index as their American forms; American words are left alone or
rewritten the same way everywhere."""

from __future__ import annotations

import pytest

from medcite.clinical.spelling import american
from medcite.retrieve.analyze import analyze

PAIRS = [
    ("anaemia", "anemia"), ("haemorrhage", "hemorrhage"), ("paediatric", "pediatric"),
    ("leukaemia", "leukemia"), ("ischaemic", "ischemic"), ("hyponatraemia", "hyponatremia"),
    ("oesophageal", "esophageal"), ("oedema", "edema"), ("oestrogen", "estrogen"),
    ("diarrhoea", "diarrhea"), ("dyspnoea", "dyspnea"), ("coeliac", "celiac"), ("foetal", "fetal"),
    ("tumour", "tumor"), ("behaviour", "behavior"), ("labour", "labor"), ("randomised", "randomized"),
    ("hospitalisation", "hospitalization"), ("analyse", "analyze"), ("litres", "liters"), ("centre", "center"),
    ("sulphonylurea", "sulfonylurea"), ("programme", "program"), ("caesarean", "cesarean"),
    ("gynaecology", "gynecology"), ("anaesthesia", "anesthesia"), ("aetiology", "etiology"),
]
UNCHANGED = ["aerobic", "influenzae", "disease", "course", "hour", "four", "source", "poet", "toe", "shoe",
             "increase", "raise", "anemia", "pediatric"]


@pytest.mark.parametrize(("british", "us"), PAIRS)
def test_british_spelling_is_indexed_as_american(british: str, us: str) -> None:
    assert american(british) == american(us)
    assert analyze(british) == analyze(us)


@pytest.mark.parametrize("word", UNCHANGED)
def test_other_words_unchanged(word: str) -> None:
    assert american(word) == word


def test_phrases_match_across_spellings() -> None:
    assert analyze("Anaemia management in chronic kidney disease") == analyze("anemia management in chronic kidney disease")
    assert analyze("paediatric haemato-oncology") == analyze("pediatric hemato-oncology")
