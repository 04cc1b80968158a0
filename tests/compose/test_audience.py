"""Audience adaptation: lay glossary, glossing, readability and extractive trimming."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medcite.compose.audience import (
    SENTENCE_WORD_LIMIT,
    count_syllables,
    find_terms,
    gloss_statement,
    load_glossary,
    parse_glossary,
    plain_trim,
    prefer_consumer,
    readability_grade,
)
from medcite.sources import medquad, ngc
from medcite.textutil import split_sentences
from medcite.types import AUDIENCES, Statement

# --- Glossary ---------------------------------------------------------------------------


def test_packaged_glossary_is_large_and_plain() -> None:
    glossary = load_glossary()
    assert len(glossary) >= 250
    assert load_glossary() is glossary  # parsed once
    for term, gloss in glossary.items():
        assert gloss.term == term and gloss.meaning
        # A meaning that needs another gloss explains nothing.
        assert find_terms(gloss.meaning) == [], (term, gloss.meaning)
        assert len(gloss.meaning.split()) <= 16
    meanings = "\n".join(g.meaning + "." for g in glossary.values())
    terms = "\n".join(t + "." for t in glossary)
    assert readability_grade(meanings) < 6 < 16 < readability_grade(terms)


def test_parse_glossary_reads_comments_variants_and_blank_lines() -> None:
    text = "# header\n\nintravenous\tgiven into a vein\tIV|intravenously\nhepatic\tof the liver\n"
    glossary = parse_glossary(text)
    assert list(glossary) == ["intravenous", "hepatic"]
    assert glossary["intravenous"].variants == ("IV", "intravenously")
    assert glossary["hepatic"].variants == ()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("hepatic\n", 1),  # no meaning
        ("# c\nhepatic\t\n", 2),  # empty meaning
        ("hepatic\tof the liver\tx\ty\n", 1),  # too many columns
        ("hepatic\tof the liver\t\n", 1),  # empty variants column
        ("intravenous\tinto a vein\tIV||iv drip\n", 1),  # empty variant
        ("renal\tof the kidneys\nRenal\tkidney\n", 2),  # duplicate term (case-insensitive)
        ("renal\tof the kidneys\nkidney\tthe organ\trenal\n", 2),  # variant repeats a term
        ("statin\ta cholesterol pill\nstatins\tmore pills\n", 2),  # plural clashes with a term
        ("first-line\tfirst tried\nfirst line\tagain\n", 2),  # hyphen and space match alike
        ("IV!\tinto a vein\n", 1),  # punctuation in a term
        ("hepatic\tHepatic\n", 1),  # meaning repeats the term
        ("hepatic\t" + "word " * 17 + "\n", 1),  # meaning too long to be a gloss
    ],
)
def test_parse_glossary_rejects_bad_lines_with_line_number(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=rf"line {line}:"):
        parse_glossary(text)


# --- find_terms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Give IVIg 2 g/kg.", ["IVIg"]),
        ("ivig and IVIG are accepted", ["ivig"]),  # mixed-case abbreviation folds case
        ("given IV over 2 days", ["IV"]),
        ("the iv line", []),  # all-caps abbreviation must be written in capitals
        ("Class IV evidence only", []),  # a Roman numeral, not intravenous
        ("Stage IV disease, grade III or IV", []),
        ("NYHA class II–IV heart failure", ["heart failure"]),
        ("Avoid NSAIDs; nsaids are different.", ["NSAIDs"]),
        ("Hepatic and RENAL function", ["Hepatic", "RENAL"]),  # words fold case
        ("intravenous immunoglobulin (IVIg) works", ["intravenous immunoglobulin"]),  # longest, once
        ("intravenous fluids, then intravenous", ["intravenous fluids", "intravenous"]),
        ("idiopathic pulmonary fibrosis and pulmonary fibrosis", ["idiopathic pulmonary fibrosis", "pulmonary fibrosis"]),
        ("statins, statin, Statin", ["statins"]),  # each term once, first spelling kept
        ("two meta-analyses and an RCT", ["meta-analyses", "RCT"]),  # -is -> -es plural
        ("physical therapies", ["physical therapies"]),  # -y -> -ies plural
        ("first line therapy", ["first line therapy"]),  # space where the term has a hyphen
        ("Non-invasive ventilation", ["Non-invasive"]),
        ("pre-renal azotemia", []),  # a hyphen before a word makes a compound
        ("statin-associated myopathy", ["statin", "myopathy"]),  # a hyphen after is fine
        ("(plasmapheresis), myopathy.", ["plasmapheresis", "myopathy"]),  # punctuation
        ("LDL-C ≥190 mg/dL", ["LDL-C"]),
        ("Guillain-Barré syndrome", ["Guillain-Barré syndrome"]),
        ("Lou Gehrig’s disease", ["Lou Gehrig’s disease"]),  # curly apostrophe
        ("the statin's effect", ["statin's"]),
        ("plasmatic hepatocytes", []),  # whole words only
        ("contraindicated in hepatic impairment", ["contraindicated", "hepatic impairment"]),
        ("X-linked, not x-linked", ["X-linked"]),
        ("", []),
    ],
)
def test_find_terms(text: str, expected: list[str]) -> None:
    assert [surface for surface, _ in find_terms(text)] == expected


def test_find_terms_gives_plain_meanings() -> None:
    found = dict(find_terms("IV methylprednisolone is contraindicated; see renal and hepatic."))
    assert found["IV"] == "given into a vein through a drip"
    assert found["contraindicated"] == "should not be used"
    assert found["renal"] == "of the kidneys" and found["hepatic"] == "of the liver"


# --- gloss_statement --------------------------------------------------------------------


def test_gloss_statement_adds_glosses_once_and_keeps_text() -> None:
    child_a = Statement(text="IVIg is given intravenously.", citations=(2,))
    child_b = Statement(text="Plasma exchange and IVIg work equally well.", citations=(3,))
    lead = Statement(text="Options for myopathy include:", kind="lead", children=(child_a, child_b))
    first = Statement(text="Statin myopathy is rare.", citations=(1,), glosses=(("rare", "uncommon"),))
    seen: set[str] = set()
    out = [gloss_statement(s, seen) for s in (first, lead)]

    before = [s.text for s in (*first.walk(), *lead.walk())]
    after = [s.text for s in (*out[0].walk(), *out[1].walk())]
    assert after == before  # claims are checked word for word: never touched
    assert out[0].citations == (1,) and out[1].children[0].citations == (2,)
    assert out[0].glosses == (
        ("rare", "uncommon"),
        ("Statin", "a medicine that lowers cholesterol"),
        ("myopathy", "a muscle disease"),
    )
    assert out[1].glosses == ()  # myopathy was explained in the sentence before
    assert [t for t, _ in out[1].children[0].glosses] == ["IVIg", "intravenously"]
    assert [t for t, _ in out[1].children[1].glosses] == ["Plasma exchange"]
    explained = [t.lower() for s in out for x in s.walk() for t, _ in x.glosses]
    assert len(explained) == len(set(explained))
    assert {"statin", "myopathy", "intravenous immunoglobulin", "plasmapheresis"} <= seen


def test_gloss_statement_respects_terms_already_seen() -> None:
    seen = {"statin"}
    out = gloss_statement(Statement(text="Statins can cause myalgia."), seen)
    assert out.glosses == (("myalgia", "muscle pain"),)
    assert "myalgia" in seen


# --- Readability ------------------------------------------------------------------------


def test_readability_matches_published_values() -> None:
    # Wikipedia, "Flesch–Kincaid readability tests": 13 words and 24 syllables, grade 11.3.
    platypus = "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature."
    assert readability_grade(platypus) == pytest.approx(11.3, abs=0.3)
    # Same article: reading ease 116 (6 one-syllable words), i.e. grade 0.39*6 + 11.8 - 15.59.
    assert readability_grade("The cat sat on the mat.") == pytest.approx(-1.45, abs=0.01)
    assert readability_grade("") == 0.0 and readability_grade("  \n ") == 0.0


def test_readability_ranks_lay_text_below_clinical_text() -> None:
    lay = "Statins are pills that lower cholesterol. Some people get sore muscles. Tell your doctor."
    clinical = (
        "Intravenous immunoglobulin is recommended for the treatment of chronic inflammatory "
        "demyelinating polyradiculoneuropathy refractory to corticosteroid monotherapy."
    )
    assert readability_grade(lay) < 6 < 20 < readability_grade(clinical)
    # More sentences of the same words lower the grade.
    assert readability_grade("Take it. Eat food. Sleep well.") < readability_grade("Take it, eat food, sleep well.")


# Syllable counts from the CMU Pronouncing Dictionary.
SYLLABLES = {
    "the": 1, "cat": 1, "used": 1, "makes": 1, "caused": 1, "cases": 2, "table": 2, "tissue": 2,
    "muscles": 2, "people": 2, "likely": 2, "movement": 2, "treated": 2, "patient": 2, "science": 2,
    "create": 2, "fatigue": 2, "idea": 3, "serious": 3, "biopsy": 3, "trial": 2, "sodium": 3,
    "family": 3, "anemia": 4, "dementia": 4, "ataxia": 4, "diabetes": 4, "therapies": 3,
    "abnormalities": 5, "coordination": 5, "management": 3, "rheumatism": 4, "intravenous": 4,
    "efficacy": 4, "hepatic": 3, "reptilian": 3, "australian": 3, "studies": 2, "any": 2,
    "associated": 5, "myelin": 3, "fluid": 2,
}


def test_syllable_counter_agrees_with_dictionary() -> None:
    wrong = {w: count_syllables(w) for w, n in SYLLABLES.items() if count_syllables(w) != n}
    assert len(wrong) <= len(SYLLABLES) // 10, wrong
    assert count_syllables("DNA") == 3 and count_syllables("heart-healthy") == 3
    assert count_syllables("2.5") == 1 and count_syllables("") == 0


# --- plain_trim -------------------------------------------------------------------------

_TOKENS = re.compile(r"\d+(?:[.,]\d+)*|\w+|[^\w\s]")
_NEGATIONS = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot)\b|n't\b", re.I)


def _is_subsequence(short: str, long: str) -> bool:
    remaining = iter(_TOKENS.findall(long))
    return all(token in remaining for token in _TOKENS.findall(short))


@pytest.mark.parametrize(
    ("sentence", "limit", "expected"),
    [
        ("IVIg is effective in CIDP [12].", 25, "IVIg is effective in CIDP."),
        ("IVIg is effective [3, 4] in CIDP [5–7].", 25, "IVIg is effective in CIDP."),
        ("Statins lower LDL-C (Taylor et al., 2011; Eckel, 2010).", 25, "Statins lower LDL-C."),
        ("Short (kept) sentence.", 25, "Short (kept) sentence."),
        (
            "Based on 2 Class I studies, plasma exchange is effective in severe Guillain-Barré syndrome.",
            10,
            "plasma exchange is effective in severe Guillain-Barré syndrome.",
        ),
        (  # a hedge in the evidence clause stays
            "Based on limited evidence from 1 study, IVIg may help.",
            5,
            "Based on limited evidence from 1 study, IVIg may help.",
        ),
        (
            "Plasmapheresis (also known as plasma exchange) is effective in GBS.",
            6,
            "Plasmapheresis is effective in GBS.",
        ),
        ("Do not use statins (not studied) in pregnancy (see below).", 5, "Do not use statins (not studied) in pregnancy."),
        ("Give IVIg (no benefit was seen in mild cases) early.", 3, "Give IVIg (no benefit was seen in mild cases) early."),
        ("Give 0.4 g/kg/day (for 5 days) of IVIg.", 3, "Give 0.4 g/kg/day (for 5 days) of IVIg."),
        ("Add ezetimibe (unless contraindicated) to statin.", 3, "Add ezetimibe (unless contraindicated) to statin."),
        ("Treat atherosclerotic cardiovascular disease (ASCVD) with statin.", 3,
         "Treat atherosclerotic cardiovascular disease (ASCVD) with statin."),
        ("Reduce the dose of drug(s) used.", 2, "Reduce the dose of drug(s) used."),
        ("(Level of Evidence = V)", 1, "(Level of Evidence = V)"),  # never empty
        ("Unbalanced (aside stays.", 1, "Unbalanced (aside stays."),
    ],
)
def test_plain_trim_cases(sentence: str, limit: int, expected: str) -> None:
    assert plain_trim(sentence, limit) == expected
    assert _is_subsequence(plain_trim(sentence, limit), sentence)


def _real_sentences(data_dir: Path) -> list[str]:
    sentences: list[str] = []
    for path in sorted((data_dir / "ngc-guidelines" / "samples").glob("ngc-*.xml")):
        for doc in ngc.parse(path.read_bytes(), path.name).documents:
            sentences += [s for p in doc.passages for s in split_sentences(p.text)]
    for folder in ("1_CancerGov_QA", "3_GHR_QA", "5_NIDDK_QA", "6_NINDS_QA"):
        for path in sorted((data_dir / "medquad" / folder).glob("*.xml"))[:15]:
            for doc in medquad.parse(path.read_bytes(), path.name).documents:
                sentences += [s for p in doc.passages for s in split_sentences(p.text)]
    return sentences


def test_plain_trim_only_deletes_on_real_sentences(data_dir: Path) -> None:
    sentences = _real_sentences(data_dir)
    long = [s for s in sentences if len(s.split()) > 25]
    assert len(sentences) >= 1000 and len(long) >= 200
    shortened = 0
    for sentence in sentences:
        for limit in (10, 25):
            trimmed = plain_trim(sentence, limit)
            # Every remaining token (numbers whole) appears, in order, in the source.
            assert _is_subsequence(trimmed, sentence), (sentence, trimmed)
            assert len(_NEGATIONS.findall(trimmed)) == len(_NEGATIONS.findall(sentence)), sentence
            assert trimmed and len(trimmed) <= len(sentence.strip())
            shortened += trimmed != sentence.strip()
    assert shortened >= 200


# --- Composer settings ------------------------------------------------------------------


def test_audience_settings() -> None:
    assert set(SENTENCE_WORD_LIMIT) == set(AUDIENCES)
    assert SENTENCE_WORD_LIMIT["patient"] == 25 and SENTENCE_WORD_LIMIT["clinician"] is None
    assert prefer_consumer("patient") and not prefer_consumer("clinician")
