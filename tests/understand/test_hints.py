"""What a vignette shows without naming it reaches retrieval; what it rules out does not."""

from __future__ import annotations

from typing import Any

import pytest

from medcite.understand.aspect import asked_aspects
from medcite.understand.frame import _negated_terms, understand


def _scope_index(*named: Any, filler: int = 400) -> Any:
    """A scope index of ``named`` among ``filler`` unrelated guidelines (ids of their own), so that
    one-word conditions stay rare enough to be conditions."""
    from medcite.retrieve.scope import Scope, ScopeIndex

    others = [Scope(f"filler:{i}", "guideline", f"Guideline {i}", (f"Condition{i} disease",), "", ())
              for i in range(filler)]
    return ScopeIndex([*named, *others])

HINTS = [
    ("G2P1 at 26 wks, RhD neg, fell onto her abdomen yesterday with some PV bleeding. anti-D dose?", ("pregnancy",)),
    ("58M BP 170/100 on amlodipine 10, what do I add?", ("hypertension",)),
    # "gestational HTN" names both already
    ("G1 at 30 wks, gestational HTN 150/100, started labetalol. what BP am I aiming for?", ()),
    ("6-wk-old, rectal T 38.5, lethargic + mottled. starting IV abx - which agents?", ("fever", "infants")),
    ("ED: 59F Na 116, vomiting then seizure. how much hypertonic saline do I give?", ("hyponatremia",)),
    # a lone drug asked about: its class joins the search (tests/clinical/test_drug_classes.py)
    ("7 y/o with a cold, cough and runny nose - how much diphenhydramine?", ("children", "antihistamine")),
    # named already, or nothing to add
    ("Hyponatremia with Na 116 - how fast to correct?", ()),
    ("What is the first-line treatment for pneumonia in children aged 4?", ()),
    ("pregnant at 30 wks with asthma, which inhaler?", ()),
    ("72M, eGFR 28, new AF - which anticoagulant and what dose?", ()),
]


@pytest.mark.parametrize(("question", "hints"), HINTS)
def test_hints(question: str, hints: tuple[str, ...]) -> None:
    frame = understand(question)
    assert frame.hints == hints
    for hint in hints:
        assert hint in frame.search_text


@pytest.mark.parametrize(("text", "negated", "kept"), [
    ("72 y/o M, HTN (hypertension), no DM (diabetes mellitus) or CKD (chronic kidney disease).",
     {"dm", "diabet", "ckd", "kidney"}, {"hypertens"}),
    ("57 y/o with cirrhosis, HBV (hepatitis B virus) neg, first OGD showed no varices",
     {"hbv", "hepat", "varic"}, {"cirrhosi"}),
    ("denies chest pain; no lymphoma", {"chest", "pain", "lymphoma"}, set()),
    # a list of results that came back normal, and not the condition written before it
    ("67M rapidly worsening memory. bloods incl TFTs, B12, HIV, syphilis nl, EEG diffuse slowing",
     {"tfts", "b12", "hiv", "syphili"}, {"eeg", "memori"}),
    ("compensated alcohol-related cirrhosis, HBV neg, first OGD showed no varices", {"hbv"}, {"cirrhosi"}),
    # a list runs over slashes, and stops at what the patient does ("started labetalol")
    ("trough 0.3 (steady state, no new rifampicin/phenytoin/PPI, LFTs ok)", {"rifampicin", "phenytoin", "ppi"}, {"lft"}),
    ("G1 at 30 wks, gestational HTN 150/100, no comorbidities, started labetalol.", {"comorbid"}, {"labetalol"}),
    # a negation word starts its own list: "no" is not swallowed by the list before it
    ("74M CAD, Hb 8.4, not bleeding, hemodynamically stable, no chest pain. transfuse or not?",
     {"bleed", "chest", "pain"}, {"cad"}),
    # a name of two words before "neg" ("C diff neg", written out), not the list before it
    ("7-8 watery stools/day, Clostridium difficile neg, loperamide 4 mg q4h not touching it",
     {"clostridium", "difficil"}, {"stool", "loperamid"}),
    # results joined by "+" before "neg", and immunity, which is no infection (set U, session 15)
    ("taking blood from a pt with chronic HCV, source HIV + HBsAg neg, she's HBV-immune", {"hiv", "hbsag", "hbv"},
     {"hcv"}),
])
def test_negation_reaches_expansions(text: str, negated: set[str], kept: set[str]) -> None:
    found = _negated_terms(text)
    assert negated <= found
    assert not kept & found


@pytest.mark.parametrize(("question", "first"), [
    # "newly dx" tells the history; the question is a choice between two insulins
    ("28F newly dx T1DM, setting up basal-bolus. glargine or detemir for the basal?", "first-line"),
    ("newly diagnosed AF - which anticoagulant?", "first-line"),
    ("how is coeliac disease diagnosed?", "diagnosis"),
    ("35F IDA + bloating. best screening test for celiac?", "diagnosis"),
    # "treatment" names the subject of a duration question; it does not ask for a first-line choice
    ("How long should antidepressant treatment be continued after remission?", "duration"),
])
def test_history_words_do_not_set_the_aspect(question: str, first: str) -> None:
    aspects = asked_aspects(question)
    assert aspects[0] == first
    if first == "duration":
        assert "first-line" not in aspects


def test_the_drug_that_cannot_be_used_is_not_the_subject() -> None:
    from medcite.retrieve.scope import Scope

    # one guideline among many (a one-word condition named by most scopes would be a category)
    scopes = _scope_index(Scope("ngc:10327", "guideline", "UK national guideline for the management of chancroid",
                               ("Chancroid",), "Adults with chancroid", ("Ciprofloxacin", "Erythromycin")), filler=200)
    frame = understand("Which treatment should be used for chancroid in pregnancy when ciprofloxacin is contraindicated?",
                       scopes=scopes)
    assert frame.aspect == "alternative"
    assert "ciprofloxacin" in frame.drugs and "ciprofloxacin" not in frame.focus_drugs


@pytest.mark.parametrize(("question", "absent"), [
    ("38M using kratom daily for 2 yrs, wants to stop, gets withdrawal when he tries - can I use buprenorphine?",
     "kratom"),
    # a describing word or a person's role that no passage holds is the patient's, not the subject
    ("34 y/o hiker, swollen R knee, Lyme serology positive. doxy - what dose?", ""),
    ("4-month-old, tachypneic and wet on CXR. furosemide starting dose?", ""),
    # bedside shorthand of an indexed word
    ("pregnant 24F with pyelo, which antibiotic?", ""),
    ("How should a child who continues to seize after two doses be treated?", ""),
    # a species is its epithet exactly ("auri*" would find "auricular"); an indexed one is known
    ("blood cultures + for C. auris. echinocandin first line? how long?", "C. auris"),
    ("E. coli UTI in 30F, what abx?", ""),
    # the working diagnosis a bedside note marks with "?", an eponym's hyphenated name included
    ("13yo, painful bump below the kneecap, ?Osgood-Schlatter. does he have to stop sport?", "Osgood-Schlatter"),
    ("ED, 70M new SOB + ankle swelling, ?new HF. can I rule HF out?", ""),
    ("24yo, painful genital ulcer, ?chancroid. which antibiotic?", ""),
    ("14F herald patch then a rash on her trunk, ?pityriasis rosea. any treatment?", "pityriasis rosea"),
    ("24yo, painful genital ulcer, ?chancroid vs syphilis. which antibiotic?", ""),
    # an everyday word no medical text uses is the patient's story, not a substance (set L, session 11)
    ("52M Addison's on HC. night-shift lorry driver, keeps missing doses. a once-a-day steroid instead?", ""),
    ("38M smokes spice daily, wants to stop - can I use buprenorphine?", "spice"),
])
def test_a_substance_no_passage_holds_is_named(question: str, absent: str) -> None:
    from medcite.understand.frame import _absent_substance

    index_words = {"buprenorphine", "withdrawal", "daily", "stop", "tries", "using", "wants", "swollen", "knee",
                   "serology", "positive", "lyme", "furosemide", "starting", "month", "pyelonephritis", "seizure",
                   "pregnant", "antibiotic", "child", "continues", "doses", "treated", "should", "auricular",
                   "blood", "cultures", "echinocandin", "first", "line", "coli", "painful", "below", "kneecap",
                   "sport", "new", "ankle", "swelling", "genital", "ulcer", "chancroid", "herald", "patch", "rash",
                   "trunk", "pityriasis", "treatment", "syphilis"}

    def occurs(word: str) -> bool:  # as compose._occurs: a trailing "*" asks for a prefix
        return any(w.startswith(word[:-1]) for w in index_words) if word.endswith("*") else word in index_words

    assert _absent_substance(question, set(), occurs) == absent


@pytest.mark.parametrize(("sentence", "asked", "other"), [
    ("ACP and AAFP recommend that clinicians select the treatment goals for adults aged 60 years or older.",
     "pregnancy", True),
    ("Antenatal corticosteroids reduce neonatal respiratory distress.", "pregnancy", False),
    ("Offer labetalol to pregnant women with chronic hypertension.", "pregnancy", False),
    ("In the general population aged 60 years or older, initiate treatment at SBP 150 mm Hg.", "children", True),
    ("Severe postpartum hypertension must be treated with antihypertensive therapy to keep systolic blood pressure "
     "<160 mmHg.", "pregnancy", True),
    ("Women with hypertension in pregnancy should have their BP measured on days 3-6 postpartum.", "pregnancy", False),
])
def test_another_population(sentence: str, asked: str, other: bool) -> None:
    from medcite.understand.populations import mismatch

    assert mismatch(sentence, asked) is other


def test_a_scope_names_a_condition_by_its_phrase_or_all_its_words() -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(
        Scope("ngc:10568", "guideline", "Acute heart failure: diagnosing and managing acute heart failure in adults.",
              ("Acute heart failure",), "Adults with acute heart failure", ("Natriuretic peptide testing",)),
        Scope("ngc:9835", "guideline", "ACG clinical guidelines: diagnosis and management of celiac disease.",
              ("Celiac disease",), "Adults and children with celiac disease", ("Serologic testing",)), filler=50)
    heart_failure, celiac = tuple(analyze("heart failure")), tuple(analyze("celiac disease"))
    assert scopes.names("ngc:10568", heart_failure) and not scopes.names("ngc:10568", celiac)
    assert scopes.names("ngc:9835", celiac) and not scopes.names("ngc:9835", heart_failure)
    assert not scopes.names("ngc:unknown", celiac)


def test_a_capitalised_name_is_no_condition_in_lower_case() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("medquad:GHR-1", "consumer", "SHORT syndrome", ("SHORT syndrome",), "", ()),
                          Scope("ngc:10568", "guideline", "Acute heart failure", ("Heart failure",), "", ()), filler=50)
    assert ("short",) in scopes.capitals and scopes.surface[("short",)] == "SHORT"
    frame = understand("70M with new SOB and ankle swelling: can I rule out heart failure?", scopes=scopes)
    assert "SHORT" not in " ".join(frame.conditions) and "heart failure" in " ".join(frame.conditions).lower()
    assert any("SHORT" in c for c in understand("Is growth hormone used in SHORT syndrome?", scopes=scopes).conditions)


def test_a_route_or_a_name_cut_by_the_analyser_is_no_condition() -> None:
    from medcite.retrieve.scope import Scope

    # "(IV)" is how a drug is given; "Q fever" and "grade I-V" lose the letter that made them
    # names, and "fever" or "grade" alone would then be conditions.
    scopes = _scope_index(Scope("ngc:1", "guideline", "Central venous access", ("Intravenous (IV) catheter infection",), "", ()),
                          Scope("medquad:GHR-9", "consumer", "Q fever", ("Q fever",), "", ()),
                          Scope("ngc:2", "guideline", "Pressure ulcers", ("Pressure ulcers grade I-V",), "", ()),
                          Scope("ngc:3", "guideline", "Vancomycin monitoring", ("MRSA infection",), "", ()), filler=50)
    assert ("iv",) not in scopes.phrases and ("fever",) not in scopes.phrases
    frame = understand("55M on IV vanc for MRSA bacteremia with fever. what trough am I aiming for?", scopes=scopes)
    assert not any(c in ("IV", "Q fever") for c in frame.conditions)


@pytest.mark.parametrize(("typed", "written"), [
    ("hep C pt s/p TIPS", "hepatitis C pt status post TIPS"),
    ("23F, condom broke, which morning-after pill?", "23F, condom broke, which emergency contraception?"),
    ("82M, bright red blood per rectum, Hb 8.4", "82M, rectal bleeding, Hb 8.4"),
    ("staff nurse, hollow-bore needlestick 2 h ago", "staff nurse, hollow-bore needlestick (percutaneous exposure) 2 h ago"),
    ("9yo boy, liver tx at 14 mo for biliary atresia", "9yo boy, liver transplant at 14 mo for biliary atresia"),
    ("HTN, tx with amlodipine", "HTN, tx with amlodipine"),
    ("onc says pall care can wait", "onc says palliative care can wait"),
    ("RUQ pain ok on oxycodone MR 10 bd", "RUQ pain ok on oxycodone modified-release 10 bd"),
    ("severe MR on echo", "severe MR on echo"),
    ("70M on warfarin, tripped and hit his head. CT head?", "70M on warfarin, tripped and had a head injury. CT head?"),
    ("rapid strep +. pen allergic (hives). what do I give?", "rapid strep +. penicillin allergic (hives). what do I give?"),
    ("pen-allergy", "penicillin-allergy"),
    ("54M, can't sleep x 8 months", "54M, insomnia x 8 months"),
    ("UDCA dose in primary biliary cholangitis?", "UDCA dose in primary biliary cirrhosis?"),
    ("52M MASLD, ALT 80", "52M nonalcoholic fatty liver disease, ALT 80"),
    ("F3 MASH on biopsy", "F3 nonalcoholic steatohepatitis on biopsy"),
    ("mash the tablets", "mash the tablets"),
    ("trouble sleeping since the move", "insomnia since the move"),
    ("open allergy clinic", "open allergy clinic"),
    ("6 loose stools/day, C diff toxin +", "6 loose stools/day, Clostridium difficile toxin +"),
    ("c.diff again after abx", "Clostridium difficile again after abx"),
    ("ED, 40M still seizing after 2 doses of IV lorazepam", "ED, 40M still seizing (status epilepticus) after 2 doses of IV lorazepam"),
    ("3yo seizing at home for 10 min", "3yo seizing (seizures) at home for 10 min"),
    ("63F ER+/HER2- breast ca s/p WLE", "63F ER+/HER2- breast cancer status post WLE"),
    ("66F CKD4 (eGFR 22) on darbepoetin", "66F CKD stage 4 (eGFR 22) on darbepoetin"),
    ("wife sees him stop breathing. sleep study kit or an in-lab study?",
     "wife witnessed apnea. home sleep apnea testing or an in-laboratory polysomnography?"),
    ("needs a sleep study", "needs a polysomnography"),
    ("intrathecal morphine 100 mcg, OSA. how often do the nurses do resp obs?",
     "intrathecal morphine (neuraxial opioid) 100 mcg, OSA. how often do the nurses do resp observations (monitoring)?"),
    ("obs and gynae referral", "obs and gynae referral"),
    ("DM2 + CKD G3a, UACR 120", "DM2 + CKD stage 3a, UACR 120"),
    ("post-op ileus NPO. routine maintenance IV - how much water?", "post-op ileus NPO. routine maintenance IV fluids - how much water?"),
    ("maintenance IV fluids: 25 ml/kg", "maintenance IV fluids: 25 ml/kg"),
    ("Ca 2.7 mmol/L, pancreatic ca on gem", "Ca 2.7 mmol/L, pancreatic cancer on gem"),
])
def test_bedside_shorthand_is_written_out(typed: str, written: str) -> None:
    from medcite.understand.vignette import expand_shorthand

    assert expand_shorthand(typed) == written


def test_bedside_abbreviations_of_oxygen_and_screening() -> None:
    from medcite.retrieve.query import abbreviations_in

    found = abbreviations_in("SpO2 95% on air, should he have O2 and what sats to aim for? Paps every 3 yrs")
    assert {("O2", "oxygen"), ("sats", "oxygen saturation"), ("Paps", "Papanicolaou test")} <= set(found)


def test_a_drug_is_no_condition_by_a_syndrome_named_after_it() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("medquad:GHR-2", "consumer", "Warfarin syndrome", ("Warfarin syndrome",), "", ()),
                          Scope("medquad:GHR-3", "consumer", "Kawasaki disease", ("Kawasaki disease",), "", ()))
    assert ("warfarin",) not in scopes.phrases and ("kawasaki",) in scopes.phrases  # the alias of a plain name stays


def test_what_a_current_drug_is_taken_for_is_history() -> None:
    from medcite.retrieve.scope import Scope
    from medcite.understand.frame import _history_stems

    assert {"af", "atrial", "fibril"} <= _history_stems("78F on dabigatran 150 bid for AF (atrial fibrillation), GCS 13")
    assert "aggress" in _history_stems("on risperidone 0.5 mg bid for aggression x 6 wks")
    scopes = _scope_index(Scope("ngc:1", "guideline", "Atrial fibrillation", ("Atrial fibrillation",), "", ()),
                          Scope("ngc:2", "guideline", "Intracerebral hemorrhage", ("Intracerebral hemorrhage",), "", ()))
    frame = understand("78F on dabigatran for atrial fibrillation, CT shows intracerebral hemorrhage. reversal?",
                       scopes=scopes)
    assert [" ".join(k) for k in frame.focus_keys] == ["intracerebr hemorrhag"]


def test_a_qualified_condition_also_names_its_kind() -> None:
    from medcite.retrieve.scope import Scope, condition_phrases

    scope = Scope("ngc:11025", "guideline", "Vestibular rehabilitation", ("Peripheral vestibular hypofunction",), "", ())
    assert condition_phrases(scope) == ["Peripheral vestibular hypofunction", "vestibular hypofunction"]
    assert condition_phrases(Scope("ngc:1", "guideline", "Gout", ("Acute gout",), "", ())) == ["Acute gout"]
    # "C diff toxin +": an infection is named by its organism alone (ngc:11246's scope)
    cdi = Scope("ngc:11246", "guideline", "Clostridium difficile infection", ("Clostridium difficile infection (CDI)",), "", ())
    assert "Clostridium difficile" in condition_phrases(cdi)
    assert condition_phrases(Scope("ngc:2", "guideline", "UTI", ("Urinary infection",), "", ())) == ["Urinary infection"]
    # a bracketed abbreviation inside a name abbreviates a part of it, not the condition (ngc:11061)
    mbc = Scope("ngc:11061", "guideline", "MBC", ("Hormone receptor (HR)–positive metastatic breast cancer (MBC)",), "", ())
    assert "MBC" in condition_phrases(mbc) and "HR" not in condition_phrases(mbc)
    # a consumer page's "Pyelonephritis: Kidney Infection" names pyelonephritis (NIDDK)
    page = Scope("medquad:NIDDK-0000169", "consumer", "Pyelonephritis: Kidney Infection",
                 ("Pyelonephritis: Kidney Infection",), "", ())
    assert "Pyelonephritis" in condition_phrases(page)
    # "Psychosis and schizophrenia, including" names each (ngc:10280); "Diagnosis and management" no condition
    nice = Scope("ngc:10280", "guideline", "Psychosis", ("Psychosis and schizophrenia, including",), "", ())
    assert {"Psychosis", "schizophrenia"} <= set(condition_phrases(nice))
    plain = Scope("ngc:3", "guideline", "X", ("Diagnosis and management",), "", ())
    assert condition_phrases(plain) == ["Diagnosis and management"]
    # "Head and neck cancer (HNC)" (ngc:11217): the first side shares the head noun, and "head"
    # alone is no condition ("MRI shows OM of the 1st met head")
    # "Treatment-related cardiac dysfunction (cardiotoxicity)" (ngc:11179) is also named by its other name
    asco = Scope("ngc:11179", "guideline", "Cardiac dysfunction", ("Treatment-related cardiac dysfunction (cardiotoxicity)",),
                 "", ())
    assert "cardiotoxicity" in condition_phrases(asco)
    hnc = Scope("ngc:11217", "guideline", "Head and neck cancer", ("Head and neck cancer (HNC)",), "", ())
    assert "Head" not in condition_phrases(hnc)
    assert {"Head cancer", "neck cancer", "HNC"} <= set(condition_phrases(hnc))


@pytest.mark.parametrize(("text", "masked"), [
    ("14 y/o, rapid strep +. pen allergic (hives). what do I give?", "(hives)"),
    ("PCN allergy - anaphylaxis as a child. cellulitis, which abx?", "- anaphylaxis"),
])
def test_the_reaction_an_allergy_caused_is_a_detail_not_the_subject(text: str, masked: str) -> None:
    from medcite.understand.vignette import detail_spans

    assert masked in [text[s:e].strip() for s, e in detail_spans(text)]


@pytest.mark.parametrize(("question", "asked"), [
    # the kidney disease describes the patient; the flare is what is asked about
    ("66M acute gout flare L 1st MTP, CKD 3 (eGFR 45), no contraindication to steroids. what do I treat the "
     "flare with?", {("acut", "gout")}),
    # the asking clause names the kidney disease: it stays
    ("acute gout last year, now CKD 4. which statin for his CKD?", {("ckd",), ("acut", "gout")}),
    # alone, it is the subject
    ("CKD 3, protein intake - how much?", {("ckd",)}),
])
def test_kidney_or_liver_disease_beside_another_condition_describes_the_patient(question: str,
                                                                                asked: set[tuple[str, ...]]) -> None:
    from medcite.retrieve.scope import Scope
    from medcite.understand.frame import understand

    scopes = _scope_index(Scope("ngc:11127", "guideline", "Management of acute gout", ("Acute gout",), "", ()),
                          Scope("ngc:10772", "guideline", "Diabetes and CKD", ("CKD",), "", ()), filler=50)
    assert set(understand(question, scopes=scopes).focus_keys) == asked


@pytest.mark.parametrize(("question", "sentence", "conflict"), [
    ("41M acute low back pain x 1 wk, no red flags. what do I prescribe first?",
     "In the absence of red flags, first-line treatment for chronic LBP remains conservative therapy.", True),
    ("68F day 6 of cipro, C diff PCR positive. mild-mod CDI - what do I start?",
     "Vancomycin 125 mg four times daily for 10 days is the treatment of choice for severe CDI.", True),
    ("68F day 6 of cipro, C diff PCR positive. mild-mod CDI - what do I start?",
     "Patients with mild-to-moderate CDI should be treated with metronidazole 500 mg three times per day.", False),
    ("55M in the ED, new AF with onset ~6 h ago, HR 140, BP stable. rate or rhythm control?",
     "In people with AF presenting acutely with haemodynamic instability, offer rate or rhythm control.", True),
    # a sentence that names no kind, or a question that names none, is no conflict
    ("55M in the ED, new AF, BP stable. rate or rhythm control?", "Offer rate control as the first-line strategy.",
     False),
    ("new AF, which anticoagulant?", "Severe postpartum hypertension must be treated.", False),
    # the strength of evidence is no severity
    ("mild asthma in a 30F, which inhaler?", "Offer a low dose ICS (moderate quality evidence).", False),
    # CPIC CYP2D6 and codeine (ngc:10887): the advice differs by phenotype
    ("pt genotyped as CYP2D6 ultrarapid metabolizer, needs analgesia. codeine ok? if not what instead",
     "If clinical genotyping identifies a patient as a CYP2D6 poor metabolizer, avoid codeine.", True),
    ("pt genotyped as CYP2D6 ultrarapid metabolizer, needs analgesia. codeine ok? if not what instead",
     "Ultrarapid metabolizers: avoid codeine use due to potential for toxicity.", False),
])
def test_a_sentence_for_another_kind_of_the_condition(question: str, sentence: str, conflict: bool) -> None:
    from medcite.understand.populations import kind_conflict

    assert kind_conflict(question, sentence) is conflict


def test_a_head_dropped_name_is_no_condition_inside_an_abbreviations_expansion() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("ngc:1", "guideline", "Glomerular disease", ("Glomerular disease",), "", ()),
                          Scope("ngc:2", "guideline", "Type 2 diabetes", ("Type 2 diabetes",), "", ()))
    assert ("glomerular",) in scopes.aliases
    # eGFR is "estimated glomerular filtration rate": a measurement, not the glomerular diseases
    frame = understand("At what eGFR should metformin be stopped in type 2 diabetes?", scopes=scopes)
    assert frame.conditions == ("Type 2 diabetes",)
    # typed, the word still names them
    assert "Glomerular disease" in understand("Is rituximab used in glomerular disease?", scopes=scopes).conditions


def _pdn_scopes():  # type: ignore[no-untyped-def]
    from medcite.retrieve.scope import Scope

    return _scope_index(Scope("ngc:1", "guideline", "Type 2 diabetes", ("Type 2 diabetes mellitus",), "", ()),
                        Scope("ngc:2", "guideline", "Painful diabetic neuropathy", ("Painful diabetic neuropathy",), "", ()),
                        Scope("ngc:3", "guideline", "Burns", ("Burns",), "", ()))


def test_a_symptom_written_as_an_ing_word_is_no_condition() -> None:
    scopes = _pdn_scopes()
    frame = understand("58F, burning feet at night. what first for the pain?", scopes=scopes)
    assert "Burns" not in frame.conditions
    assert "Burns" in understand("8yo with partial thickness burns to the arm, dressing?", scopes=scopes).conditions


def test_a_clause_naming_no_condition_whole_asks_about_the_one_sharing_its_words() -> None:
    frame = understand("58F type 2 diabetes mellitus, painful diabetic neuropathy. what first for the pain?",
                       scopes=_pdn_scopes())
    assert [" ".join(k) for k in frame.focus_keys] == ["pain diabet neuropathi"]
    assert frame.aspect == "first-line"


def test_theatre_shorthand_is_written_out() -> None:
    from medcite.understand.vignette import expand_shorthand

    assert expand_shorthand("40F for elective lap chole tomorrow") == "40F for elective cholecystectomy tomorrow"
    assert expand_shorthand("s/p appy, C-section 2019") == "status post appendectomy, cesarean section 2019"
    assert expand_shorthand("choledocholithiasis") == "choledocholithiasis"
    assert expand_shorthand("POD2 hip # repair, 84M") == "postoperative day 2 hip fracture repair, 84M"
    assert expand_shorthand("#NOF on the ward") == "fractured neck of femur on the ward"
    assert expand_shorthand("G2P1, bed #2") == "G2P1, bed #2"
    assert expand_shorthand("23M stab wound to abdo") == "23M stab wound (penetrating trauma) to abdo"
    assert expand_shorthand("if not, when would I pull it?") == "if not, when would I remove it?"


def test_ward_fluid_orders_are_written_out_as_guidelines_name_them() -> None:
    from medcite.understand.vignette import expand_shorthand

    assert expand_shorthand("D5 1/2NS or D5NS?") == ("5% dextrose and 0.45% NaCl (half-isotonic saline) or "
                                                     "5% dextrose and 0.9% NaCl (isotonic saline)?")
    assert expand_shorthand("D5½NS at 60 mL/h") == "5% dextrose and 0.45% NaCl (half-isotonic saline) at 60 mL/h"
    assert expand_shorthand("bolus 1/2NS") == "bolus 0.45% NaCl (half-isotonic saline)"
    assert expand_shorthand("D5W at 10 mL/h") == "5% dextrose in water at 10 mL/h"
    assert expand_shorthand("NS bolus, GNS") == "NS bolus, GNS"  # a bare NS may be nephrotic syndrome


def test_a_fluid_choice_is_about_the_fluids_not_the_history() -> None:
    frame = understand("4yo 16 kg admitted w/ RLL pneumonia, drinking poorly, Na 139 on admission. writing "
                       "maintenance IVF - D5 1/2NS or D5NS?")
    assert frame.focus_drugs == ("half-isotonic saline", "isotonic saline")
    assert frame.aspect == "first-line"


@pytest.mark.parametrize(("question", "sentence", "conflict"), [
    ("19M sickle cell, VOC, pain 9/10 despite ibuprofen. what do I start?",
     "In adults and children with SCD and a VOC associated with mild to moderate pain, continue NSAIDs.", True),
    ("19M sickle cell, VOC, pain 9/10. what do I start?",
     "In adults and children with SCD and a VOC associated with severe pain, rapidly initiate parenteral opioids.", False),
    ("renal colic, 8/10 pain", "For mild pain, offer paracetamol.", True),
    ("took 2 tablets, pain 2/10 now", "For severe pain, offer morphine.", True),
    ("took 2 tablets", "For severe pain, offer morphine.", False),
    ("31M Crohn's, moderately severe flare, CRP 60. aza or anti-TNF?",
     "In patients with surgically induced remission of CD, the AGA suggests anti-TNF therapy.", True),
    ("31M Crohn's, moderately severe flare, CRP 60. aza or anti-TNF?",
     "The guideline developers recommend using anti-TNF drugs to induce remission in moderately severe CD.", False),
])
def test_a_pain_score_is_a_severity(question: str, sentence: str, conflict: bool) -> None:
    from medcite.understand.populations import kind_conflict

    assert kind_conflict(question, sentence) is conflict


@pytest.mark.parametrize(("aspect", "sentence", "testing"), [
    ("first-line", "The Task Force also recommends testing for recurrence throughout life.", True),
    ("first-line", "Patients should be screened for HBV before chemotherapy.", True),
    ("first-line", "The Task Force recommends initial resection of primary lesion(s).", False),
    ("monitoring", "We recommend that patients be monitored weekly.", False),
    ("first-line", "Do not routinely offer microbiological tests to patients with low-severity pneumonia.", True),
    ("first-line", "Clinicians should not routinely perform diagnostic imaging for patients with Bell's palsy.", True),
    ("first-line", "Offer a 5-day course of a single antibiotic to patients with low-severity pneumonia.", False),
    ("first-line", "For trigeminal neuralgia refractory to medical therapy, neuroimaging is indicated.", True),
    ("first-line", "Imaging findings guide the choice of surgery; offer carbamazepine.", False),
    # done to find out (SOGC toxoplasmosis, ngc:9635)
    ("first-line", "Amniocentesis should be offered to identify T. gondii in the amniotic fluid by polymerase chain "
                   "reaction if maternal primary infection is diagnosed.", True),
    ("first-line", "If maternal infection has been confirmed but the fetus is not yet known to be infected, spiramycin "
                   "should be offered for fetal prophylaxis.", False),
])
def test_a_recommendation_to_test_does_not_answer_a_treatment_question(aspect: str, sentence: str,
                                                                        testing: bool) -> None:
    from medcite.compose.aspects import recommends_testing_for

    assert recommends_testing_for(aspect, sentence) is testing


def test_a_head_dropped_name_in_the_plural_is_the_thing_not_the_disease() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("medquad:1", "guideline", "Platelet disorder", ("Platelet disorder",), "", ()),
                          Scope("ngc:2", "guideline", "AML", ("Acute myeloid leukemia",), "", ()))
    assert ("platelet",) in scopes.aliases
    frame = understand("inpatient w/ acute myeloid leukemia, needs an LP. transfuse platelets first?", scopes=scopes)
    assert "Platelet disorder" not in frame.conditions
    assert "Platelet disorder" in understand("inherited platelet disorder, bleeding after a tooth extraction",
                                             scopes=scopes).conditions


def test_a_category_or_a_qualifier_gives_no_one_word_name() -> None:
    from medcite.retrieve.scope import Scope

    # MedlinePlus's "Rectal Disorders" is a group; "renal" begins many condition names and
    # qualifies them. Neither word alone names a condition ("rectal T 38.5" is a temperature).
    scopes = _scope_index(Scope("medquad:1", "consumer", "Rectal Disorders", ("Rectal Disorders",), "", ()),
                          Scope("ngc:1", "guideline", "Renal disease", ("Renal disease",), "", ()),
                          Scope("ngc:2", "guideline", "Renal cancer", ("Renal cancer", "Renal colic",
                                                                       "Renal artery stenosis"), "", ()),
                          Scope("ngc:3", "guideline", "Kawasaki disease", ("Kawasaki disease",), "", ()))
    assert ("rectal",) not in scopes.aliases and ("renal",) not in scopes.aliases
    assert ("kawasaki",) in scopes.aliases
    frame = understand("6-wk-old, rectal T 38.5, lethargic. starting IV abx - which agents?", scopes=scopes)
    assert "Rectal Disorders" not in frame.conditions


@pytest.mark.parametrize(("question", "absent"), [
    ("70F post-MI, myalgias on 3 statins. bempedoic acid dose? can I combine it with ezetimibe?", "bempedoic acid"),
    ("heavy periods - tranexamic acid dose?", ""),
    ("What is the first-line treatment for multisystem inflammatory syndrome in children?",
     "multisystem inflammatory syndrome"),
    ("what is the screening interval for routine cervical cancer screening?", ""),
    ("How long should antibiotics be given when a repeat culture in an adult shows infection?", ""),
    # set W, session 15: a device named in capitals, and a form of an indexed drug with a short name of its own
    ("doesn't want a fundoplication. is he a candidate for a LINX magnetic sphincter augmentation device instead?",
     "LINX"),
    ("colleague mentioned inhaled liposomal cyclosporine (L-CsA-i) - what nebulized dose and for how long?",
     "liposomal cyclosporine"),
    ("on topical tacrolimus (TAC-T) for his eczema - how long?", ""),
])
def test_a_named_drug_or_syndrome_no_passage_holds_is_the_subject(question: str, absent: str) -> None:
    from medcite.retrieve.query import expand
    from medcite.understand.frame import _unknown

    phrases = {"tranexamic", "tranexamic acid", "inflammatory syndrome", "cervical cancer", "shows infection",
               "ezetimibe", "statins", "multisystem", "topical tacrolimus"}

    def occurs(text: str) -> bool:  # every single word but "bempedoic" and "LINX"; only the phrases listed
        text = text.lower().rstrip("*")
        return text in phrases or (" " not in text and text not in ("bempedoic", "linx"))

    assert _unknown(question, expand(question), [], False, occurs) == absent


def test_a_long_condition_name_also_names_its_kind_without_the_first_word() -> None:
    from medcite.retrieve.scope import Scope, condition_phrases

    scope = Scope("medquad:GARD-1", "consumer", "Monoclonal mast cell activation syndrome",
                  ("Monoclonal mast cell activation syndrome",), "", ())
    assert "mast cell activation syndrome" in condition_phrases(scope)
    assert condition_phrases(Scope("ngc:1", "guideline", "GBS", ("Guillain-Barré syndrome",), "", ())) == [
        "Guillain-Barré syndrome"]


def test_a_condition_named_in_three_words_is_one_concept() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["mast", "cell", "activ", "syndrom", "treat"], None, lambda t: 5.0,
                     phrases=[("mast", "cell", "activ", "syndrom")])
    mcas = next(c for c in found if c.label == "mast cell activ syndrom")
    assert mcas.covered_by({"mast", "cell", "activ"}) and not mcas.covered_by({"mast", "cell", "stabil"})


def test_a_treatment_named_in_two_words_is_what_the_clause_asks_about() -> None:
    frame = understand("ED: 59F Na 116, vomiting then seizure, now drowsy. how much hypertonic saline do I give?")
    assert frame.drugs[:1] == ("hypertonic saline",) and frame.focus_drugs == ("hypertonic saline",)
    # gaps and follow-ups name what is asked about, not the seizure the history tells
    assert frame.topic == "hypertonic saline" and frame.asked_condition == ""


def test_an_ambiguous_abbreviations_chosen_sense_is_the_one_its_concept_is_built_on() -> None:
    from medcite.compose.build import _concepts
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("ngc:1", "guideline", "Hemodialysis adequacy: Kt/V targets for thrice weekly sessions",
                               ("Hemodialysis",), "", ()),
                         Scope("ngc:2", "guideline", "Huntington disease", ("Huntington disease",), "", ()))
    frame = understand("pt on thrice-weekly in-center HD, anuric - what's the target Kt/V?", scopes=scopes)
    hd = next(c for c in _concepts(frame, lambda t: 5.0) if c.label == "HD")
    assert hd.covered_by({"hemodialysi"}) and not hd.covered_by({"huntington"})


@pytest.mark.parametrize(("question", "sentence", "elsewhere"), [
    ("71F, Paps every 3 yrs, all normal. does she need any more?",
     "Pap smear for all HIV+ women every 6 months until 2 normal Paps, then once per year.", True),
    ("HIV+ woman, CD4 450: how often Pap?", "Pap smear for all HIV+ women every 6 months.", False),
    ("renal transplant 2 yrs ago, on tacrolimus: flu vaccine?", "Inactivated vaccine is safe in transplant recipients.",
     False),
    ("healthy 40M: flu vaccine?", "Offer the vaccine to adults aged 65 and over.", False),
])
def test_a_sentence_for_a_group_the_question_does_not_name_is_another_populations(question: str, sentence: str,
                                                                                  elsewhere: bool) -> None:
    from medcite.understand.populations import restricted_elsewhere

    assert restricted_elsewhere(question, sentence) is elsewhere


@pytest.mark.parametrize(("age", "sentence", "conflict"), [
    (29, "For women aged 65 years and older, HPV-negative ASC-US test results should be considered abnormal.", True),
    (29, "For women with HPV-positive ASC-US, colposcopy is recommended.", False),
    (29, "For women aged 21 to 29 years, cytology alone is recommended every 3 years.", False),
    (35, "For women aged 21 to 29 years, cytology alone is recommended every 3 years.", True),
    (71, "For women 70 years of age or older who have undergone adequate screening, stop screening.", False),
    (70, "Do not offer stroke prevention therapy to people aged under 65 years with AF.", True),
    (50, "Do not offer stroke prevention therapy to people aged under 65 years with AF.", False),
    (5, "In children younger than 18 years, avoid codeine.", False),
    (None, "For women aged 65 years and older, stop screening.", False),
    # AAOS pediatric femur fractures (ngc:10775): ages in words
    (4, "Limited evidence supports the option for physicians to use flexible intramedullary nailing to treat children "
        "age five to eleven years diagnosed with diaphyseal femur fractures.", True),
    (8, "Limited evidence supports the option for physicians to use flexible intramedullary nailing to treat children "
        "age five to eleven years diagnosed with diaphyseal femur fractures.", False),
    (4, "Limited evidence supports treatment with a Pavlik harness or a spica cast for infants six months and younger.",
     True),
    (4, "Moderate evidence supports early spica casting for children age six months to five years.", False),
    (7, "Moderate evidence supports early spica casting for children age six months to five years.", True),
    (4, "Limited evidence supports submuscular plating for children age eleven years to skeletal maturity.", True),
])
def test_an_age_range_that_excludes_the_patient(age: float | None, sentence: str, conflict: bool) -> None:
    from medcite.understand.populations import age_conflict

    assert age_conflict(age, sentence) is conflict


# NICE (ngc:7176) and SOGC (ngc:10091) induction of labour, NICE preterm labour
@pytest.mark.parametrize(("weeks", "sentence", "conflict"), [
    (41.29, "From 42 weeks, women who decline induction of labour should be offered increased antenatal monitoring.",
     True),
    (42.0, "From 42 weeks, women who decline induction of labour should be offered increased antenatal monitoring.",
     False),
    (41.29, "Women who chose to delay induction >41+0 weeks should undergo twice-weekly assessment for fetal "
            "well-being.", False),
    (30.0, "Offer antenatal corticosteroids to women between 24+0 and 33+6 weeks of pregnancy who are in suspected "
           "preterm labour.", False),
    (35.0, "Offer antenatal corticosteroids to women between 24+0 and 33+6 weeks of pregnancy who are in suspected "
           "preterm labour.", True),
    # weeks of a course, not of a gestation
    (30.0, "Continue treatment for 6 weeks after delivery.", False),
    (None, "From 42 weeks, women who decline induction of labour should be offered increased monitoring.", False),
])
def test_a_gestation_range_that_excludes_the_pregnancy(weeks: float | None, sentence: str, conflict: bool) -> None:
    from medcite.understand.populations import gestation_conflict

    assert gestation_conflict(weeks, sentence) is conflict


def test_after_a_dash_the_asking_clause_is_about_what_it_names() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("ngc:1", "guideline", "DLBCL", ("Diffuse large B-cell lymphoma (DLBCL)",), "", ()),
                          Scope("ngc:2", "guideline", "T2DM", ("Type 2 diabetes mellitus (T2DM)",), "", ()),
                          Scope("ngc:3", "guideline", "CDI", ("Clostridium difficile infection (CDI)",), "", ()),
                          Scope("ngc:4", "guideline", "Febrile neutropenia", ("Febrile neutropenia",), "", ()))
    frame = understand("70F new DLBCL, starting R-CHOP, T2DM - febrile neutropenia prophylaxis from cycle 1?",
                       scopes=scopes)
    assert [" ".join(k) for k in frame.focus_keys] == ["febril neutropenia"]
    # a clause after the dash that names nothing keeps its sentence
    frame = understand("68F day 6 of cipro, C diff PCR positive. mild-mod CDI - what do I start and for how long",
                       scopes=scopes)
    assert ("cdi",) in frame.focus_keys


def test_a_test_listed_in_a_scope_is_no_condition() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("ngc:1", "guideline", "Headache imaging", ("Headache; MRI",), "", ()),
                          Scope("ngc:2", "guideline", "TN", ("Trigeminal neuralgia",), "", ()))
    frame = understand("58F trigeminal neuralgia, MRI nl - first line drug?", scopes=scopes)
    assert frame.conditions == ("Trigeminal neuralgia",)
    # serology is a test too: "toxo IgM+ IgG+" asks about toxoplasmosis
    scopes = _scope_index(Scope("ngc:1", "guideline", "Immunodeficiency", ("IgM deficiency; IgM",), "", ()),
                          Scope("ngc:3", "guideline", "IgG", ("IgG",), "", ()),
                          Scope("ngc:2", "guideline", "Toxoplasmosis in pregnancy", ("Toxoplasmosis",), "", ()))
    frame = understand("G1 at 17/40, toxo IgM+ IgG+ low avidity. what do I start her on now?", scopes=scopes)
    assert frame.conditions == ("Toxoplasmosis",)


DM_CKD = (("diabet", "mellitus"), ("chronic", "kidney", "diseas"))


@pytest.mark.parametrize(("ruled_out", "text", "restricted"), [
    # ngc:10401: the target after this opening is for patients with diabetes or organ damage
    (DM_CKD, "For patients with diabetes or end organ damage (e.g., renal insufficiency, retinopathy, congestive "
             "heart failure [CHF]), appropriate treatment of hypertension provides significant improvements in "
             "clinical outcomes [IA]. Recommended BP targets are systolic blood pressure (SBP) of <140 mm Hg", True),
    (DM_CKD, "In adults with chronic kidney disease and hypertension, aim for a BP below 140/90.", True),
    (DM_CKD, "If a woman with diabetes is planning a pregnancy, offer folic acid 5 mg/day.", True),
    # "chronic" alone does not name chronic kidney disease
    (DM_CKD, "For patients with chronic heart failure, offer an ACE inhibitor.", False),
    (DM_CKD, "In adults with hypertension, aim for a clinic BP below 140/90.", False),
    ((), "For patients with diabetes, aim for an A1c below 7%.", False),
])
def test_a_recommendation_for_a_ruled_out_condition(ruled_out: tuple[tuple[str, ...], ...], text: str,
                                                      restricted: bool) -> None:
    from medcite.understand.populations import restricted_to_ruled_out

    assert restricted_to_ruled_out(ruled_out, text) is restricted


def test_the_conditions_a_question_rules_out() -> None:
    from medcite.retrieve.scope import Scope

    scopes = _scope_index(Scope("ngc:1", "guideline", "Diabetes", ("Diabetes mellitus",), "", ()),
                          Scope("ngc:2", "guideline", "Hypertension", ("Hypertension",), "", ()))
    frame = understand("72 y/o M, HTN, no diabetes mellitus, BP 156/88 on amlodipine. goal BP?", scopes=scopes)
    assert frame.ruled_out == (("diabet", "mellitus"),)
    assert ("hypertens",) in frame.condition_keys


def test_a_product_named_with_its_generic_in_brackets_that_no_passage_names_is_not_covered() -> None:
    known = {"schizophrenia", "urinary retention", "trospium", "risperidone", "aripiprazole", "Triaminic"}
    frame = understand("28M schizophrenia, couldn't tolerate risperidone. thinking Cobenfy (xanomeline-trospium) - "
                       "starting dose + titration? worry re urinary retention?", occurs=lambda w: w in known)
    assert frame.unknown == "Cobenfy"
    frame = understand("7 y/o with a cold - can she give Triaminic (diphenhydramine/phenylephrine) syrup, how much?",
                       occurs=lambda w: w in known or w.lower() in ("diphenhydramine", "phenylephrine", "cold", "syrup"))
    assert frame.unknown == ""


def test_a_prefix_split_off_by_a_hyphen_is_no_term() -> None:
    frame = understand("day 5 breastfed baby, 3.08 kg (-10.7%). how often should we re-weigh?")
    assert "re" not in frame.terms and "weigh" in frame.terms
    # a prefix that changes what the word names stays
    assert "anti" in understand("G2P1 at 26 wks, RhD neg - anti-D dose?").terms


def test_a_blood_group_is_a_status_and_anti_d_is_the_immunoglobulin() -> None:
    from medcite.compose.build import _concepts
    from medcite.understand.vignette import expand_shorthand

    assert expand_shorthand("G2 at 28 wks, RhD neg. anti-D dose?") == "G2 at 28 wks, RhD-negative. anti-D dose?"
    assert expand_shorthand("Rh pos mum") == "Rh-positive mum"
    frame = understand("G2 at 28 wks, RhD neg. anti-D dose?")
    assert "rhd" in frame.terms  # not ruled out: RhD-negative is what she is
    anti_d = next(c for c in _concepts(frame, lambda t: 5.0) if c.label == "anti-D")
    # "anti" alone would match "anti-HBs"; the immunoglobulin is what is asked about
    assert not anti_d.covered_by({"anti", "hbs", "vaccin"})
    assert anti_d.covered_by({"anti", "immunoglobulin", "administ"})


def test_a_drug_on_the_patients_list_or_a_clipped_word_is_no_unindexed_subject() -> None:
    # Set K, session 11: "linagliptin" is in no indexed passage, but the patient merely takes it;
    # "simva" is a clipping of an indexed drug; "infxn" of an indexed word.
    absent = {"linagliptin", "simva", "infxn", "tianeptine"}  # every other word is indexed, simvastatin too

    def occurs(text: str) -> bool:  # as compose._occurs: a trailing "*" asks for a prefix
        text = text.lower()
        if text.endswith("*"):
            return "simvastatin".startswith(text[:-1]) or not any(a.startswith(text[:-1]) for a in absent)
        return text not in absent

    for question in ("78F T2DM, eGFR 33, on gliclazide 80 bid + linagliptin, 1 hypo last month. A1c 8.0%. "
                     "at what A1c would you actually bother pushing to tighten things in someone like her?",
                     "61F, LDL 4.8, SLCO1B1 CC. I was about to start simva 40 - what do I do instead?",
                     "HbSS boy, 5, on pen V since 2 mo. never had invasive pneumococcal infxn. can he come off the penicillin?"):
        assert understand(question, occurs=occurs).unknown == "", question
    # a substance the patient uses that no passage names still is the subject
    assert understand("38M using tianeptine daily, wants to stop - can I use buprenorphine?", occurs=occurs).unknown


def test_a_drug_named_as_an_acid_is_a_drug() -> None:
    frame = understand("63F breast ca, starting letrozole. plan zoledronic acid 4 mg IV q6mo - how many yrs?")
    assert "zoledronic acid" in frame.drugs and "zoledronic acid" in frame.focus_drugs


def test_when_and_how_a_vignette_is_told_gives_no_terms() -> None:
    frame = understand("PICU: 3yo 14 kg, intubated for RSV w/ ARDS. dietitian away till Mon - what daily protein should "
                       "I be aiming for per kg? would you actually bother with something like that?")
    assert not {"away", "till", "mon", "actual", "bother", "someth", "like"} & set(frame.terms)


def test_an_acronym_with_a_stage_is_shorthand_not_an_unindexed_name() -> None:
    from medcite.retrieve.query import expand
    from medcite.understand.frame import _unknown

    question = "66F CKD4 (eGFR 22) on darbepoetin, Hb now 128 g/L. what Hb range should I keep her in?"
    assert _unknown(question, expand(question), [], False, lambda text: "ckd4" not in text.lower()) == ""


def test_a_conditions_other_name_in_a_scope_is_searched_for() -> None:
    from medcite.retrieve.scope import Scope

    # The Endocrine Society's scope (ngc:10959): "Primary adrenal insufficiency (Addison's disease)";
    # a list or a qualifier in brackets is no other name.
    scopes = _scope_index(
        Scope("ngc:10959", "guideline", "Primary adrenal insufficiency",
              ("Primary adrenal insufficiency (Addison's disease)",), "", ()),
        Scope("ngc:1", "guideline", "Rotator cuff", ("Rotator cuff tears (partial or full-thickness)",), "", ()),
        Scope("medquad:1", "consumer", "Addison Disease", ("Addison Disease",), "", ()), filler=200)
    assert scopes.also_named[("addison", "diseas")] == {"Primary adrenal insufficiency"}
    assert ("rotat", "cuff", "tear") not in scopes.also_named
    frame = understand("52M w/ Addison's on HC 10/5/5, keeps missing doses. a once-a-day steroid instead?", scopes=scopes)
    assert frame.other_names == ("Primary adrenal insufficiency",)
    assert "Primary adrenal insufficiency" in frame.search_text


def test_a_ruled_out_drug_is_not_the_subject_and_a_clipping_is_a_form() -> None:
    from medcite.understand.concepts import concepts

    frame = understand("AML, probable IPA on vori 200 mg PO bid, trough 0.3 mg/L (no new rifampicin/phenytoin/PPI, "
                       "LFTs ok). how much should I bump the dose?")
    assert frame.drugs == ("voriconazole",) and frame.aspect == "titration"
    # the TDM guideline writes "VORI"
    found = concepts(["voriconazol"], None, lambda t: 1.0)
    assert found[0].covered_by(frozenset({"trough", "concentr", "vori", "increas"}))


def test_bedside_abbreviations_of_wards_and_transfusion() -> None:
    from medcite.retrieve.query import abbreviations_in

    found = set(abbreviations_in("which IM drug for rapid tranq? prophylactic cryo? panhypopit, MSSA in her L TKA, "
                                 "DAIR done, PGx shows CYP3A5, dose the T4"))
    assert {("tranq", "tranquillisation"), ("cryo", "cryoprecipitate"), ("panhypopit", "hypopituitarism"),
            ("TKA", "total knee arthroplasty"), ("T4", "thyroxine")} <= found


def test_t4_is_a_hormone_not_a_temperature() -> None:
    from medcite.understand.vignette import detail_spans

    for question, details in [("what should I be aiming for when I dose the T4?", []),
                              ("febrile, T 38.6, HR 120", ["T 38.6", "HR 120"])]:
        assert [question[s:e] for s, e in detail_spans(question)] == details


def test_an_ambiguous_abbreviation_names_the_drug_of_its_chosen_sense() -> None:
    u = understand("Endo clinic: 49F panhypopit after NFPA resection, on HC 10/5 and levo 88 mcg, TSH 0.03 so her "
                   "GP wants to cut the levo. what should I be aiming for when I dose the T4?")
    assert "levofloxacin" not in u.drugs and "levothyroxine" in u.drugs


def test_thyroxine_is_levothyroxine() -> None:
    from medcite.understand.concepts import concepts

    found = concepts(["thyroxin"], None, lambda t: 1.0)
    assert found[0].covered_by(frozenset({"task", "forc", "recommend", "levothyroxin", "l-t4", "dose"}))


@pytest.mark.parametrize(("question", "names_subject"), [
    # two words of its own or more, no condition or drug: the history describes the patient
    ("ICU: 58F alcohol cirrhosis + sepsis, fibrinogen 0.8 g/L, INR 1.9, not bleeding, needs a tunnelled HD line "
     "this afternoon. at what fibrinogen level should I give prophylactic cryo?", False),
    ("NICU: 39+2 wk boy, moderate encephalopathy on Sarnat at 2 h, now day 2 of cooling on morphine. when is the "
     "best time to get the brain MRI for prognosis?", False),
    ("NICU: 39+2 wk boy, moderate encephalopathy, now day 2 of cooling on morphine. when should we get the brain MRI?",
     False),
    # a bare question leans on the history's condition; one naming the drug asks about it
    ("30M TB meningitis, fully sensitive. how long is the total course? steroids?", True),
    ("Acute otitis media in a child allergic to amoxicillin: what is the alternative antibiotic?", True),
    ("2yo with AOM. amoxicillin caused a rash last year - which antibiotic instead?", True),
])
def test_a_question_with_words_of_its_own_asks_about_them(question: str, names_subject: bool) -> None:
    assert understand(question).ask_names_subject is names_subject


@pytest.mark.parametrize(("sentence", "unasked"), [
    ("In patients with CH requiring changes in estrogen therapy, the Task Force recommends monitoring fT4 levels.", True),
    ("For women with co-morbid conditions, antihypertensive drug therapy should be used to keep systolic blood "
     "pressure at <140 mmHg.", True),
    ("In patients with gout, serum uric acid must reach levels below 6.0 mg/dL.", False),
    ("The Task Force recommends levothyroxine in doses sufficient to achieve serum fT4 levels.", False),
])
def test_a_recommendation_opening_with_a_group_the_question_does_not_describe(sentence: str, unasked: bool) -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.understand.populations import opens_for_unasked_group

    said = frozenset(analyze("pregnant, BP 150/100, gout flare, hypopituitarism on levothyroxine, what target?"))
    assert opens_for_unasked_group(said, sentence) is unasked


def test_an_unindexed_drug_of_a_clause_that_names_nothing_is_what_the_index_lacks() -> None:
    question = ("Retina clinic: 64M DM2, just finished 4 monthly {} loading injections, macula now dry. when can I "
                "start extending the interval?")
    assert understand(question.format("faricimab"), occurs=lambda w: w.lower() != "faricimab").unknown == "faricimab"
    assert understand(question.format("aflibercept"), occurs=lambda w: True).unknown == ""


def test_a_drug_already_tried_is_the_history_not_what_the_index_lacks() -> None:
    question = ("34F, 3 yrs crampy lower abdo pain + bloating, loose stools. no better on {} + loperamide + diet "
                "advice. want to try {} for the pain - what dose do I start her on?")
    def occurs(w: str) -> bool:
        return w.lower() != "mebeverine"
    assert understand(question.format("mebeverine", "amitriptyline"), occurs=occurs).unknown == ""
    assert understand(question.format("amitriptyline", "mebeverine"), occurs=occurs).unknown == "mebeverine"


def test_saturation_on_room_air_is_a_detail_not_rheumatoid_arthritis() -> None:
    from medcite.understand.vignette import detail_spans

    question = "ED: 19M, 1 wk cough, SpO2 89% RA, bilateral GGOs on CT; sats 92% on room air now. known RA?"
    assert [question[s:e] for s, e in detail_spans(question)] == ["ED", "19M", "1 wk", "SpO2 89% RA",
                                                                  "sats 92% on room air"]


def test_a_queried_acronym_no_passage_holds_is_what_the_index_lacks() -> None:
    question = ("ED: 19M vapes THC carts daily, SpO2 89% RA, bilateral GGOs on CT, cultures neg. ?EVALI - what "
                "criteria do I need to meet to call it that?")
    assert understand(question, occurs=lambda w: w.upper() != "EVALI").unknown == "EVALI"
    # an acronym not marked as the working diagnosis stays shorthand
    assert understand("ED: 19M, GGOs on CT. what criteria?", occurs=lambda w: w.upper() != "GGOS").unknown == ""


def test_bedside_abbreviations_of_valves_and_vitamins() -> None:
    from medcite.retrieve.query import abbreviations_in

    found = set(abbreviations_in("54F rheumatic MS, mechanical MVR, AVR; oral B12"))
    assert {("MS", "mitral stenosis"), ("MVR", "mitral valve replacement"), ("AVR", "aortic valve replacement"),
            ("B12", "cyanocobalamin")} <= found
    assert "cyanocobalamin" in understand("68M on metformin. oral B12 - what dose and for how long?").drugs


def test_the_condition_the_findings_show_is_a_concept_when_nothing_is_named() -> None:
    from medcite.compose.build import _concepts
    from medcite.retrieve.analyze import analyze

    shown = frozenset(analyze("otitis media with effusion"))
    frame = understand("4yo, dull retracted TMs with air-fluid levels both sides, type B tymps, no pain or fever. "
                       "mum wants abx or a steroid nose spray - what's first-line?")
    labels = {c.label for c in _concepts(frame, lambda t: 1.0)}
    assert shown & labels and "mum" not in labels
    # not the patient's group ("infants"), nor beside a named condition
    frame = understand("6-wk-old, rectal T 38.5, lethargic + mottled. which IV abx?")
    assert "infant" not in {c.label for c in _concepts(frame, lambda t: 1.0)}


def test_the_clause_naming_no_drug_asks_how_the_unindexed_drug_is_given() -> None:
    # set O: the patient failed adalimumab and is on bimekizumab, which no passage names
    question = ("Derm: 44M plaque psoriasis, failed adalimumab, 96 kg, on bimekizumab 320 mg q4w, wk 16 today and "
                "nearly clear. when and how do I stretch him to q8w?")
    frame = understand(question, occurs=lambda w: w.lower() != "bimekizumab")
    assert frame.aspect == "titration" and frame.unknown == "bimekizumab"
    # a clause that names the indexed drug asks about it
    assert understand("on bimekizumab and adalimumab. how do I taper the adalimumab?",
                      occurs=lambda w: w.lower() != "bimekizumab").unknown == ""


def test_a_dose_with_its_unit_written_out_states_a_dose() -> None:
    from medcite.compose.aspects import aspect_bonus

    assert aspect_bonus("starting-dose", "Defibrotide is recommended at a dose of 6.25 milligrams/kg intravenously "
                                         "4 times daily for the prevention of VOD") > 0


def test_a_clinic_or_a_screening_programme_is_no_condition() -> None:
    from medcite.retrieve.scope import Scope

    # scope items of the real PKU and metabolic guidelines (ngc:11075 and neighbours)
    scopes = _scope_index(Scope("ngc:1", "guideline", "PKU", ("Phenylketonuria (PKU)", "Newborn screening"), "", ()),
                          Scope("ngc:2", "guideline", "Metabolic", ("Metabolic", "Tuberculosis"), "", ()))
    frame = understand("19F w/ classic PKU picked up on newborn screen, came off diet at 15, now back in metabolic "
                       "clinic. Phe today 980 umol/L. what blood Phe range should we be aiming for long term?",
                       scopes=scopes)
    assert frame.conditions == ("PKU",)
    # written as the condition, the words still name it; a screening for a condition names the condition
    assert "Metabolic" in understand("metabolic acidosis in DKA?", scopes=scopes).conditions
    diabetes = _scope_index(Scope("ngc:3", "guideline", "Diabetes", ("Diabetes",), "", ()))
    assert "Diabetes" in understand("seen in diabetes clinic, A1c 9.1. add what?", scopes=diabetes).conditions
    assert "Tuberculosis" in understand("What tuberculosis screening is required before adalimumab?",
                                        scopes=scopes).conditions


def test_an_abbreviation_for_a_measurement_names_no_drug() -> None:
    # "PT" is prothrombin time (or physical therapy): no prothrombin given
    frame = understand("done the bladder diet, stress mgmt and pelvic PT - still miserable. what oral meds can I try next?")
    assert "prothrombin" not in frame.drugs
    assert understand("INR 3.2 on warfarin, PT 28 s. hold the dose?").drugs == ("warfarin",)


def test_an_abbreviation_ruled_out_adds_no_sense_to_the_search() -> None:
    # "no DM or CKD": the search looks for no diabetes (nor dermatomyositis)
    frame = understand("72 y/o M, HTN, no DM or CKD, BP 156/88 on amlodipine. what's the goal BP for him?")
    assert "diabetes mellitus" not in frame.senses
    assert "diabetes mellitus" in understand("58M with DM, BP 150/90 on lisinopril. goal BP?").senses


def test_an_abbreviation_read_in_a_sense_that_is_no_condition_names_none() -> None:
    from medcite.retrieve.scope import Scope

    brain = Scope("ngc:brain", "guideline", "Brain injury rehabilitation in adults",
                  ("Acquired brain injury (ABI)",), "Adults with brain injuries", ())
    ulcer = Scope("ngc:ulcer", "guideline", "Management of venous leg ulcers", ("Venous leg ulcers",), "", ())
    question = ("71F, 5-mo venous leg ulcer, ex-smoker w/ calf claudication. ABI today 0.55. DN wants to start "
                "4-layer bandaging - at what ABI do I hold off on compression?")
    frame = understand(question, scopes=_scope_index(brain, ulcer))
    assert frame.conditions == ("Venous leg ulcers",)
    # written as the brain injury it abbreviates there, it is that condition
    frame = understand("61M, ABI after a fall 3 months ago (acquired brain injury). rehab how long?",
                       scopes=_scope_index(brain, ulcer))
    assert frame.conditions == ("Acquired brain injury",)


@pytest.mark.parametrize(("text", "details"), [
    ("ex-smoker. ABI today 0.55. DN wants to start", ["ABI today 0.55"]),
    ("MELD 30.5, FEV1 1.2 L, CAG 44", ["MELD 30.5", "FEV1 1.2"]),
    # a decimal after a word that is no abbreviation is no measurement of one
    ("type 2.5 and grade 1.2", []),
])
def test_an_abbreviation_given_a_decimal_value_is_a_measurement(text: str, details: list[str]) -> None:
    from medcite.understand.vignette import detail_spans

    assert [text[s:e] for s, e in detail_spans(text)] == details


def test_a_condition_its_telling_findings_name_is_what_the_vignette_is_about() -> None:
    from medcite.retrieve.scope import Scope

    ulcers = Scope("ngc:ulcers", "guideline", "Management of venous leg ulcers", ("Venous leg ulcers (VLUs)",), "", ())
    skin = Scope("ngc:skin", "guideline", "Skin changes", ("Lipodermatosclerosis",), "", ())
    question = ("71F, 5-mo ulcer over L medial malleolus, lipodermatosclerosis, GSV reflux on duplex. DN wants to "
                "start 4-layer bandaging - at what ABI do I have to hold off on compression?")
    frame = understand(question, scopes=_scope_index(ulcers, skin))
    assert [" ".join(k) for k in frame.focus_keys] == ["venous leg ulcer"]
    assert "Lipodermatosclerosis" in frame.conditions  # still the patient's, not the subject


def test_a_contractions_stem_is_no_word_of_the_question() -> None:
    frame = understand("24M, 40 eos/hpf on biopsy. PPI hasn't worked and it didn't help his dysphagia - what drug next?")
    assert not {"hasn", "didn"} & set(frame.terms)
