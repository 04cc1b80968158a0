"""Faults found in session 19 on fresh vignettes (sets G and K), each mended as a general rule and
checked on real sources from ../shared/data:

- how clinicians ask: "is that worth starting?" (whether to use it at all), "should I be ordering
  those routinely?" and "should I order the abdo US?" (a test), "push on … or stop it?" and "any
  point carrying on with that?" (when to stop), "how many days a week?" and "every 4 wks or every
  3 mo?" (how often a dose is given, not how long), "is there anything else … I can try?" (an
  alternative), "do we sit tight … or act?" and "do we stent this now or not?" (whether to act),
  "is that still relevant 8 yrs on?" (how long); "allergic asthma" is no allergy;
- findings that name their condition: a PHQ-9 of 10 or more, fluid in a fetus, a baby bringing
  feeds back, a sports physical asking about an ECG, calf cramps, an intimal flap after a crash,
  an aorta scanned; "OTC calcium 500 mg" is a dose, not a calcium level;
- a condition named once under a negation and once outside it ("no previous fractures … to
  prevent fractures") is asked about; tests listed as normal ("K, Mg, Ca, TSH, CK, glucose nl")
  name no drug; "had ITP yrs ago" is history; a vignette's opening list of common conditions
  ("66M, HTN, T2DM diet-controlled, eGFR 58.") is the background to the rarer one its story tells;
- "stop it" after "started omalizumab … 2 more pred bursts" means the drug begun;
- a stopping rule told by its futility ("does not respond within 4 months … unlikely that further
  administration … will be beneficial") states when to stop; a technology appraisal's funding
  transition is no bottom line;
- scope items name their cause ("Macular oedema secondary to branch or central retinal vein
  occlusion") and an injury by its site ("… ligament ankle sprains"); BRVO, US, CST … in their
  bedside senses; a short form one document defines in another sense counts against the majority;
- set L, held out and run once, then mended: "w/d" is withdrawal, a CIWA score or a drinker's detox
  names alcohol withdrawal, which counts as the treated condition when the clause names only the
  drugs that cannot be used; periods that come as floods are abnormal uterine bleeding; comfort-
  focused care is end of life care; "medically clear" is a medical clearance; "reasonable as the
  first step?" and "do I actually need to send all that?" ask for a first choice and a test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.answering import ask
from medcite.compose.aspects import aspect_bonus
from medcite.compose.judge import bottom_line_material
from medcite.retrieve.query import expand
from medcite.retrieve.scope import Scope, condition_phrases
from medcite.understand.aspect import alternative_reasons, asked_aspects
from medcite.understand.findings import implied_conditions
from medcite.understand.frame import understand

G = {
    "sports": "sports physical, FM clinic: 16M starting varsity basketball. no chest pain, fainting or undue SOB w/ "
              "exertion, never told he has a murmur, BP 116/70. dad saw a news story about a teen collapsing on court "
              "and wants an ECG + echo before the season. should I be ordering those routinely for him?",
    "calcium": "58F, periods stopped at 51, lives on her own, fit, no previous fractures, no steroids. DXA last yr: hip "
               "T -1.3, spine -1.1. 25-OH vit D 32 ng/mL, Ca 2.35, eGFR 84. her sister told her to take OTC calcium "
               "500 mg + D3 400 IU once a day 'to protect her bones'. is that worth starting just to prevent fractures?",
    "reflux": "GP: 9-wk-old boy, formula-fed, 4.9 kg (25th centile, steady), brings up milk after nearly every feed - "
              "effortless, not projectile, never green or bloody. screams + arches through feeds x3 wks, mum exhausted. "
              "was on 150 ml q3h -> cut to ~100 ml q2h, then 2 wks of a carob-bean thickened formula - no better. "
              "afebrile, plenty of wet nappies, exam nl. what do I try next, and for how long before we review?",
    "hydrops": "fetal medicine: G3P2, 25+3/40, referred from anatomy f/u - fetal ascites, skin oedema over scalp + "
               "chest, small pericardial effusion. maternal antibody screen neg, no consanguinity. MCA peak systolic "
               "velocity today 1.7 MoM. parvo/TORCH serology + amnio for microarray sent. do we sit tight for the "
               "results or act on the Doppler now - what do we offer her?",
    "eczema": "derm clinic: 7yo girl, 24 kg, mod-severe AD since infancy, always flares in elbow + knee creases. clear "
              "now after 2 wks mometasone 0.1% oint daily + emollients, but she's flared 4x in 6 mo, each time within "
              "~2 wks of stopping. mum wants a plan to keep her clear - keep the steroid going on those spots? how "
              "many days a week?",
    "zoledronate": "onc day unit: 61F ER+/HER2- breast ca, new bone-only mets (T6-T9, L ilium, ribs), starting "
                   "letrozole + palbociclib. zoledronic acid 4 mg IV planned, Cr 68, corrected Ca 2.38. does the zol "
                   "have to be every 4 wks or can we space it to every 3 mo from the start?",
    "proteinuria": "renal clinic: 64M, HTN, CKD G3a (eGFR 49, stable 3 yrs), not diabetic, on ramipril 10 mg + "
                   "amlodipine 10, BP 128/78, K 4.8. uPCR 38 mg/mmol last time. GP has been sending urine protein "
                   "every 3 mo. any point carrying on with that now he's on max ACEi?",
    "omalizumab": "severe asthma clinic: 42F, allergic asthma, HDM + cat sensitised, total IgE 240, on high-dose "
                  "ICS/LABA + LAMA + montelukast, technique + adherence checked. started omalizumab 18 wks ago (dosed "
                  "off IgE/wt) - ACQ-6 still 2.8, 2 more pred bursts since starting, FEV1 unchanged. push on another "
                  "few months or stop it?",
    "cramps": "78M, painful calf cramps most nights x6 mo, wakes him 2-3x. stretching at bedtime did nothing. K, Mg, "
              "Ca, TSH, CK, glucose nl, no neuropathy on exam, eGFR 55. QTc 478 on his citalopram and had ITP yrs "
              "ago, so I'm not giving quinine. is there anything else with some evidence I can try?",
    "hodgkin": "gastro ward: 38M, cHL stage IIA in 2016 - ABVD x4 + 30 Gy ISRT, in CR since, HIV neg. admitted w/ "
               "melaena, Hb 71, needs 2 units RBC tonight. BT lab asking about special requirements - does the "
               "Hodgkin's hx change what blood he gets, and is that still relevant 8 yrs on?",
    "depression": "cardiac rehab: 66M, 7 wks post inferior STEMI (DES to RCA), EF 50%, on aspirin/ticagrelor, atorva "
                  "80, bisoprolol, ramipril. PHQ-9 today 17 - flat, no interest in anything, waking at 4am, not "
                  "suicidal. GP wants to start nortriptyline. ok, or what class should be 1st line for him?",
}
K = {
    "brvo": "66M, HTN, T2DM diet-controlled, eGFR 58. sup-temp BRVO R eye 6/12 ago, OCT still shows cystic fluid, "
            "CST 455 µm, VA 6/24. had macular grid laser 3 mo ago - no change in thickness or VA at review today. NHS "
            "eye clinic. what do we move him on to now?",
    "aorta": "MTC resus: 27M, motorbike vs car ~60 mph, GCS 15, HR 96, BP 128/74 after 1 L, 80 kg, Cr 88. CTA chest: "
             "small (<1 cm) intimal flap at the isthmus just distal to the L SCA origin, no periaortic haematoma. vasc "
             "reg asking - do we stent this now or not?",
    "ankle": "19F uni netball, landed on opp's foot 2d ago, lat ankle sprain R - swollen, bruised, ATFL tender. our "
             "physio wants to book therapeutic US sessions for the swelling - is that worth doing?",
    "aaa": "84M at annual physical in family practice (Ontario). ex-smoker 40 pk-yr, HTN on amlodipine 5, no abdo sx. "
           "never had his aorta scanned - son had his done at 66 and wants dad done too. should I order the abdo US "
           "at his age?",
}

L = {
    "withdrawal": "addiction clinic: 46M, ~1.5 bottles wine/day for yrs, wants to stop, asking for outpt detox. last "
                  "drink 14 h ago, tremor, sweaty, anxious, CIWA-Ar 11. no hx DTs or w/d seizures, no cirrhosis, LFTs "
                  "mildly up, wife at home to supervise. but he misused alprazolam and OD'd on it in 2022 (none since), "
                  "so really don't want to hand him chlordiazepoxide - what can I use instead for the w/d?",
    "ablation": "gyn clinic: 42F G3P3, done having kids, BMI 37. periods every 6-12 wks for yrs, then floods for 10-14 "
                "days, Hb 10.8. she wants to skip hormones and go straight to an ablation - reasonable as the first step?",
    "clearance": "ED: 34M known schizoaffective d/o, brought in by family - paranoid, hearing voices. psych intake won't "
                 "take him until we \"medically clear\" him with FBC, U&E, LFTs, TSH, UDS + EtOH level. do I actually "
                 "need to send all that on someone like this?",
    "comfort": "home visit: 11yo boy, severe spastic quad CP, family + team have agreed comfort-focused care at home, "
               "ACP/DNACPR done. starting regular oral morphine - do I use the BNFc dose for his age band or work it "
               "out per kg?",
}


@pytest.mark.parametrize(("question", "aspect"), [
    (G["sports"], "diagnosis"),
    (G["calcium"], "first-line"),
    (G["hydrops"], "threshold"),
    (G["eczema"], "starting-dose"),
    (G["zoledronate"], "starting-dose"),
    (G["proteinuria"], "stop"),
    (G["omalizumab"], "stop"),
    (G["cramps"], "alternative"),
    (G["hodgkin"], "duration"),
    (K["aorta"], "threshold"),
    (K["ankle"], "first-line"),
    (K["aaa"], "diagnosis"),
    ("can I go on his own view of his driving when deciding if he's safe?", "diagnosis"),
    (L["ablation"], "first-line"),
    (L["clearance"], "diagnosis"),
    (L["withdrawal"], "alternative"),
    # unchanged: "how many days" of a course is still a duration
    ("uncomplicated cystitis - how many days of nitrofurantoin?", "duration"),
])
def test_asked_aspects_of_the_fresh_sets(question: str, aspect: str) -> None:
    assert asked_aspects(question)[0] == aspect, asked_aspects(question)


def test_a_booking_scan_is_no_test_ordered() -> None:
    assert "diagnosis" not in asked_aspects("G2P1, unsure of LMP. 2 scans so far: booking scan CRL 31 mm (~9+6). "
                                            "which scan do I date her by?")


def test_allergic_asthma_is_no_allergy() -> None:
    assert "alternative" not in asked_aspects(G["omalizumab"])
    assert "allergy" not in alternative_reasons("42F, allergic asthma, on omalizumab")
    assert "allergy" in alternative_reasons("allergic to penicillin")
    assert asked_aspects("she is allergic - what instead?")[0] == "alternative"


@pytest.mark.parametrize(("text", "name"), [
    (G["sports"], "sudden cardiac death"),
    (G["reflux"], "gastro-oesophageal reflux"),
    (G["hydrops"], "fetal hydrops"),
    (G["depression"], "depression"),
    ("GAD-7 15, can't stop worrying", "generalized anxiety disorder"),
    (G["cramps"], "muscle cramps"),
    (K["aorta"], "aortic injury"),
    (K["aaa"], "abdominal aortic aneurysm screening"),
    (G["hydrops"], "fetal anemia"),
    (L["withdrawal"], "alcohol withdrawal"),
    ("pt drinking 3 cans of cider a day, wants a home detox", "alcohol withdrawal"),
    (L["ablation"], "abnormal uterine bleeding"),
    (L["comfort"], "end of life care"),
])
def test_findings_of_the_fresh_sets(text: str, name: str) -> None:
    assert name in implied_conditions(text), implied_conditions(text)


@pytest.mark.parametrize("text", [
    "5-wk-old, 3 days of forceful non-bilious vomiting straight after every feed",  # pyloric stenosis, not reflux
    "sports physical for a 15yo, any jabs due?",  # no ECG or echo asked about
    "CTA chest: intimal flap from the root to the iliacs, tearing back pain",  # a dissection, no crash
    "PHQ-9 today 6",
    "MCA PSV 1.2 MoM, no hydrops",
    "OTC calcium 500 mg + D3 400 IU once a day",
])
def test_findings_that_name_nothing_here(text: str) -> None:
    assert not {"gastro-oesophageal reflux", "sudden cardiac death", "aortic injury", "depression",
                "hypercalcemia"} & set(implied_conditions(text)), implied_conditions(text)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    # USPSTF vitamin D and calcium (ngc:9627), ERS/ATS severe asthma (ngc:10509), NICE's omalizumab
    # appraisal (ngc:9799), AAN muscle cramps (ngc:7822), NICE ranibizumab for RVO (ngc:9895), APTA ankle
    # sprains (ngc:10087), NICE CKD (ngc:10500), NICE hypertension (ngc:10016), ADA diabetes (ngc:10903)
    numbers = ("9627", "10509", "9799", "7822", "9895", "10087", "10500", "10016", "10903")
    with ngc_store(numbers, tmp_path_factory.mktemp("set_g"), data_dir) as store:
        yield store


def test_set_g_answers(small) -> None:  # type: ignore[no-untyped-def]
    calcium = ask(G["calcium"], small, save=False)
    cramps = ask(G["cramps"], small, save=False)
    assert calcium.bottom_line and "400 IU or less of vitamin D3" in calcium.bottom_line[0].text, \
        [s.text for s in calcium.bottom_line]
    assert any("Naftidrofuryl" in s.text for s in cramps.bottom_line), [s.text for s in cramps.bottom_line]


def test_a_vignettes_opening_list_is_its_background(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    scopes = load(small)
    frame = understand(K["brvo"], small, scopes=scopes)
    assert frame.focus_keys == (("branch", "retin", "vein", "occlus"),) or \
        set(frame.subject_terms) == {"branch", "retin", "vein", "occlus"}, (frame.focus_keys, frame.conditions)
    # (a single listed condition stays asked about - "31M Marfan (FBN1 +ve), on losartan … trivial AR" opens
    # with what it is about -; that guard is measured on an earlier fresh set's Marfan vignette, since no
    # NGC scope names Marfan syndrome for a small store to hold)


def test_negations_tests_and_history(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    scopes = load(small)
    # (the small store's lexicon names "Bone fractures" only; the calcium answer above needs
    # "fractures" asked about, which "no previous fractures" alone would have ruled out)
    from medcite.understand.frame import _negations

    negated, affirmed = _negations(G["calcium"])
    assert "fractur" in negated and "fractur" in affirmed
    assert "fractur" not in _negations("58F, no previous fractures. what about her bones?")[1]
    cramps = understand(G["cramps"], small, scopes=scopes)
    assert not {"glucose", "creatine"} & {d.lower() for d in cramps.drugs}, cramps.drugs
    omalizumab = understand(G["omalizumab"], small, scopes=scopes)
    assert omalizumab.focus_drugs == ("omalizumab",), omalizumab.focus_drugs
    # the drug named just before "stop it" is still meant when it is no rescue course
    naproxen = understand("38M AS (HLA-B27+, bilat sacroiliitis), started etanercept 18 mo ago on top of naproxen 500 "
                          "bd. he's fed up with the naproxen and worried about his stomach - can he stop it and stay on "
                          "etanercept alone?", small, scopes=scopes)
    assert "naproxen" in naproxen.focus_drugs, naproxen.focus_drugs


def test_an_activity_begun_is_no_substance_taken(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    frame = understand(G["sports"], small, scopes=load(small), occurs=lambda w: not w.lower().startswith("varsit"))
    assert frame.unknown != "varsity", frame.unknown
    kratom = understand("38M using kratom daily, wants to stop - can I use buprenorphine?", small, scopes=load(small),
                        occurs=lambda w: not w.lower().startswith("krato"))
    assert kratom.unknown == "kratom"


def test_a_stopping_rule_and_a_funding_transition() -> None:
    assert aspect_bonus("stop", "If a patient does not respond within 4 months of initiating treatment, it is "
                                "unlikely that further administration of omalizumab will be beneficial.") >= 0.9
    assert not bottom_line_material("People currently receiving omalizumab whose disease does not meet the criteria "
                                    "in the first recommendation above should be able to continue treatment until "
                                    "they and their clinician consider it appropriate to stop.")


@pytest.mark.parametrize(("item", "names"), [
    ("Macular oedema secondary to branch or central retinal vein occlusion",
     {"branch retinal vein occlusion", "central retinal vein occlusion", "retinal vein occlusion"}),
    ("Acute lateral ligament ankle sprains and ankle instability", {"ankle sprains"}),
    ("Osteoporotic vertebral fractures", {"vertebral fractures"}),
])
def test_scope_items_name_causes_and_injuries(item: str, names: set[str]) -> None:
    phrases = condition_phrases(Scope("ngc:0", "guideline", "", (item,), "", ()))
    assert names <= set(phrases), phrases
    # the effect of "… due to …" is often a broad name of its own: not added
    assert "Ascites" not in condition_phrases(Scope("ngc:0", "guideline", "", ("Ascites due to cirrhosis",), "", ()))


def test_bedside_abbreviations_of_set_k() -> None:
    pairs = set(expand(K["brvo"] + " " + K["ankle"] + " " + K["aaa"], None).abbreviations)
    assert {("BRVO", "branch retinal vein occlusion"), ("CST", "central subfield thickness"),
            ("US", "ultrasound"), ("ATFL", "anterior talofibular ligament")} <= pairs, pairs



def test_floods_and_detox_elsewhere_name_nothing() -> None:
    assert not implied_conditions("lives by the river, house flooded last winter, now wheezy")
    assert "alcohol withdrawal" not in implied_conditions("opioid detox booked, on methadone 40")


def test_bedside_shorthand_of_set_l() -> None:
    from medcite.understand.vignette import expand_shorthand

    assert "withdrawal seizures" in expand_shorthand("no hx DTs or w/d seizures")
    assert "with fever" in expand_shorthand("w/ fever")
    assert "medical clearance" in expand_shorthand('until we "medically clear" him')


def test_the_condition_the_findings_name_is_what_an_alternative_is_for(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    # no scope lists alcohol withdrawal: the findings name it, and the drugs the clause rules out
    # (chlordiazepoxide, and the alprazolam misused) are not what the answer is about
    frame = understand(L["withdrawal"], small, scopes=load(small))
    assert frame.focus_drugs == (), frame.focus_drugs
    assert set(frame.subject_terms) == {"alcohol", "withdraw"}, frame.subject_terms


def test_how_often_a_maintenance_treatment_is_applied_is_its_dose() -> None:
    # "keep the steroid going on those spots? how many days a week?"
    assert aspect_bonus("starting-dose", "Proactive, intermittent use of topical corticosteroids as maintenance therapy "
                                         "(1 to 2 times per week) on areas that commonly flare is recommended to help "
                                         "prevent relapses.") >= 0.8
    assert aspect_bonus("starting-dose", "Emollients should be applied liberally after bathing.") == 0


def test_bone_mets_are_bone_metastases() -> None:
    from medcite.understand.vignette import expand_shorthand

    assert "bone-only metastases" in expand_shorthand("new bone-only mets (T6-T9, L ilium, ribs)")
    assert "brain metastases" in expand_shorthand("known brain mets, on dex")


def test_a_capitalised_abbreviation_that_reads_as_a_word_is_asked_by_its_sense(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    frame = understand(K["ankle"], small, scopes=load(small))
    assert "ultrasound" in frame.ask_terms, frame.ask_terms
    # "us" as a pronoun adds nothing
    plain = understand("19F lat ankle sprain - can you tell us what rehab to start?", small, scopes=load(small))
    assert "ultrasound" not in plain.ask_terms, plain.ask_terms


def test_a_diagnosis_stated_after_a_dash_that_no_source_names(small) -> None:  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import load

    question = ("29M futsal, rolled L ankle 5 mo ago, point tender over the sinus tarsi, XR nl. diagnostic block into the "
                "sinus tarsi took the pain away for a day - sinus tarsi syndrome. next test - MRI, or straight to "
                "subtalar arthroscopy?")
    frame = understand(question, small, scopes=load(small), occurs=lambda w: "tarsi" not in w.lower())
    assert frame.unknown == "sinus tarsi syndrome", frame.unknown
    # a name the index holds is no unknown
    known = understand(question, small, scopes=load(small), occurs=lambda w: True)
    assert known.unknown == "", known.unknown


def test_what_studies_have_shown_is_no_bottom_line() -> None:
    assert not bottom_line_material("Comparing MRI with arthroscopy, studies have shown a range of accuracies of chronic "
                                    "lateral ligament tearing, ranging from 77% to 92%.")
    assert bottom_line_material("Clinicians should not use ultrasound for the management of acute ankle sprains.")


def test_how_a_dose_is_worked_out_states_the_dose() -> None:
    assert aspect_bonus("starting-dose", "Calculate opioid dosages for children and young people who are approaching "
                                         "the end of life using weight rather than age.") >= 0.8
    assert aspect_bonus("starting-dose", "Genotype-based testing should precede treatment.") == 0


def test_a_childs_drug_question_goes_to_the_childrens_guideline(tmp_path_factory: pytest.TempPathFactory,
                                                                data_dir: Path) -> None:
    # NICE end of life care for infants, children and young people (ngc:11123) beside lung cancer
    # symptom management (ngc:9887), NICE palliative care for adults (ngc:10131) and osteoarthritis
    # in adults (ngc:10279)
    question = ("home visit: 11yo boy, severe spastic quad CP (GMFCS V), G-tube fed, 3rd aspiration pneumonia this yr, "
                "family + team have agreed comfort-focused care at home, ACP/DNACPR done. he only weighs 17 kg. "
                "grimacing + crying on handling and cares, regular paracetamol not cutting it. starting regular oral "
                "morphine - do I use the BNFc dose for his age band or work it out per kg?")
    with ngc_store(("11123", "9887", "10131", "10279"), tmp_path_factory.mktemp("set_l_child"), data_dir) as store:
        answer = ask(question, store, save=False)
    assert answer.bottom_line and "using weight rather than age" in answer.bottom_line[0].text, \
        [s.text for s in answer.bottom_line]


STONE = ("uro clinic: 58F, 72kg, BMI 27, Cr 0.8, plt + INR nl, HTN on ramipril. recurrent L loin pain, 2 ED visits this "
         "yr. CT KUB: single 24mm calc in L renal pelvis, ~1100 HU, no hydro, ureter clear. afebrile, UA nitrite neg, "
         "urine cx neg. ESWL vs URS vs perc - which do I offer her first?")


def test_a_stone_written_as_a_calc_is_a_kidney_stone() -> None:
    # (set M, held out and run once on the final code, then mended: its hypertension was answered)
    assert "kidney stones" in implied_conditions(STONE), implied_conditions(STONE)
    assert "kidney stones" not in implied_conditions("CT: calcified granuloma in the L lung, coronary calcium 0")
    assert asked_aspects(STONE)[0] == "first-line"
    pairs = set(expand(STONE, None).abbreviations)
    assert {("ESWL", "extracorporeal shock wave lithotripsy"), ("URS", "ureteroscopy")} <= pairs, pairs
