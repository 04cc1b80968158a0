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
  sweat; the Budapest criteria);
- set A: a scope item qualified by "with …" names its head ("Renovascular hypertension with either
  normal or decreased renal function"); a name with an abbreviation inside it ("?renovascular HTN")
  is whole once written out; a measurement after a dash ("given his GFR?") does not make that clause
  the question's subject; a condom sheath is a male external catheter, an urge leak urinary
  incontinence, "ex-27+2/40" born preterm, "dev checks" developmental; "how often should the sheath
  be changed?" asks for monitoring, "should we be using meds for this?" whether to treat with drugs;
  a placenta still in is retained;
- set A: a treatment the telling rules out ("FCR is out", "bendamustine is too much for her") makes
  a first-line question an alternative, about the condition those treatments are for; a lead-in's
  list can state when the alternative applies;
- sets B and C (held out, run once, then mended): the product whose dose is asked, named only by a
  brand no passage names ("only stocks Fibryga"), is not covered; a person ("prosthetist") is no
  unindexed subject; "do we still need a CT A/P?" asks whether to do a test; dilated small-bowel
  loops with air-fluid levels are a small bowel obstruction; "AKA" and "BKA" are amputations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.compose.build import ComposeConfig, _context, _listed_answers
from medcite.compose.select import candidates
from medcite.retrieve.scope import Scope, ScopeIndex, condition_phrases
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
    ("now on a condom sheath to a leg bag. how often should the sheath be changed?",
     "now on a male external catheter to a leg bag. how often should the catheter be changed?"),
    ("post-stroke urge leak, declined an IDC", "post-stroke urge urinary incontinence, declined an IDC"),
    ("SCBU: ex-27+2/40 boy, now 36 wks PMA", "SCBU: born preterm at 27+2 weeks boy, now 36 wks PMA"),
    ("ex-prem, 2 yrs old", "born preterm, 2 yrs old"),
    ("minimum schedule of dev checks", "minimum schedule of developmental checks"),
])
def test_bedside_shorthand_of_sets_o_and_a(text: str, written: str) -> None:
    assert expand_shorthand(text) == written


@pytest.mark.parametrize("text", [
    "4M, recurrent chest infections, low IgG, BTK mutation: XLA. IVIG dose?",  # no teeth: the immunodeficiency
    "wants to quit her job",  # no smoking
    "wants to quit, which med?",  # "quit" and "med" apart
    "ex-38 weeker, term",  # a term baby
    "sheath left in after the angiogram, when can it come out?",  # an arterial sheath
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


# Set A (this session's fault finder)

def test_a_qualified_scope_item_names_its_head() -> None:
    phrases = condition_phrases(Scope("ngc:11207", "guideline", "", (
        "Renovascular hypertension with either normal or decreased renal function",), "", ()))
    assert "Renovascular hypertension" in phrases, phrases
    # a population is no condition
    assert "Patients" not in condition_phrases(Scope("ngc:0", "guideline", "", ("Patients with chronic pain",), "", ()))


def test_a_name_with_an_abbreviation_inside_is_whole_written_out() -> None:
    others = [Scope(f"ngc:x{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ()) for i in range(100)]
    index = ScopeIndex([Scope("ngc:11207", "guideline", "ACR renovascular hypertension",
                              ("Renovascular hypertension with either normal or decreased renal function",), "", ()),
                        Scope("ngc:10323", "guideline", "Management of chronic kidney disease", ("GFR",), "", ()),
                        *others])
    question = ("74M, PVD + CABG, eGFR 22, abdominal bruit. ?renovascular HTN - which imaging test do we start with "
                "given his GFR?")
    frame = understand(question, scopes=index)
    assert "Renovascular hypertension" in frame.conditions, frame.conditions
    # the clause after the dash names a measurement, not what the question is about
    assert ("renovascular", "hypertens") in frame.focus_keys, frame.focus_keys


@pytest.mark.parametrize(("question", "aspect"), [
    ("82M on a condom sheath. how often should the sheath be changed?", "monitoring"),
    ("6 y/o, our ax: RAD. GP keen to start risperidone for the rages - should we be using meds for this?", "first-line"),
])
def test_asked_aspects_of_set_a(question: str, aspect: str) -> None:
    assert understand(question).aspect == aspect


def test_a_placenta_still_in_is_retained() -> None:
    assert "retained placenta" in named_by_signs("just had her 3rd baby (SVD), placenta still in at 50 min despite CCT")
    assert "retained placenta" not in named_by_signs("placenta delivered complete at 10 min, EBL 300")


_CLL = ("haem clinic: 79F, 61 kg, lives alone, CrCl 38, HF (EF 35%), COPD on home neb, T2DM on insulin - CIRS 9. "
        "untreated CLL, now Binet C (Hb 92, plt 88, night sweats, 4 kg wt loss) so needs tx. FCR is out and we think "
        "bendamustine is too much for her as well. keen to keep hospital visits to a minimum. what first-line regimen?")


def test_what_the_telling_rules_out_makes_the_question_an_alternative() -> None:
    others = [Scope(f"ngc:x{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ()) for i in range(100)]
    index = ScopeIndex([
        Scope("ngc:10735", "guideline", "Ofatumumab with chlorambucil for untreated chronic lymphocytic leukaemia",
              ("Chronic lymphocytic leukaemia",), "", ("Ofatumumab", "Chlorambucil", "Bendamustine", "Fludarabine")),
        Scope("ngc:1", "guideline", "Chronic heart failure", ("Heart failure",), "", ("ACE inhibitors",)),
        Scope("ngc:2", "guideline", "COPD", ("Chronic obstructive pulmonary disease",), "", ("Bronchodilators",)),
        *others])
    frame = understand(_CLL, scopes=index)
    assert frame.aspect == "alternative", frame.aspects
    # the condition the ruled-out treatments are for, not the telling's heart failure or COPD
    assert len(frame.focus_keys) == 1 and "lymphocyt" in frame.focus_keys[0], frame.focus_keys
    assert frame.focus_drugs == ()
    # nothing ruled out: the first-line choice is asked
    assert understand(_CLL.replace("FCR is out and we think bendamustine is too much for her as well. ", ""),
                      scopes=index).aspect == "first-line"


@pytest.mark.parametrize(("text", "ruled"), [
    # (without the index's definitions, "FCR" names no drug here)
    ("FCR is out and we think bendamustine is too much for her as well", {"bendamustine"}),
    ("unfit for fludarabine, what now?", {"fludarabine"}),
    ("rituximab is fine, fludarabine is off the table", {"fludarabine"}),
    ("bendamustine worked well last time", set()),
])
def test_treatments_the_telling_rules_out(text: str, ruled: set[str]) -> None:
    from medcite.understand.frame import _ruled_out_treatments

    frame = understand(text)
    assert frame.expanded is not None
    assert set(_ruled_out_treatments(text, frame.drugs, frame.expanded)) == ruled, frame.drugs


@pytest.mark.parametrize("text", [
    "The person is ineligible for fludarabine-based therapy and Bendamustine is not suitable",
    "adults with untreated CLL who have comorbidities that make full-dose fludarabine-based therapy unsuitable for them",
])
def test_when_the_usual_treatment_cannot_be_used(text: str) -> None:
    from medcite.compose.aspects import aspect_bonus

    assert aspect_bonus("alternative", text) >= 0.9


def test_chatter_of_set_a() -> None:
    assert {"ve", "keen"} <= CHATTER


_FIBRYGA = ("Peds CICU: 3 y/o, 13 kg, 2 h off CPB after cardiac surgery, chest drain 8 mL/kg/h, fibrinogen 1.0 g/L, "
            "plt 95. blood bank only stocks Fibryga. what mg/kg dose do I give?")


def test_the_product_whose_dose_is_asked_is_not_covered() -> None:
    assert understand(_FIBRYGA, occurs=lambda w: "fibryga" not in w.lower()).unknown == "Fibryga"
    assert understand(_FIBRYGA, occurs=lambda w: True).unknown == ""
    # a name the telling gives when no dose is asked is the telling's ("Tenckhoff insertion is booked …
    # how long after the AAA repair should we wait?")
    told = ("71M ESKD, chose home PD and Tenckhoff insertion is being booked. how long after the AAA repair should we "
            "wait before starting PD?")
    assert understand(told, occurs=lambda w: "tenckhoff" not in w.lower()).unknown == ""


# Set C (held out, run once on ee3f954, then mended)

def test_a_person_is_no_unindexed_subject() -> None:
    from medcite.retrieve.query import expand
    from medcite.understand.frame import _unknown

    clause = "prosthetist writing the definitive limb Rx - which type of knee should we order for him?"
    absent = {"prosthetist", "monkeypox"}
    occurs = lambda w: not any(a.startswith(w.rstrip("*").lower()) for a in absent)  # noqa: E731
    assert _unknown(clause, expand(clause, None), [], False, occurs) == ""
    # a condition no passage names is still not covered
    named = "how long do we isolate him with the monkeypox rash?"
    assert _unknown(named, expand(named, None), [], False, occurs) == "monkeypox"


@pytest.mark.parametrize(("question", "aspect"), [
    ("erect AXR: dilated small-bowel loops with multiple air-fluid levels. surg reg happy to admit for drip + suck on "
     "the film alone - do we still need a CT A/P?", "diagnosis"),
    ("78F on atorvastatin 20 for years, now in a care home. does she still need her statin?", "stop"),
])
def test_asked_aspects_of_set_c(question: str, aspect: str) -> None:
    assert understand(question).aspect == aspect


def test_findings_that_name_small_bowel_obstruction() -> None:
    text = ("24 h colicky central pain, bilious vomiting x5, no flatus since yesterday. distended. erect AXR: dilated "
            "small-bowel loops with multiple air-fluid levels.")
    assert "small bowel obstruction" in named_by_signs(text)
    assert "small bowel obstruction" not in named_by_signs("AXR: no dilated loops, no air-fluid levels, soft abdomen")


def test_amputations_in_short() -> None:
    frame = understand("61M, L AKA 7 mo ago for PAD. which knee?")
    assert ("AKA", "above-knee amputation") in frame.expanded.abbreviations  # type: ignore[union-attr]


@pytest.mark.parametrize(("question", "aspect"), [
    ("allergy shots, med fridge logged 11-13 °C over the weekend. what temperature should his shot vials be stored at "
     "when he's not here?", "target"),
    ("9 y/o F, well-child. mum asks if she can sit in the front passenger seat now - how old should she be first?",
     "threshold"),
])
def test_asked_aspects_of_set_b(question: str, aspect: str) -> None:
    assert understand(question).aspect == aspect


def test_a_childs_eye_check_is_vision_screening() -> None:
    assert expand_shorthand("4yo boy, never had his eyes checked - is a screening eye test due yet?") == (
        "4yo boy, never had his vision screening - is a vision screening due yet?")
    assert {"boy", "girl", "yet", "never"} <= CHATTER
    # an adult's diabetic eye examination stays one
    adult = "58F T2DM, A1c 7.9, last eye exam 3 yrs ago - how often should she have one?"
    assert expand_shorthand(adult) == adult
