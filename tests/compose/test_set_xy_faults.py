"""Faults sets X and Y (session 16's fresh bedside vignettes) found, each mended as a general
rule and checked on real sources from ../shared/data:

- "potent antiresorptive agents should be discontinued" answers "what do I do with the
  alendronate - carry on … or stop it now?" after an atypical femoral fracture read from its
  X-ray findings (ASBMR's task force report, ngc:10506; Cancer Care Ontario/ASCO's adjuvant
  bisphosphonate guideline, ngc:11232, is the neighbour that answered before);
- "TA rupture" is the Achilles tendon's, and "how soon he can start weight bearing" is answered by
  "early (≤2 weeks) post-operative protected weight bearing" (AAOS, ngc:7580);
- KDIGO's "CKD G5D" is a patient on dialysis (ngc:11233);
- a scope item's qualifying tail ("Suspicious adnexal mass, either symptomatic or asymptomatic",
  ngc:8822) does not hide the condition's name;
- who speaks in a vignette ("physio asks", "gyn-onc wants", "reg says") is not what it asks about;
- a history that fills retrieval with another topic ("ascending cholangitis, CBD stone … ERCP") does not
  hide the guideline listing the asked condition (NICE's prophylaxis against infective endocarditis,
  ngc:10805, beside the gallstone guideline, ngc:10641);
- "faints" are syncope (the CCS paediatric syncope statement, ngc:11172).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath import ngc_fixture, ngc_store
from medcite.answering import ask
from medcite.clinical.notation import notation_words
from medcite.compose import build
from medcite.compose.aspects import aspect_bonus
from medcite.retrieve.analyze import analyze
from medcite.retrieve.scope import Scope, condition_phrases
from medcite.retrieve.search import Retriever
from medcite.store import SQLiteStore
from medcite.understand.frame import understand

store = ngc_fixture(("10506", "11232", "7580"), "setxy")


def _clinician_context(question: str, small: SQLiteStore) -> build._Context:
    """The composer's context for ``question`` asked by a clinician of ``small``."""
    return build._context(question, "clinician", "", None, Retriever(small), small)

AFF = ("76F, alendronate 70 mg weekly for 9 yrs, 4 wks of dull L thigh ache when walking. femur XR: focal lateral "
       "cortical beaking mid-shaft with a thin transverse lucency, not displaced. eGFR 55, vit D 62. ortho reviewing "
       "for a nail. what do I do with the alendronate - carry on, plan a drug holiday, or stop it now?")
ACHILLES = ("38M day 3 after open repair of L TA rupture, Thompson +ve. physio asks how soon he can start weight "
            "bearing?")


def test_stopping_a_drug_class_answers_stopping_its_drug(store: SQLiteStore) -> None:
    answer = ask(AFF, store, save=False)
    assert answer.bottom_line and "antiresorptive agents should be discontinued" in answer.bottom_line[0].text, \
        [s.text for s in answer.bottom_line]


def test_how_soon_is_answered_by_the_time_to_act(store: SQLiteStore) -> None:
    answer = ask(ACHILLES, store, save=False)
    assert answer.bottom_line and "early (≤2 weeks) post-operative protected weight bearing" in \
        answer.bottom_line[0].text, [s.text for s in answer.bottom_line]


def test_a_time_bound_states_when_to_act() -> None:
    assert aspect_bonus("threshold", "The work group suggests early (≤2 weeks) post-operative protected weight "
                                     "bearing for patients with acute Achilles tendon rupture.") >= 0.9
    assert aspect_bonus("threshold", "Offer repair within 2 weeks of the injury.") >= 0.9
    assert aspect_bonus("threshold", "Weight bearing was studied in 2 weeks-long trials.") == 0


def test_ckd_g5d_is_a_patient_on_dialysis() -> None:
    words = frozenset(analyze(notation_words("In patients with CKD G5D, the Work Group suggests maintaining iPTH "
                                             "levels in the range of approximately 2 to 9 times the upper normal limit")))
    assert {"dialysi", "hemodialysi"} <= words
    assert notation_words("In patients with CKD G3a-G5, the Work Group suggests …") == ""


def test_a_qualifying_tail_does_not_hide_the_name() -> None:
    scope = Scope("ngc:8822", "guideline", "Management of a suspicious adnexal mass.",
                  ("Suspicious adnexal mass, either symptomatic or asymptomatic",), "", ())
    phrases = condition_phrases(scope)
    assert "Suspicious adnexal mass" in phrases and "adnexal mass" in phrases


def test_who_speaks_is_not_what_is_asked() -> None:
    frame = understand("48F, complex R adnexal mass on TVUS. gyn-onc wants it characterised before surgery - what scan "
                       "next?")
    assert not {"gyn", "onc"} & set(frame.terms), frame.terms
    frame = understand(ACHILLES)
    assert "physio" not in frame.terms, frame.terms


IE_ERCP = ("64M, native MV IE (strep mitis) 2 yrs ago, treated medically, no valve surgery. now in with ascending "
           "cholangitis, CBD stone on MRCP, ERCP tomorrow. anaphylaxis to penicillin so he's on cipro + metronidazole. "
           "does his IE hx change what abx cover he needs around the ERCP?")


def test_a_guideline_listing_the_asked_condition_joins_retrieval_that_missed_it(
        tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> None:
    with ngc_store(("10805", "10641"), tmp_path_factory.mktemp("ie"), data_dir) as small:
        ctx = _clinician_context(IE_ERCP, small)
        retriever = Retriever(small)
        # retrieval led by the history's gallstones, as on the full store
        gallstones = small.passages_of("ngc:10641", limit=20)
        hits = build._with_listing_document(gallstones, ctx, retriever, small, build.ComposeConfig())
        order = list(dict.fromkeys(h.doc_id for h in hits))
        assert order[:2] == ["ngc:10641", "ngc:10805"], order


def test_faint_is_syncope() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["faint"], None, lambda t: 1.0)
    assert found[0].covered_by(frozenset(analyze("pediatric vasovagal syncope (VVS) resolves")))


OCD_DBS = ("36M severe OCD since 14 (contamination/checking), Y-BOCS 35. failed fluoxetine 80, sertraline 300, "
           "clomipramine 250, aripiprazole + risperidone augmentation and 2 intensive inpatient ERP programmes. "
           "functional neurosurgery MDT discussing DBS - which target has the best evidence?")
ANCA = ("27F, 3 wks of haemoptysis, creat 90 -> 310, urine blood 3+ prot 2+, MPO-ANCA 150, renal bx: pauci-immune "
        "crescentic GN. pulsed methylpred given. she really wants kids in the future and is scared of cyclophosphamide "
        "- what can we induce with instead?")
ANCA_SCOPE = Scope("ngc:10326", "guideline", "Rituximab in combination with glucocorticoids for treating "
                   "anti-neutrophil cytoplasmic antibody-associated vasculitis.",
                   ("Anti-neutrophil cytoplasmic antibody (ANCA)-associated vasculitis, including granulomatosis with "
                    "polyangiitis (GPA) and microscopic polyangiitis (MPA)",), "", ())
OCD_SCOPE = Scope("ngc:10550", "guideline", "Deep brain stimulation for obsessive-compulsive disorder.",
                  ("Obsessive-compulsive disorder (OCD)",), "", ())


def test_drugs_that_failed_are_the_history_not_the_question() -> None:
    from medcite.retrieve.scope import ScopeIndex

    frame = understand(OCD_DBS, scopes=ScopeIndex([OCD_SCOPE]))
    assert frame.aspect == "first-line"  # "which target": a site to choose, not a value to reach
    assert not frame.focus_drugs and frame.focus_keys, (frame.focus_drugs, frame.focus_keys)


def test_an_alternative_to_one_drug_is_asked_for_its_condition_too() -> None:
    from medcite.retrieve.scope import ScopeIndex

    frame = understand(ANCA, scopes=ScopeIndex([ANCA_SCOPE]))
    assert frame.aspect == "alternative"
    assert frame.focus_drugs == ("cyclophosphamide",)
    assert ("anca", "associ", "vascul") in frame.focus_keys, frame.focus_keys


def test_a_name_joined_to_its_abbreviation_and_before_including() -> None:
    assert "ANCA-associated vasculitis" in condition_phrases(ANCA_SCOPE)
    tb = Scope("ngc:10880", "guideline", "Tuberculosis.", ("Tuberculosis (TB), including latent TB infection",), "", ())
    assert "Tuberculosis" in condition_phrases(tb)


def test_the_conditions_an_item_includes_are_named() -> None:
    postanesthetic = Scope("ngc:9688", "guideline", "Practice guidelines for postanesthetic care.",
                           ("Complications of anesthesia, including nausea and vomiting, respiratory and cardiovascular "
                            "complications, shivering, and hypothermia",), "", ())
    phrases = condition_phrases(postanesthetic)
    assert {"shivering", "hypothermia", "nausea and vomiting"} <= set(phrases), phrases
    assert "respiratory and cardiovascular complications" not in phrases  # four words: a class, not one condition


def test_a_drug_someone_will_not_give_is_a_contraindication() -> None:
    from medcite.understand.aspect import alternative_reasons

    assert alternative_reasons("on phenelzine so anaesthetist won't give pethidine for the shivering") == \
        {"contraindication"}


def test_a_lead_in_listing_when_first_line_cannot_be_used_states_the_alternative(
        tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> None:
    from medcite.compose.select import candidates

    with ngc_store(("10326",), tmp_path_factory.mktemp("anca"), data_dir) as small:
        ctx = _clinician_context(ANCA, small)
        cands = candidates(small.passages_of("ngc:10326", limit=50), ctx.found)
        ctx.lists = build._separate_lists(small, cands, ["ngc:10326"])
        lead = next(c for c in cands if c.text.startswith("Rituximab, in combination"))
        assert "Cyclophosphamide is contraindicated or not tolerated" in build._with_its_list(ctx, lead)
        assert build._asked(ctx, lead, listed=True) > 0


PFUI = ("29M, motorbike RTC 4 mo ago, open-book pelvic # (ORIF), blood at the meatus, RUG: partial PFUI, primary "
        "realignment over a catheter, catheter out at 6 wks. voiding well now, Qmax 18, erections back. how long do I "
        "keep him in clinic watching for late problems?")


def test_a_mans_weeks_date_an_event_not_a_pregnancy() -> None:
    from medcite.retrieve.scope import ScopeIndex

    urotrauma = Scope("ngc:10423", "guideline", "Urotrauma: AUA guideline.", ("Urologic trauma",), "", ())
    frame = understand(PFUI, scopes=ScopeIndex([urotrauma]))
    assert frame.population == "adults" and not frame.patient.pregnant
    assert "urethral injury" in frame.conditions  # named by its sign, and written out ("PFUI") too


def test_a_duration_in_words() -> None:
    sentence = ("Clinicians should monitor patients for complications (e.g., stricture formation, erectile dysfunction, "
                "incontinence) for at least one year following urethral injury.")
    assert aspect_bonus("duration", sentence) >= 0.9
    assert aspect_bonus("duration", "It was used for one patient.") == 0


SURFACTANT = ("NICU: 27+5/40, 980 g, 6 h old, intubated in DR for RDS, got Curosurf 200 mg/kg at 30 min with a good "
              "initial response, now FiO2 creeping up 0.30 -> 0.50 on SIPPV, MAP 9, CXR diffuse ground glass. we're "
              "giving a 2nd dose - what spacing between surfactant doses is usual?")


def test_a_measurement_names_no_drug_and_surfactant_is_one(tmp_path_factory: pytest.TempPathFactory,
                                                           data_dir: Path) -> None:
    # the WHO surgical site infection guideline (ngc:11181) defines "FiO2 (fraction of inspired oxygen)"
    with ngc_store(("11181", "9840"), tmp_path_factory.mktemp("fio2"), data_dir) as small:
        frame = understand(SURFACTANT, store=small)
    assert frame.drugs == ("surfactant",)  # FiO2 is measured, not given
    assert frame.patient.age_years == 0 and frame.population == "children"  # "6 h old"


def test_how_far_apart_doses_are_is_their_dosing() -> None:
    assert aspect_bonus("starting-dose", "Additional doses of surfactant, given at 6–24-hour intervals, may be "
                                         "indicated in infants who experience increasing ventilator requirements") >= 0.8


ITP = ("47F chronic immune thrombocytopenia x3 yrs, plts 6-15, failed pred, 2 rounds IVIG, rituximab x4. needs rescue "
       "IVIG every ~4 wks for gum bleeds + menorrhagia. splenectomy vetoed by anaesthetics (BMI 51, prior NSTEMI, EF "
       "40%). NHS haem clinic - what's next for her now the spleen can't come out, is an oral TPO agonist an option?")


def test_a_past_event_and_a_clinic_are_not_the_question() -> None:
    from medcite.retrieve.scope import ScopeIndex

    scopes = ScopeIndex([
        Scope("ngc:9973", "guideline", "Eltrombopag for treating chronic immune thrombocytopenic purpura.",
              ("Immune thrombocytopenia",), "", ()),
        Scope("ngc:1", "guideline", "Acute coronary syndromes.",
              ("Non-ST-elevation myocardial infarction (NSTEMI)", "ST-elevation myocardial infarction"), "", ()),
    ])
    frame = understand(ITP, scopes=scopes)
    assert frame.focus_keys == (("immun", "thrombocytopenia"),), frame.focus_keys  # "prior NSTEMI" is history
    assert ("st", "elev", "myocardi", "infarct") not in frame.condition_keys  # "non-ST-elevation" is not
    assert not {"hem", "haem", "nhs"} & set(frame.terms)  # where she is seen


def test_not_pregnant_is_no_pregnancy() -> None:
    frame = understand("31F, new-pt check at the practice. BP 118/74, BMI 23, no regular meds, not pregnant. how often "
                       "should I be rechecking BP in someone like her?")
    assert not frame.patient.pregnant and frame.population == "adults"


def test_a_babys_weeks_are_no_pregnancy() -> None:
    frame = understand("9-mo-old ex-27wker, NEC at 3 wks -> big SB resection, PN-dependent since, 7.2 kg. on "
                       "Intralipid 3 g/kg/d. how far should I cut the lipid dose?")
    assert not frame.patient.pregnant and frame.population == "children"


def test_a_noun_in_ia_covers_its_adjective() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["immun", "thrombocytopenia"], None, lambda t: 1.0,
                     phrases=[("immun", "thrombocytopenia")])
    sentence = frozenset(analyze("Eltrombopag is recommended for adults with chronic immune (idiopathic) "
                                 "thrombocytopenic purpura"))
    assert any(c.covered_by(sentence) for c in found), found


THYROID = ("39F at her annual, totally well, no neck sx, nothing palpable, no childhood radiation, no FHx of thyroid ca "
           "or MEN. coworker just dx'd w/ papillary ca so pt wants a screening thyroid US. should I order it?")


def test_a_family_history_ruled_out_and_an_organ_named_like_a_drug() -> None:
    from medcite.retrieve.scope import ScopeIndex

    frame = understand(THYROID, scopes=ScopeIndex([
        Scope("ngc:11212", "guideline", "Final recommendation statement: thyroid cancer: screening.",
              ("Thyroid cancer",), "", ())]))
    assert frame.drugs == ()  # "thyroid US" is the gland, not desiccated thyroid
    assert frame.focus_keys == (("thyroid", "cancer"),)  # "no FHx of thyroid ca" rules out no topic


def test_a_screening_question_goes_to_the_screening_guideline(tmp_path_factory: pytest.TempPathFactory,
                                                              data_dir: Path) -> None:
    with ngc_store(("10177", "11212"), tmp_path_factory.mktemp("screen"), data_dir) as small:
        ctx = _clinician_context(THYROID, small)
        # ACR's thyroid carcinoma criteria ranked first, as on the full store
        hits = [*small.passages_of("ngc:10177", limit=5), *small.passages_of("ngc:11212", limit=5)]
        moved = build._screening_first(hits, ctx, small)
        assert moved[0].doc_id == "ngc:11212"


def test_sleep_study_shorthand_is_read_in_its_clinical_sense(tmp_path_factory: pytest.TempPathFactory,
                                                             data_dir: Path) -> None:
    # the summaries define "PSG" and "CSR" in other senses (postsurgical gastroparesis, cervical spine
    # radiographs); a sleep vignette means polysomnography and Cheyne-Stokes respiration
    question = ("64M ischaemic CM, EF 35% on last echo, NYHA II on full GDMT. PSG: AHI 38, CSA w/ CSR, >80% of events "
                "central. CPAP titration only got AHI down to 24. sleep fellow wants to switch him to ASV - is there an "
                "EF below which ASV is a no-go?")
    with ngc_store(("10996",), tmp_path_factory.mktemp("csa"), data_dir) as small:
        frame = understand(question, store=small)
    senses = dict(frame.expanded.abbreviations) if frame.expanded else {}
    assert senses.get("PSG") == "polysomnography" and senses.get("CSA") == "central sleep apnea", senses
    assert frame.aspect == "threshold"


def test_clinic_letters_for_antiepileptics_and_boosted_antiretrovirals() -> None:
    from medcite.understand.vignette import expand_shorthand

    assert expand_shorthand("switched to ATV/r + TDF/FTC 3 mo ago") == "switched to ATV + ritonavir + TDF/FTC 3 mo ago"
    frame = understand("38F, HIV, switched to ATV/r + TDF/FTC 3 mo ago. focal epilepsy on LTG 150 mg bd, LTG trough "
                       "down. roughly how much do I need to go up on the LTG?")
    assert frame.aspect == "titration"
    assert {"lamotrigine", "ritonavir", "atazanavir"} <= set(frame.drugs), frame.drugs


def test_a_drug_named_in_full_keeps_its_class() -> None:
    from medcite.retrieve.query import expand
    from medcite.understand.concepts import concepts

    # "lamotrigine" written out is also "LTG" in the table: it stays a drug with its classes
    found = concepts(["lamotrigin"], expand("lamotrigine 200 bid"), lambda t: 1.0, classed=frozenset({"lamotrigin"}))
    assert any(c.covered_by(frozenset(analyze("antiepileptic drug levels should be monitored"))) for c in found), found


def test_sentences_for_older_people_or_the_puerperium_are_not_a_38_year_olds() -> None:
    from medcite.understand.populations import age_conflict, maternity_conflict

    older = "Lamotrigine should be considered when starting antiepileptic drug treatment in older people with seizures."
    assert age_conflict(38, older) and not age_conflict(78, older)
    puerperium = "To avoid postpartum neurotoxicity, the lamotrigine dose should be reduced early in the puerperium."
    assert maternity_conflict("38F on LTG 150 mg bd. how much do I go up on the LTG?", puerperium)
    assert not maternity_conflict("G1 at 10 wks on lamotrigine 200 bid - follow levels?", puerperium)


SHIVERING = ("PACU: 72M, 82 kg, 40 min after lap R hemicolectomy under GA, shaking hard, temp 36.3 with forced-air warmer "
             "on, SpO2 96% 2 L. on phenelzine for treatment-resistant depression so anaesthetist won't give pethidine "
             "for the shivering. what can we give instead?")


def test_an_alternative_never_recommends_the_drug_that_cannot_be_given(tmp_path_factory: pytest.TempPathFactory,
                                                                      data_dir: Path) -> None:
    # the ASA postanesthetic care guideline (ngc:9688): "Meperidine should be used for the treatment of
    # patient shivering …" is what the anaesthetist will not do; "… other opioid agonists … when
    # meperidine is contraindicated" is the alternative
    from medcite.compose.select import candidates

    with ngc_store(("9688",), tmp_path_factory.mktemp("shiver"), data_dir) as small:
        ctx = _clinician_context(SHIVERING, small)
        cands = candidates(small.passages_of("ngc:9688", limit=400), ctx.found)
    first_line = next(c for c in cands if c.text.startswith("Meperidine should be used"))
    instead = next(c for c in cands if c.text.startswith("Practitioners may consider other opioid agonists"))
    assert build._gives_what_cannot_be_used(ctx, first_line)
    assert not build._gives_what_cannot_be_used(ctx, instead)


def test_a_stated_diagnosis_no_source_names_is_not_covered(tmp_path_factory: pytest.TempPathFactory,
                                                           data_dir: Path) -> None:
    # set H (held out): the index has granulomatous diseases and breast cancer chemotherapy, not this
    question = ("34F, weaned 8 mo ago. painful firm R breast mass w/ red skin + 2 draining sinuses, no better after "
                "fluclox then co-amox. core bx: non-caseating lobulocentric granulomas, AFB + fungal stains neg, IGRA "
                "neg -> idiopathic granulomatous mastitis. first-line tx - oral steroids, methotrexate, or just watch?")

    with ngc_store(("11009", "9958"), tmp_path_factory.mktemp("igm"), data_dir) as small:
        def unknown(q: str) -> str:
            return _clinician_context(q, small).understood.unknown

        assert unknown(question) == "idiopathic granulomatous mastitis"
        assert unknown("58F, R breast lump, core bx -> invasive breast cancer. adjuvant chemo - which regimen?") == ""


def test_a_product_the_clause_points_back_to_is_not_covered(tmp_path_factory: pytest.TempPathFactory,
                                                            data_dir: Path) -> None:
    question = ("38M, clinic BP 148/94 then 144/92 at 2 visits, BMI 27, non-smoker, otherwise well. won't wear a 24h "
                "monitor - wants me to use his Aktiia cuffless bracelet readings instead (avg 124/78 over 3 wks). can I "
                "use those to rule HTN in or out?")

    with ngc_store(("10822",), tmp_path_factory.mktemp("aktiia"), data_dir) as small:
        ctx = _clinician_context(question, small)
        assert ctx.understood.unknown == "Aktiia"


def test_the_unindexed_name_is_the_product_not_the_mothers_fear(tmp_path_factory: pytest.TempPathFactory,
                                                                data_dir: Path) -> None:
    question = ("ED, 5yo 19 kg, peanut anaphylaxis at a party, 1 dose IM adrenaline, settled, obs fine, for d/c with "
                "allergy f/u. mum is terrified of needles and asks for neffy (adrenaline nasal spray) instead of an "
                "auto-injector - which strength for her weight?")
    # (the thyroid carcinoma criteria, ngc:10177, write "needle": an everyday word a store holds)
    with ngc_store(("10561", "10177"), tmp_path_factory.mktemp("neffy"), data_dir) as small:
        ctx = _clinician_context(question, small)
        assert ctx.understood.unknown == "neffy"
