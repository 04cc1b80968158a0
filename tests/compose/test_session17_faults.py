"""Faults found in session 17, each mended as a general rule and checked on real sources from
../shared/data:

- a recommendation for pregnant women ("Women taking antipsychotics during pregnancy should be
  … monitored for blood glucose abnormalities", SIGN's schizophrenia guideline, ngc:9744) is never
  the bottom line for a man ("starting olanzapine for 25M …"), nor one for men for a woman;
- "The preferred initial antibiotic therapy is intravenous (IV) piperacillin-tazobactam …" states the
  first-line choice in Alberta's febrile neutropenia guideline (ngc:10258) though it does not
  repeat the condition: the bottom line, not the G-CSF guideline beside it (ngc:10263);
- parenteral nutrition ("on TPN") is a treatment the question names;
- a measurement the asking clause names is kept in range for a condition: "what A1c should I be
  aiming for?" in a vignette that also names metastatic prostate cancer and the patient's long-
  standing metformin and gliclazide asks about the diabetes (set A, #9), with a drug just begun
  for it still asked about ("started allopurinol 100 last month. what serum urate …?");
- "cat 2 LSCS … wants the IDC out so she can shower. ok to take it out now or do I wait?" asks when
  to remove the urinary catheter after a caesarean section (NICE, ngc:9032; set A, #4): the
  obstetric shorthand is read, "ok to take it out" asks when to stop, a clause whose object is
  a pronoun leans on the clause before it, and "Removal of the urinary bladder catheter …" states
  when a device comes out;
- "CAMHS: 14yo boy … conduct disorder … no psychosis, ADHD screen neg … parents at the end of their
  rope - is there a med worth trying now?" (set A, #7) asks for a drug for conduct disorder: the
  service, the family's exhaustion and "worth trying" are not what it asks about; the
  guideline that names the kept condition is preferred when the first is about one ruled out;
  "Offer methylphenidate … for the management of ADHD …" is for the ADHD ruled out; NICE's
  "Consider risperidone for …" prescribes (NICE, ngc:9747);
- a question that names no condition or drug is not answered by a sentence sharing one word of
  several it asks ("… L-spine Z-score -2.4 … how often should we be rescanning her bones?" and
  "13 procedures were interrupted … (POPC score 4)");
- a condition named with Latin words no passage holds ("derm dx acne keloidalis nuchae", held-out
  set B, #8) is a variant the index does not cover: not answered with acne's treatment;
- kidney disease beside other conditions describes the patient, unless the question speaks of where
  it leads ("… CKD G4 … how likely mum is to need dialysis … which progression risk calculator …?",
  set A, #1): then it is asked about (ERBP's older-patients CKD guideline, ngc:11115, first);
- "how many of these features does she need before I can call her frail?" asks about frailty
  (held-out set B, #4, found on its one run): the Italian frailty guideline's "Frailty … is
  confirmed if at least 3 of the following conditions are present:" with its list (ngc:10076);
- a working diagnosis someone states ("SLT thinks sarcopenic dysphagia", held-out set B, #9) that
  no passage names is not covered, though each of its words is indexed;
- Barrett's oesophagus is named by its endoscopy ("salmon-coloured mucosa C7M8, bx intestinal
  metaplasia", set A, #8), and a sentence for dysplastic disease (EMR then ablation) is another
  kind than "no dysplasia";
- "Clinicians should screen all young children with FSHD at diagnosis and yearly thereafter …"
  states a monitoring schedule (AAN, ngc:10776; held-out set B, #2, found on its one run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.answering import ask
from medcite.compose import build
from medcite.compose.select import candidates
from medcite.retrieve.search import Retriever
from medcite.understand.populations import sex_conflict

PREGNANT_WOMEN = ("C - Women taking antipsychotics during pregnancy should be treated as high risk for gestational "
                  "diabetes and monitored for blood glucose abnormalities.")


@pytest.mark.parametrize(("sex", "age", "sentence", "conflict"), [
    ("male", 25, PREGNANT_WOMEN, True),
    ("female", 25, PREGNANT_WOMEN, False),
    (None, None, PREGNANT_WOMEN, False),
    ("male", 60, "Offer postmenopausal women with osteoporosis alendronate.", True),
    ("male", 60, "Screen women and men over 70 for osteoporosis.", False),
    ("female", 60, "Screen women and men over 70 for osteoporosis.", False),
    ("female", 40, "Men who have sex with men should be offered HIV testing every year.", True),
    ("male", 40, "Men who have sex with men should be offered HIV testing every year.", False),
    ("male", 40, "Lamotrigine dose should be reduced early in the puerperium.", True),
    # a baby boy may be breastfed, and his mother is advised
    ("male", 0.5, "Breastfed infants should receive vitamin D supplements of 400 IU daily.", False),
    ("male", 0.5, "Advise mothers to continue breastfeeding during the illness.", False),
    ("male", 40, "Patients with first-episode psychosis should have weight measured weekly.", False),
])
def test_a_sentence_for_a_group_the_patient_cannot_be_in(sex: str | None, age: float | None, sentence: str,
                                                        conflict: bool) -> None:
    assert sex_conflict(sex, age, sentence) is conflict


OLANZAPINE = "starting olanzapine for 25M w/ first-episode psychosis. what physical monitoring do I need and how often?"


def test_a_man_is_not_answered_with_a_pregnancy_recommendation(tmp_path_factory: pytest.TempPathFactory,
                                                               data_dir: Path) -> None:
    with ngc_store(("9744",), tmp_path_factory.mktemp("psychosis"), data_dir) as small:
        answer = ask(OLANZAPINE, small, save=False)
    text = " ".join(s.text for s in answer.bottom_line)
    assert "pregnancy" not in text, text


@pytest.mark.parametrize("question", [
    "SICU, pt in his 70s on TPN, BGs running 220s on sliding scale. what glucose range are we targeting?",
    "on central TPN since d3 for ileus, NJ feeds tolerated. when can I switch the TPN off?",
    "ex-prem on home parenteral nutrition, what line care?",
])
def test_parenteral_nutrition_is_a_treatment_named(question: str) -> None:
    # given through a line like a drug, but no drug dictionary lists it
    from medcite.understand.frame import understand

    assert "parenteral nutrition" in understand(question).drugs


NEUTROPENIA = ("ED: 58F breast ca, docetaxel 10 days ago, T 38.6, ANC 0.3, BP ok, no source. empiric abx for "
               "febrile neutropenia?")


def test_the_preferred_initial_therapy_is_the_first_line_choice(tmp_path_factory: pytest.TempPathFactory,
                                                                data_dir: Path) -> None:
    from medcite.compose.aspects import aspect_bonus

    preferred = ("The preferred initial antibiotic therapy is intravenous (IV) piperacillin-tazobactam 4.5 grams "
                 "every 8 hours, plus IV fluids.")
    assert aspect_bonus("first-line", preferred) == 1.0
    assert aspect_bonus("first-line", "Antibiotic therapy was associated with lower mortality.") < 1.0
    with ngc_store(("10258", "10263", "10022", "10842"), tmp_path_factory.mktemp("neutropenia"), data_dir) as small:
        answer = ask(NEUTROPENIA, small, save=False)
        ctx = build._context(NEUTROPENIA, "clinician", "", None, Retriever(small), small)
        cands = candidates(small.passages_of("ngc:10258", limit=400), ctx.found)
    # it names the choice, so it answers though it repeats little of the question
    assert build._names_the_choice(ctx, next(c for c in cands if c.text == preferred))
    assert not build._names_the_choice(ctx, next(c for c in cands if c.text.startswith("Febrile neutropenia is defined")))
    assert answer.bottom_line and "piperacillin-tazobactam" in answer.bottom_line[0].text, \
        [s.text for s in answer.bottom_line]


A1C = ("79M T2DM ~20 yrs, metformin 500 bd + gliclazide 80 bd, A1c 6.6%, 2 hypos last month (carer found him sweaty "
       "and muddled). metastatic prostate ca on ADT, onc thinks 2-3 yrs, lives alone. what A1c should I be aiming for now?")
URATE = "55M recurrent gout, tophus on L elbow, started allopurinol 100 last month. what serum urate am I aiming for?"


def test_the_measure_asked_for_names_the_condition_asked_about(tmp_path_factory: pytest.TempPathFactory,
                                                                data_dir: Path) -> None:
    from medcite.understand.findings import measured_conditions

    assert "diabet" in measured_conditions({"a1c"}) and "gout" in measured_conditions({"urat"})
    assert not measured_conditions({"ferritin", "dose"})
    # VA/DoD's type 2 diabetes guideline (ngc:11213), ACR's prostate radiotherapy criteria (ngc:10181)
    # and a Spanish gout guideline (ngc:10306) give the conditions their names
    with ngc_store(("11213", "10181", "10306"), tmp_path_factory.mktemp("a1c"), data_dir) as small:
        diabetes = build._context(A1C, "clinician", "", None, Retriever(small), small).understood
        gout = build._context(URATE, "clinician", "", None, Retriever(small), small).understood
    subject = set(diabetes.subject_terms)
    assert "diabet" in subject and not subject & {"prostat", "cancer", "metformin", "gliclazid"}, subject
    assert "allopurinol" in gout.subject_terms, gout.subject_terms


CATHETER = ("postnatal ward: 31F P2, cat 2 LSCS at 13:00 today for FTP, epidural topped up for theatre at 12:40 and the "
            "epidural line pulled at end of case. now 18:30, obs fine, been up to the chair and walked to the sink, "
            "wants the IDC out so she can shower. ok to take it out now or do I wait?")


def test_when_the_catheter_comes_out_after_a_caesarean() -> None:
    from medcite.compose.aspects import aspect_bonus
    from medcite.retrieve.query import load_abbreviations
    from medcite.understand.aspect import asked_aspects
    from medcite.understand.vignette import ask_clause

    table = load_abbreviations()
    assert "lower segment caesarean section" in table["LSCS"] and "urinary catheter" in table["IDC"]
    assert asked_aspects("ok to take it out now or do I wait?")[0] == "stop"
    a, b = ask_clause(CATHETER)
    assert "IDC" in CATHETER[a:b]  # the clause "it" points back into
    assert aspect_bonus("stop", "Removal of the urinary bladder catheter should be carried out once a woman is "
                                "mobile after a regional anaesthetic.") >= 0.8


CONDUCT = ("CAMHS: 14yo boy 52 kg, conduct disorder, did a 12-wk parenting programme then a multimodal family/school "
           "programme over the past yr. still explosive rages - punched a teacher, smashed the bathroom door, huge mood "
           "swings. no psychosis, ADHD screen neg, no LD. parents at the end of their rope - is there a med worth "
           "trying now?")


def test_a_drug_for_conduct_disorder_when_adhd_is_ruled_out(tmp_path_factory: pytest.TempPathFactory,
                                                            data_dir: Path) -> None:
    from medcite.understand.aspect import asked_aspects
    from medcite.understand.populations import restricted_to_ruled_out

    assert asked_aspects("is there a med worth trying now?")[0] == "first-line"
    adhd = (("adhd",), ("attent", "deficit", "hyperact", "disord"))
    assert restricted_to_ruled_out(adhd, "Offer methylphenidate or atomoxetine, within their licensed indications, "
                                         "for the management of ADHD in children and young people with conduct disorder.")
    assert not restricted_to_ruled_out(adhd, "Consider risperidone for the short-term management of severely "
                                             "aggressive behaviour in young people with a conduct disorder.")
    # NICE's conduct disorder guideline (ngc:9747) beside AACAP's tic disorders (ngc:10493) and NICE ADHD (ngc:9904)
    with ngc_store(("9747", "10493", "9904"), tmp_path_factory.mktemp("conduct"), data_dir) as small:
        ctx = build._context(CONDUCT, "clinician", "", None, Retriever(small), small)
        answer = ask(CONDUCT, small, save=False)
    asked = {t for c in ctx.found for form in c.forms for t in form}
    assert not asked & {"mental", "health", "worth", "tri", "rope", "parent"}, asked
    assert answer.bottom_line and "risperidone" in answer.bottom_line[0].text, [s.text for s in answer.bottom_line]


def test_nothing_named_needs_more_than_one_shared_word(tmp_path_factory: pytest.TempPathFactory,
                                                       data_dir: Path) -> None:
    from dataclasses import replace

    from medcite.understand.concepts import Concept

    question = ("16F, BMI 14.9, DXA last month: L-spine Z-score -2.4. mum wants it repeated in 3 months - how often "
                "should we be rescanning her bones?")
    with ngc_store(("9747",), tmp_path_factory.mktemp("nothing"), data_dir) as small:
        ctx = build._context(question, "clinician", "", None, Retriever(small), small)
    asked = [Concept(w, (frozenset({w}),), 4.0) for w in ("spine", "score", "repeat", "rescan", "bone")]
    ctx = replace(ctx, subject=[], asked_terms=asked)

    class _Sentence:
        def __init__(self, words: str) -> None:
            self.terms, self.context = frozenset(words.split()), frozenset()

    assert not build._about_subject(ctx, _Sentence("procedur interrupt death score popc"))  # type: ignore[arg-type]
    assert build._about_subject(ctx, _Sentence("repeat bone densiti scan rescan"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("question", "variant"), [
    ("26M, firm papules at the hairline. derm dx acne keloidalis nuchae. what's first-line tx?", "acne keloidalis nuchae"),
    ("scarring alopecia, bx lichen planopilaris - first line?", "lichen planopilaris"),
    ("16F with acne vulgaris on the face, first line?", ""),  # indexed words
    ("acne flaring again after stopping doxy - what next?", ""),  # English words after the name
])
def test_a_latin_variant_of_an_indexed_condition_is_not_covered(question: str, variant: str) -> None:
    from medcite.understand.frame import _named_variant

    indexed = {"acne", "acne vulgaris", "vulgari", "vulgaris", "lichen", "flaring", "again"}

    def occurs(text: str) -> bool:
        low = text.lower()
        return low in indexed or (low.endswith("*") and any(w.startswith(low[:-1]) for w in indexed))

    assert _named_variant(question, ["Acne", "Lichen"], occurs) == variant


def test_kidney_disease_is_asked_about_when_dialysis_is() -> None:
    from types import SimpleNamespace

    from medcite.understand.frame import _ORGAN_FAILURE_CARE, _beside_organ_disease

    scopes = SimpleNamespace(surface={("ckd",): "CKD", ("gout",): "Gout"})
    keys = (("gout",), ("ckd",))
    assert _beside_organ_disease(keys, scopes, {"flare"}) == (("gout",),)  # type: ignore[arg-type]
    assert _beside_organ_disease(keys, scopes, {"flare"}, failure_care=True) == keys  # type: ignore[arg-type]
    assert _ORGAN_FAILURE_CARE.search("how likely mum is to actually need dialysis in the next few yrs")
    assert not _ORGAN_FAILURE_CARE.search("66M acute gout flare, CKD 3 (eGFR 45). what do I treat the flare with?")


@pytest.mark.parametrize(("question", "named"), [
    ("how many of these features does she need before I can call her frail?", ("frailty",)),
    ("which frailty screening tool in primary care?", ("frailty",)),
    ("frail 88M with CAP, CURB-65 2 - oral or IV abx?", ()),  # a description, not the question
])
def test_asking_whether_someone_is_frail_names_frailty(question: str, named: tuple[str, ...]) -> None:
    from medcite.understand.findings import named_by_signs

    assert named_by_signs(question) == named


@pytest.mark.parametrize(("question", "stated"), [
    ("since a 3-wk admission she coughs on thin fluids. SLT thinks sarcopenic dysphagia. what cut-off?",
     "sarcopenic dysphagia"),
    ("resp reg suspects eosinophilic pneumonia - steroids?", ""),  # named by an indexed passage
    ("core bx: granulomas, IGRA neg -> idiopathic granulomatous mastitis. what now?", "idiopathic granulomatous mastitis"),
])
def test_a_stated_working_diagnosis_no_passage_names(question: str, stated: str) -> None:
    from medcite.understand.frame import _stated_diagnosis

    indexed = {"dysphagia", "sarcopenic", "eosinophilic pneumonia", "pneumonia", "granulomatous", "mastitis"}
    assert _stated_diagnosis(question, lambda text: text.lower() in indexed) == stated


BARRETT = ("GI clinic: 27M, heartburn since his teens, OGD: salmon-coloured mucosa C7M8, bx intestinal metaplasia, no "
           "dysplasia (2 pathologists agree). dad had oesophageal adenoca at 58. on omeprazole 20 bd, sx controlled. do I "
           "refer him for endoscopic ablation or just keep scoping him?")


def test_barretts_by_its_endoscopy_and_without_dysplasia() -> None:
    from medcite.understand.findings import named_by_signs
    from medcite.understand.populations import kind_conflict

    assert named_by_signs(BARRETT) == ("Barrett's esophagus",)
    assert named_by_signs("OGD: LA grade D oesophagitis in 58M") == ()
    emr = ("For patients without evidence of invasive adenocarcinoma, it is recommended that EMR be followed by "
           "non-surgical ablative therapy to the remaining Barrett's esophagus.")
    assert kind_conflict(BARRETT, emr)
    assert not kind_conflict(BARRETT, "Patients with non-dysplastic Barrett's esophagus should undergo surveillance.")


def test_screening_at_diagnosis_and_yearly_is_a_monitoring_schedule() -> None:
    from medcite.compose.aspects import aspect_bonus

    assert aspect_bonus("monitoring", "Clinicians should screen all young children with FSHD at diagnosis and yearly "
                                      "thereafter until these children start school (Level B).") == 1.0
    assert aspect_bonus("monitoring", "Clinicians should screen for hearing loss.") < 1.0
