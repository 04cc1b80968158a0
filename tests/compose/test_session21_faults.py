"""Faults found in session 21 on fresh vignettes (session 20's held-out set O, run once at the end
of that session, and this session's set A), each mended as a general rule:

- a long telling spreads its words so that no passage covers 40% of them: a guideline whose scope
  lists the asked condition, with a sentence that names it and covers a quarter, answers rather
  than an abstention ("… allodynia to bedsheets, puffy, shiny … IV ketamine infusion - reasonable
  next step?" and the CRPS guideline's ketamine sentences);
- a scale's or score's short form names what it measures, not a condition ("RASS -1" names no
  agitation);
- dose notation ("tds", "nocte", "q4h", "mL") and chatter ("went", "aft") are no concepts;
- "tearful" names no "Tears", "15 cigarettes/day" no "E-Cigarettes";
- a value ends its sentence when words follow ("… eGFR 78. which quit med …?" asks the last
  sentence's question, not the telling's "since dx");
- bedside shorthand: "cigs", "pk-yr", a smoker's "quit med", a dentist's "simple XLA under LA";
- findings that name complex regional pain syndrome (allodynia with swelling, shine, warmth or
  sweat; the Budapest criteria).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.compose.build import ComposeConfig, _context, _listed_answers
from medcite.compose.select import candidates
from medcite.retrieve.scope import Scope, ScopeIndex
from medcite.retrieve.search import Retriever
from medcite.understand.findings import named_by_signs
from medcite.understand.frame import understand
from medcite.understand.vignette import CHATTER, clauses, expand_shorthand

_CRPS = ("pain clinic: 44F, fell off a ladder at work, 8 mo post ORIF L distal radius. L hand burning pain out of all "
         "proportion, allodynia to bedsheets, puffy, shiny, 1.5°C warmer than R, sweaty, nails changing, fingers stiff "
         "- ticks all 4 Budapest categories. done 16 wks hand therapy + graded motor imagery, gabapentin 900 tds, "
         "nortriptyline 25 nocte, still NRS 8/10. anaesthetist colleague suggests a 5-day low-dose IV ketamine infusion "
         "- reasonable next step?")
_ICU = ("ICU bed 7: 61M, d10 after laparotomy for perf DU, trached, on PS 10/PEEP 5, RASS -1, 88 kg. on 250 mL bolus "
        "PEG feeds q4h, last one went in at 12:00. dietitian wants a metabolic cart study this aft - how long after a "
        "bolus do we have to wait before running it?")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    # AOEM complex regional pain syndrome (ngc:11314); IDSA herpes zoster (ngc:11313, gabapentin and
    # nortriptyline); SCCM pain, agitation and delirium (ngc:9692, which defines RASS)
    with ngc_store(("11314", "11313", "9692"), tmp_path_factory.mktemp("s21"), data_dir) as s:
        yield s


def test_a_long_telling_is_answered_by_the_guideline_listing_its_condition(store) -> None:  # type: ignore[no-untyped-def]
    ctx = _context(_CRPS, "clinician", "", None, Retriever(store), store)
    ketamine = candidates([p for p in store.passages_of("ngc:11314") if "infusions of ketamine" in p.text], ctx.found)
    assert ketamine and max(c.context_cover for c in ketamine) < ComposeConfig().abstain_cover
    # (the three-document store's rarities make the cover a little lower than in the whole index)
    config = ComposeConfig(listed_cover=0.15)
    assert _listed_answers(ketamine, ctx, store, config)
    # a sentence of a guideline that does not list the condition, or that does not name it, does not
    other = candidates([p for p in store.passages_of("ngc:11313") if "gabapentin" in p.text.lower()], ctx.found)
    assert other and not _listed_answers(other, ctx, store, config)
    unnamed = [c for c in ketamine if "CRPS" not in c.text]
    assert unnamed and not _listed_answers(unnamed, ctx, store, config)
    assert not _listed_answers(ketamine, ctx, store, ComposeConfig(listed_cover=0.9))


def test_a_scales_short_form_names_no_condition(store) -> None:  # type: ignore[no-untyped-def]
    others = [Scope(f"ngc:x{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ()) for i in range(100)]
    index = ScopeIndex([Scope("ngc:9692", "guideline", "Pain, agitation, and delirium in adult ICU patients",
                              ("Pain", "Agitation", "Delirium"), "", ()), *others])
    frame = understand(_ICU, store, scopes=index)
    assert ("RASS", "Richmond Agitation-Sedation Scale") in frame.expanded.abbreviations  # type: ignore[union-attr]
    assert "Agitation" not in frame.conditions, frame.conditions
    # agitation said in words is one
    said = understand("ICU: 70M, agitated overnight, RASS +3, pulling at lines. what do we use for the agitation?",
                      store, scopes=index)
    assert "Agitation" in said.conditions, said.conditions


def test_dose_notation_and_chatter_are_no_terms() -> None:
    frame = understand(_ICU)
    assert not {"q4h", "ml", "went", "aft"} & set(frame.terms), frame.terms
    assert {"tds", "nocte", "bd", "prn"} <= CHATTER
    assert "bolus" in frame.terms and "wait" in frame.focus_terms


def test_a_value_ends_its_sentence_when_words_follow() -> None:
    text = "flat and tearful since dx, PHQ-9 16, eGFR 78. which quit med would you reach for first?"
    assert [text[s:e].strip() for s, e in clauses(text)][-1] == "which quit med would you reach for first?"
    # a decimal stays whole
    assert len(clauses("Hb 8.4 today")) == 1
    smoker = ("onc clinic: 63F, stage IIIA NSCLC, still on 15 cigs/day, 40 pk-yr, wants to stop. flat and tearful "
              "since dx, PHQ-9 16, no SI, eGFR 78. which quit med would you reach for first in her?")
    assert understand(smoker).aspect == "first-line"


@pytest.mark.parametrize(("text", "written"), [
    ("still on 15 cigs/day, 40 pk-yr", "still on 15 cigarettes/day, 40 pack-years"),
    ("ex-smoker, 30 pack yrs", "ex-smoker, 30 pack-years"),
    ("15 cigs/day. which quit med would you reach for first?",
     "15 cigarettes/day. which smoking cessation medication (tobacco use) would you reach for first?"),
    ("LR6 fractured at gum level, unrestorable, simple XLA under LA today",
     "LR6 fractured at gum level, unrestorable, simple extraction under local anesthesia today"),
])
def test_bedside_shorthand_of_set_o(text: str, written: str) -> None:
    assert expand_shorthand(text) == written


@pytest.mark.parametrize("text", [
    "4M, recurrent chest infections, low IgG, BTK mutation: XLA. IVIG dose?",  # no teeth: the immunodeficiency
    "wants to quit her job",  # no smoking
    "wants to quit, which med?",  # "quit" and "med" apart
])
def test_shorthand_left_alone(text: str) -> None:
    assert expand_shorthand(text) == text


@pytest.mark.parametrize("text", [
    "L hand burning pain out of all proportion, allodynia to bedsheets, puffy, shiny, 1.5°C warmer than R",
    "fits all 4 Budapest categories",
    "allodynia over the foot, swollen and mottled since the ankle fracture",
])
def test_findings_that_name_crps(text: str) -> None:
    assert "complex regional pain syndrome" in named_by_signs(text), named_by_signs(text)


@pytest.mark.parametrize("text", [
    "burning feet at night, diabetic, allodynia to socks",  # a neuropathy's allodynia alone
    "ankle swollen and warm after the fracture",  # no allodynia
])
def test_findings_that_name_no_crps(text: str) -> None:
    assert "complex regional pain syndrome" not in named_by_signs(text)
