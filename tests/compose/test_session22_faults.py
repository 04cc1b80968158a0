"""Faults found in session 22 on fresh vignettes (set A, the fault finder) and in the answers to
the clinical set, each mended as a general rule:

- a list stored one item per passage ends where a lead-in of its own begins ("Febrile neutropenia
  is defined as:" took "Patients suspected of having febrile neutropenia should undergo:" and its
  items as items, and the answer showed that list twice);
- a sentence the answer already shows is not shown again (two labels of one drug say it alike);
- bedside shorthand: "CT CAP" is a staging scan of chest, abdomen and pelvis (no community-acquired
  pneumonia), "fridge" a refrigerator, "FM" fibromyalgia in a note about pain and "reduced FMs"
  fetal movements in one about a pregnancy; a TNM stage, a size in mm and a lab reported "nl" are
  the patient's details, no concepts;
- "MM" beside Breslow and excision is a melanoma, and "malignant melanoma" is what a guideline on
  melanoma calls "melanoma"; an abbreviation written with a number after it ("GBS 10" after
  melaena) is a score when it has such a sense, and names no condition;
- "does she need an echo?", "does he still need a proper hearing test?" ask whether to do a test;
  "keep it stopped or restart it?" whether a treatment goes on (cases in tests/understand/test_aspect.py);
- findings: melaena is upper gastrointestinal bleeding, a lump under a man's nipples
  gynaecomastia, bacteria grown in the urine of someone who feels well asymptomatic bacteriuria, a
  murmur as the examiner hears it ("harsh ejection systolic murmur") a heart murmur;
- "what clinical margin should we take?" asks for a target value, which "a clinical margin of at
  least 2 cm" states; "so RBV is out" says why first-line cannot be used; a device named with a
  capital inside it ("eXciteOSA, the daytime tongue stim device") that no passage names is not covered;
- a recommendation for pregnant women is no bottom line for a woman whose note gives no pregnancy;
- labs listed as normal ("K, Mg, Ca, TSH, CK, glucose nl") are one detail, and "no melaena" names no bleed;
- when a test is repeated ("a repeat skeletal survey performed approximately 2 weeks after …") states monitoring;
  "Continue low-dose aspirin for … in whom haemostasis has been achieved" answers whether it goes on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.answering import ask
from medcite.compose.build import _next_in_section, _unrepeated
from medcite.compose.judge import MAX_SEPARATE_ITEMS, _leads_in, list_items
from medcite.compose.select import candidates
from medcite.understand.aspect import asked_aspect
from medcite.understand.concepts import Concept
from medcite.understand.findings import named_by_signs
from medcite.understand.frame import _sense, _valued
from medcite.understand.vignette import CHATTER, detail_spans, expand_shorthand


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    # Alberta febrile neutropenia (ngc:10258), whose key points hold two lists one after the other
    with ngc_store(("10258",), tmp_path_factory.mktemp("s22"), data_dir) as s:
        yield s


def _said(answer) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for s in answer.statements():
        if s.kind == "claim":
            out.append(" ".join(s.text.split()))
    return out


def test_a_list_ends_where_a_lead_in_of_its_own_begins(store) -> None:  # type: ignore[no-untyped-def]
    lead = next(c for c in candidates(store.passages_of("ngc:10258"), [])
                if c.text.startswith("Febrile neutropenia is defined as"))
    items = list_items([lead], [], following=lambda hit: _next_in_section(store, hit, MAX_SEPARATE_ITEMS + 1))
    assert [i.text for i in items][:1] and all(not i.text.endswith(":") for i in items)
    assert not any("History and physical exam" in i.text for i in items)  # the next list's items


def test_an_answer_shows_each_sentence_once(store) -> None:  # type: ignore[no-untyped-def]
    answer = ask("What is the preferred initial empiric antibiotic therapy for adult cancer patients with febrile "
                 "neutropenia?", store, save=False)
    said = _said(answer)
    lead = "Patients suspected of having febrile neutropenia should undergo:"
    assert said.count(lead) <= 1
    assert len(said) == len(set(said)), "no sentence is shown twice"
    defined = [s for s in answer.statements() if s.text.startswith("Febrile neutropenia is defined as")]
    for s in defined:
        assert all(not k.text.endswith(":") for k in s.children)


@pytest.mark.parametrize(("line", "leads"), [
    ("Patients suspected of having febrile neutropenia should undergo:", True),
    ("Offer an ECG if the person has any of:", True),
    ("In children aged 1 to 5 years:", False),  # a sub-heading of the list it is in
    ("Adults:", False),
    ("Neutrophils less than 0.5 x 109 cells/L", False),
])
def test_a_lead_in_of_its_own(line: str, leads: bool) -> None:
    assert _leads_in(line) is leads


def test_a_sentence_already_shown_is_not_shown_again(store) -> None:  # type: ignore[no-untyped-def]
    passages = store.passages_of("ngc:10258")
    cands = candidates([p for p in passages if "piperacillin" in p.text.lower()], [])
    first = cands[0]
    twin = replace(first, hit=replace(first.hit, passage_id=first.hit.passage_id + 10_000))
    other = next(c for c in cands if c.text != first.text)
    shown: set[str] = set()
    assert _unrepeated([first, twin, other], shown) == [first, other]
    # what the bottom line says is not repeated below it
    assert _unrepeated([twin], {" ".join(first.text.lower().split()).rstrip(".;: ")}) == []


@pytest.mark.parametrize(("text", "written"), [
    ("SLNB neg, CT CAP clear -> pT3a N0 M0", "CT chest abdomen pelvis clear"),
    ("staging CT TAP booked", "CT chest abdomen pelvis"),
    ("no fridge, mild weather", "no refrigerator"),
    ("46F, FM for 3 yrs (WPI 11, SSS 8), pregabalin 75 bd", "fibromyalgia for 3 yrs"),
    ("G2 at 36/40, reduced FMs since yesterday", "reduced fetal movements since"),
])
def test_bedside_shorthand_of_set_a(text: str, written: str) -> None:
    assert written in expand_shorthand(text)


@pytest.mark.parametrize("text", [
    "G1P0 at 41+2 by dating scan, good FM, cephalic",  # a normal finding, left alone
    "G1 at 30/40 with back pain, FM normal",  # a pregnancy's FM is never fibromyalgia
    "CAP, CURB-65 1, on amoxicillin",  # a pneumonia is one still
])
def test_shorthand_of_set_a_left_alone(text: str) -> None:
    out = expand_shorthand(text)
    assert "fibromyalgia" not in out and "chest abdomen pelvis" not in out


@pytest.mark.parametrize(("text", "detail"), [
    ("nodular MM, Breslow 2.6 mm, non-ulcerated, mitoses 3/mm2", "2.6 mm"),
    ("nodular MM, Breslow 2.6 mm, non-ulcerated, mitoses 3/mm2", "3/mm2"),
    ("SLNB neg -> pT3a N0 M0", "pT3a N0 M0"),
    ("T2N1M0 adenocarcinoma", "T2N1M0"),
    ("bloods, TFTs and CK nl", "bloods, TFTs and CK nl"),
    ("K, Mg, Ca, TSH, CK, glucose nl, no neuropathy", "K, Mg, Ca, TSH, CK, glucose nl"),
    ("LFTs normal, afebrile", "LFTs normal"),
])
def test_details_of_set_a(text: str, detail: str) -> None:
    spans = [text[a:b].strip() for a, b in detail_spans(text)]
    assert detail in spans


def test_result_words_are_chatter() -> None:
    assert {"neg", "pos", "nothing", "fy1", "booking"} <= CHATTER


def test_a_modifier_a_guideline_drops() -> None:
    melanoma = Concept("malignant melanoma", (frozenset({"malign", "melanoma"}),), 1.0)
    assert melanoma.covered_by(frozenset({"stage", "ii", "melanoma"}))
    myeloma = Concept("multiple myeloma", (frozenset({"multipl", "myeloma"}),), 1.0)
    assert not myeloma.covered_by(frozenset({"myeloma"}))


def test_an_abbreviation_with_a_value_is_a_score() -> None:
    text = "in with melaena, Hb 86, GBS 10. OGD this am: DU with visible vessel"
    assert _valued("GBS", text) and not _valued("OGD", text)
    options = ["Guillain-Barré syndrome", "group B Streptococcus", "Glasgow-Blatchford score"]
    assert _sense(options, set(), None, valued=True) == "Glasgow-Blatchford score"
    assert _sense(options, set(), None) == "Guillain-Barré syndrome"
    # without a score or measurement among its senses, the value changes nothing
    assert _sense(["multiple sclerosis", "mitral stenosis"], set(), None, valued=True) == "multiple sclerosis"


@pytest.mark.parametrize(("text", "name"), [
    ("71M in with melaena, Hb 86", "upper gastrointestinal bleeding"),
    ("coffee-ground vomiting overnight", "upper gastrointestinal bleeding"),
    ("61M on spironolactone. 4 mo of tender rubbery ~3 cm discs right under both nipples", "gynecomastia"),
    ("MSU grew E. coli >10^5, nitrites +, but she feels well - no fever", "asymptomatic bacteriuria"),
])
def test_findings_of_set_a(text: str, name: str) -> None:
    assert name in named_by_signs(text)


@pytest.mark.parametrize("text", [
    "52F, 2 cm hard lump under the L nipple, skin tethering",  # a woman's breast lump
    "urine grew E. coli, fever 39, loin pain",  # an infection with symptoms
])
def test_findings_that_name_neither(text: str) -> None:
    assert not {"gynecomastia", "asymptomatic bacteriuria"} & set(named_by_signs(text))


def test_an_excision_margin_is_a_target() -> None:
    from medcite.compose.aspects import aspect_bonus

    assert asked_aspect("plastics booking the WLE next wk - what clinical margin should we take?") == "target"
    assert aspect_bonus("target", "Offer excision with a clinical margin of at least 2 cm to people with stage II "
                                  "melanoma.") >= 0.9
    assert aspect_bonus("target", "Margins should be assessed by the pathologist.") == 0.0


@pytest.mark.parametrize("text", [
    "new harsh ejection systolic murmur at R 2nd ICS radiating to the carotids",
    "soft ESM, otherwise well",
])
def test_a_murmur_as_heard_is_a_heart_murmur(text: str) -> None:
    assert "heart murmur" in named_by_signs(text)


def test_a_treatment_that_is_out_is_contraindicated() -> None:
    from medcite.understand.aspect import alternative_reasons

    assert "contraindication" in alternative_reasons("he has thalassaemia intermedia (Hb 92), so RBV is out")
    assert "contraindication" not in alternative_reasons("the rash is out of proportion to the fever")


def test_a_device_named_with_a_capital_inside() -> None:
    from medcite.understand.frame import _PRODUCT

    names = [m.group(1) for m in _PRODUCT.finditer("he has read about eXciteOSA, the daytime tongue stim device.")]
    assert names == ["eXciteOSA"]
    assert not [m.group(1) for m in _PRODUCT.finditer("she has read about it, the new device.")]


def test_a_recommendation_for_pregnant_women_is_no_bottom_line_for_another_woman(store) -> None:  # type: ignore[no-untyped-def]
    from medcite.compose.build import _context, _for_pregnancy_only
    from medcite.retrieve.search import Retriever

    def cand(text: str):  # type: ignore[no-untyped-def]
        c = candidates(store.passages_of("ngc:10258")[:1], [])[0]
        return replace(c, text=text)

    for_pregnancy = cand("A seven-day antibiotic regimen is recommended for all pregnant women with asymptomatic "
                         "bacteriuria (ASB) to prevent persistent bacteriuria.")
    caution = cand("Doxycycline should not be used in pregnant women.")
    woman = _context("38F with MS doing CISC 5x/day. MSU grew E. coli but she feels well - treat with "
                     "nitrofurantoin?", "clinician", "", None, Retriever(store), store)
    assert _for_pregnancy_only(woman, for_pregnancy) and not _for_pregnancy_only(woman, caution)
    pregnant = _context("G2 at 14/40, MSU grew E. coli but she feels well - treat?", "clinician", "", None,
                        Retriever(store), store)
    assert not _for_pregnancy_only(pregnant, for_pregnancy)


@pytest.mark.parametrize("text", [
    "76F, transfusion-dependent IDA (2 units a month), no melaena. OGD: red ectatic stripes",
    "denies melena or hematemesis",
])
def test_a_bleed_ruled_out_is_none(text: str) -> None:
    assert "upper gastrointestinal bleeding" not in named_by_signs(text)


@pytest.mark.parametrize(("sentence", "states"), [
    ("In children 24 months of age or younger with equivocal skeletal survey or with a high clinical suspicion for "
     "abuse and a negative initial skeletal survey, a repeat limited/focused skeletal survey performed at 2 weeks may "
     "add diagnostic information.", True),
    ("In children <24 months of age, a repeat skeletal survey performed approximately 2 weeks after the initial "
     "examination can detect fractures not seen on initial skeletal survey.", True),
    ("Follow-up imaging at 6 months is suggested.", True),
    ("Repeat testing is not needed.", False),  # no time
    ("A second dose is given 4 weeks later.", False),  # a dose, no test
])
def test_when_a_test_is_repeated_is_monitoring(sentence: str, states: bool) -> None:
    from medcite.compose.aspects import aspect_bonus

    assert (aspect_bonus("monitoring", sentence) >= 1.0) is states


@pytest.mark.parametrize(("sentence", "states"), [
    ("Continue low-dose aspirin for secondary prevention of vascular events in patients with upper gastrointestinal "
     "bleeding in whom haemostasis has been achieved.", True),
    ("Restart warfarin once haemostasis is secure.", True),
    # a clause that keeps one drug beside another is no answer to whether to stop it
    ("When starting insulin therapy in adults with type 2 diabetes, continue to offer metformin for people without "
     "contraindications.", False),
    ("Continue to monitor for 6 hours.", False),
])
def test_keeping_or_restarting_a_drug_answers_whether_it_goes_on(sentence: str, states: bool) -> None:
    from medcite.compose.aspects import aspect_bonus

    assert (aspect_bonus("stop", sentence) > 0) is states
