"""Sentence splitting of guideline and label text, and the fragment test, on real sentences."""

from __future__ import annotations

import pytest

from medcite.clinical.sentences import is_fragment, sentence_spans, split_sentences

SPLITS = [
    # AAP otitis media (NGC): the grade tail stays with the recommendation it grades, and
    # "Rec." inside the brackets ends nothing.
    ("Clinicians should diagnose acute otitis media (AOM) in children who present with moderate to severe "
     "bulging of the tympanic membrane (TM) or new onset of otorrhea not due to acute otitis externa. "
     "(Evidence Quality: Grade B, Rec. Strength: Recommendation)",
     ["Clinicians should diagnose acute otitis media (AOM) in children who present with moderate to severe "
      "bulging of the tympanic membrane (TM) or new onset of otorrhea not due to acute otitis externa. "
      "(Evidence Quality: Grade B, Rec. Strength: Recommendation)"]),
    ("Offer a statin to adults with ASCVD. (Level of Evidence: B) Check lipids after 4 to 12 weeks.",
     ["Offer a statin to adults with ASCVD. (Level of Evidence: B)", "Check lipids after 4 to 12 weeks."]),
    ("Offer ondansetron. [2004, amended 2015] Review after 24 hours.",
     ["Offer ondansetron. [2004, amended 2015]", "Review after 24 hours."]),
    # numbered recommendations lose their numbers
    ("1.1. Offer IVIg to adults with GBS. 1.2. Do not combine IVIg with plasmapheresis.",
     ["Offer IVIg to adults with GBS.", "Do not combine IVIg with plasmapheresis."]),
    ("Recommendation 3. Give aspirin 81 mg daily.", ["Give aspirin 81 mg daily."]),
    # dosing abbreviations do not end sentences
    ("Give 1 g i.v. every 12 hours. Then switch to oral dosing.",
     ["Give 1 g i.v. every 12 hours.", "Then switch to oral dosing."]),
    ("Chronic or resistant patients: 3 mg to 5 mg b.i.d. or t.i.d. Adjust as needed.",
     ["Chronic or resistant patients: 3 mg to 5 mg b.i.d. or t.i.d. Adjust as needed."]),
    ("Surgery vs. medical therapy was compared. Outcomes were similar.",
     ["Surgery vs. medical therapy was compared.", "Outcomes were similar."]),
    # a letter closing brackets is a grade, not an initial (AAN transverse myelitis, ngc:8839)
    ("Plasma exchange may be considered in patients with TM who fail to improve after corticosteroid treatment "
     "(Level C). Rituximab may be considered in patients with TM due to NMO to decrease the number of relapses (Level C).",
     ["Plasma exchange may be considered in patients with TM who fail to improve after corticosteroid treatment "
      "(Level C).", "Rituximab may be considered in patients with TM due to NMO to decrease the number of relapses "
                    "(Level C)."]),
    ("As reported by J. Smith in 2010.", ["As reported by J. Smith in 2010."]),
    # ... but a graded phrase with no verb is read with the sentence after it (BAD lichen sclerosus)
    ("Ultra-potent topical steroids, e.g., clobetasol propionate (I, A). Various regimens are used.",
     ["Ultra-potent topical steroids, e.g., clobetasol propionate (I, A). Various regimens are used."]),
    # line breaks always end a sentence
    ("Stop the statin\nRecheck CK in 2 weeks.", ["Stop the statin", "Recheck CK in 2 weeks."]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_point_into_the_original_text() -> None:
    text = "  - Offer a statin.  (Grade A)\n2. Check lipids."
    for s, e in sentence_spans(text):
        assert text[s:e] == text[s:e].strip()
    assert [text[s:e] for s, e in sentence_spans(text)] == ["Offer a statin.  (Grade A)", "Check lipids."]


FRAGMENTS = [
    ("(Evidence Quality: Grade B, Rec.", True),
    ("(Level of Evidence: B)", True),
    ("Chronic inflammatory demyelinating polyneuropathy (CIDP)", True),
    ("Variant 4: Chronic Wrist Pain.", True),
    ("PASI 75 | 578 (71%) | 26 (7%)", True),
    ("Strength of Recommendation: Inconclusive", True),
    ("Give aspirin.", True),  # under 5 words
    ("IVIg should be offered to treat GBS in adults (Level A).", False),
    ("Offer a statin to adults with clinical ASCVD.", False),
    ("If failure with one medication, try another from the same class.", False),
    ("The recommended starting dose of HUMIRA is 40 mg every other week.", False),
    ("Vancomycin 15 to 20 mg/kg every 8 to 12 hours is recommended for most patients.", False),
    # an Endocrine Society grade is no table column
    ("The Task Force recommends that initial biochemical testing for PPGLs should include measurements of "
     "plasma free metanephrines or urinary fractionated metanephrines. (1|++++)", False),
    ("The Task Force suggests measuring plasma or urine levels of metanephrines on follow-up. (2|++OO)", False),
    ("Plasma free metanephrines | 1|++++ | first test", True),
]


@pytest.mark.parametrize(("text", "fragment"), FRAGMENTS)
def test_fragments(text: str, fragment: bool) -> None:
    assert is_fragment(text) is fragment


def test_a_long_line_of_abbreviations_splits_in_linear_time() -> None:
    import time

    def seconds(n: int) -> float:
        text = ("Dr. A " * (n // 6 + 1))[:n]
        best = float("inf")
        for _ in range(3):  # the best of three: other work on the machine only ever adds time
            started = time.perf_counter()
            sentence_spans(text)
            best = min(best, time.perf_counter() - started)
        return best

    t_small, t_large = seconds(64 * 1024), seconds(16 * 64 * 1024)
    assert t_large < max(64 * t_small, 0.05), (t_small, t_large)
