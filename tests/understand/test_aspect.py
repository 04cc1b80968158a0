"""The asked aspect, on questions phrased as clinicians phrase them (bedside and textbook)."""

from __future__ import annotations

import pytest

from medcite.understand.aspect import asked_aspect

CASES = [
    # session 9, from fresh vignettes
    ("58F painful diabetic neuropathy. what first for the pain?", "first-line"),
    ("can't sleep x 8 months. start zolpidem or something else first?", "first-line"),
    ("CT or MRI first?", "diagnosis"),
    ("start zolpidem?", "threshold"),
    ("bedbound after a hip fracture. when should pressure ulcer risk be assessed?", "monitoring"),
    ("permanent AF, HR 118. what rate control drug do I start", "first-line"),
    ("baby under phototherapy - when can we turn the lights off?", "stop"),
    ("What is the initial hypertonic saline regimen for severe hyponatraemia?", "starting-dose"),
    # bedside phrasings written for session 9 (not from the question set)
    ("7 days of cipro so far. total course?", "duration"),
    # session 17: how long a taper takes is its schedule, not how long to treat
    ("52F on paroxetine 20, in remission 9 months, wants to stop. taper over how long?", "titration"),
    ("off the ventilator, how long to wean the methadone?", "titration"),
    ("how long do I keep her on the sertraline after remission?", "duration"),
    ("remitted for a year on sertraline. when can she come off it?", "stop"),
    ("BP normal on amlodipine for 6 months - ok to discontinue?", "stop"),
    ("84F, 3 falls in 4 months, on zopiclone for yrs. should I be taking her off the sleeping tabs?", "stop"),
    ("new AF, rate 90, CHA2DS2-VASc 3. what's the plan?", "first-line"),
    ("metformin not tolerated - what next?", "alternative"),
    ("58F gritty eyes, preservative-free tears 6x/day for a year, still bad. what's the next drop to add?", "alternative"),
    ("done the bladder diet and pelvic PT - still miserable. what oral meds can I try next?", "alternative"),
    ("repeat OGD after 8 wks omeprazole: still 35 eos/hpf. PPI hasn't worked - what drug next?", "alternative"),
    ("dose 1 given, INR still 1.9. what dose next?", "starting-dose"),
    ("PSA 6.1 on repeat. when do I refer?", "threshold"),
    ("FEV1/FVC 0.68, FeNO 45. is that enough to diagnose it?", "diagnosis"),
    ("starting lithium. anything to watch for?", "monitoring"),
    ("cellulitis - treat for 5 or 10 days?", "duration"),
    ("should I stop the aspirin before surgery?", "stop"),
    ("on alendronate 6 yrs - time to stop bisphosphonate?", "stop"),
    ("seizure-free 3 yrs, can I take her off the antiepileptic?", "stop"),
    ("how much vit D should I give?", "starting-dose"),
    ("max dose?", "titration"),
    ("on ramipril 2.5, how quickly can I increase it?", "titration"),
    ("what LDL should we get him to?", "target"),
    ("COPD on the ward - what sats are acceptable?", "target"),
    ("mechanical mitral valve. INR range?", "target"),
    ("antibiotic of choice?", "first-line"),
    ("UTI at 30 wks - preferred agent in pregnancy?", "first-line"),
    ("new asthma dx, which inhaler should I start?", "first-line"),
    ("moderate depression, SSRI or SNRI?", "first-line"),
    # session 10: a choice between fluids or insulins written as a ward writes them; a dose choice
    ("4yo admitted w/ pneumonia. maintenance IVF - D5 1/2NS or D5NS?", "first-line"),
    ("6yo on the ward, need maintenance IVF, is D5 1/2NS ok or should it be isotonic?", "first-line"),
    ("new T1DM. glargine or detemir for the basal?", "first-line"),
    ("84F NVAF, 55 kg. apixaban 5 or 2.5 bid?", "starting-dose"),
    ("Hb 7.9, no bleeding. transfuse or not?", "threshold"),
    ("still moist cough after 2 wks of amox-clav. how much longer do I extend the abx?", "duration"),
    ("how many more days of abx?", "duration"),
    ("day 5 breastfed baby, down 10.7% from BW. how often should we re-weigh?", "monitoring"),
    ("LNG-IUD in 8 mo, now PID. does the IUD need to come out? if not, when would I pull it?", "stop"),
    ("PICC day 12, afebrile now. should the PICC be removed?", "stop"),
    ("strep throat, anything better than amoxicillin?", "alternative"),
    ("pen allergic - what can I give?", "alternative"),
    ("starting methotrexate: which bloods and when?", "monitoring"),
    ("on amiodarone, need LFTs?", "monitoring"),
    ("minor head injury on warfarin. is a CT indicated?", "threshold"),
    ("new AF, CHA2DS2-VASc 1. do I need to anticoagulate?", "threshold"),
    ("pregnant on lamotrigine. do we need to follow levels?", "monitoring"),
    ("bronchiolitis, sats 93% on air - at what sat do we start O2?", "threshold"),
    ("at what INR do I give vitamin K?", "threshold"),
    ("on CPAP since birth. when can we switch it off?", "stop"),
    # phrasings added in session 6 (not from the question set's wording)
    ("Which NSAID is safest in a patient with CKD?", "first-line"),
    ("UTI in pregnancy, which abx?", "first-line"),
    ("plan was a DOAC. insurance says no - next best option?", "alternative"),
    ("How should benzodiazepines be discontinued after long-term use?", "titration"),
    ("on sertraline 50, keep the same dose when she gets pregnant?", "titration"),
    ("When can oral anticoagulation stop after ablation?", "stop"),
    ("At what age should screening mammography stop?", "stop"),
    ("ok to discharge from the clinic?", "stop"),
    ("How often should potassium be checked after starting spironolactone?", "monitoring"),
    ("At what platelet count should prophylactic platelets be given?", "threshold"),
    ("QTc 480 on citalopram - ok to start ondansetron?", "threshold"),
    ("DKA, glucose 30 mmol/L. insulin infusion rate?", "starting-dose"),
    ("ANC 0.4 and febrile after chemo, started pip-tazo. which agents?", "first-line"),
    ("Troponin 15 ng/L at 3 h - can I rule MI out?", "diagnosis"),
    ("What counts as significant bacteriuria?", "diagnosis"),
    ("newly dx T2DM, HbA1c 8.1 - what do I start?", "first-line"),
    ("What is the first-line treatment for community-acquired pneumonia in adults?", "first-line"),
    ("72M, eGFR 28, new AF - which anticoagulant?", "first-line"),
    ("how do you treat GBS in adults", "first-line"),
    ("34F w/ uncomplicated cystitis, what abx?", "first-line"),
    ("What is the treatment for immune-mediated necrotizing myopathy?", "first-line"),
    ("What is the recommended starting dose of atorvastatin?", "starting-dose"),
    ("humira dose for RA?", "starting-dose"),
    ("8yo 25kg with AOM, amoxicillin how much?", "starting-dose"),
    ("How should levothyroxine be titrated in older adults?", "titration"),
    ("pred taper for GCA after remission - how fast to reduce?", "titration"),
    ("What is the target HbA1c for older adults with type 2 diabetes?", "target"),
    ("goal BP in 68M w/ DM2 and CKD3?", "target"),
    ("How long should anticoagulation continue after a provoked DVT?", "duration"),
    ("5 days vs 10 days of abx for AOM in a 3yo?", "duration"),
    ("pt allergic to penicillin, strep throat - what instead?", "alternative"),
    ("What is recommended when metformin is contraindicated?", "alternative"),
    ("depression not responding to 2 SSRIs, next step?", "alternative"),
    ("When can bisphosphonate therapy be stopped in postmenopausal osteoporosis?", "stop"),
    ("can i stop her statin at 85?", "stop"),
    ("What monitoring is needed for patients on lithium?", "monitoring"),
    ("on amiodarone, how often to check TFTs and LFTs?", "monitoring"),
    ("At what hemoglobin level should red cells be transfused in stable ICU patients?", "threshold"),
    ("when to start statin in a 45 yo with LDL 170?", "threshold"),
    ("How is giant cell arteritis diagnosed?", "diagnosis"),
    ("suspected PE in pregnancy, CT or V/Q?", "diagnosis"),
    ("Tell me about sarcoidosis", "general"),
    ("", "general"),
    # bedside phrasings of a choice, an alternative and stopping
    ("ANC 0.3, T 38.6, no source. empiric abx for febrile neutropenia?", "first-line"),
    ("which emergency contraception?", "first-line"),
    ("phos controlled on calcium acetate but corrected Ca 2.7 (high). what binder now?", "alternative"),
    ("can I use cipro? if not what?", "alternative"),
    ("10 days of purulent nasal discharge + facial pain, not improving. abx or watchful waiting?", "first-line"),
    ("watchful waiting or antibiotics for AOM in a 3yo?", "first-line"),
    ("51 y/o on a COC, still bleeding regularly on the pill. can she just keep taking it?", "stop"),
    # set K, session 11
    ("declined post-op aza / anti-TNF. when's the first scope to look for recurrence?", "monitoring"),
    ("zoledronic acid 4 mg IV q6mo - how many yrs do we keep giving it?", "duration"),
    ("on vori 200 mg PO bid x7d, still spiking. trough 0.3 mg/L. how much should I bump the dose?", "titration"),
    ("on methadone, HFrEF. ok to just send him home with a sleep study kit or does he need an in-lab study?", "diagnosis"),
    ("?scaphoid fracture, X-ray normal. CT or MRI next?", "diagnosis"),
    # set S, session 14: first-line is for the fit
    ("86F, WM dx 2 yrs ago … haem MDT thinks she's too frail for BR or DRC - what's a gentler option for her?",
     "alternative"),
    ("AML, not fit for intensive chemo - what do we offer?", "alternative"),
    # set U, session 15: a schedule of tests
    ("baseline anti-HCV sent today. what HCV bloods does she need from here, and at what time points after the injury?",
     "monitoring"),
    ("on tac monotherapy, tac trough today 7.8. what trough level should we be keeping him under long term?", "target"),
    # set V (held out, session 15), read afterwards
    ("lives 40 miles out. does she really need a day-1 post-op review tomorrow?", "monitoring"),
    ("onc says pall care can wait. how soon after dx should she actually be referred to the pall care team?",
     "threshold"),
    ("had a 16-wk EPO trial, no erythroid response. ESA has failed - which drug and dose do I go to next?",
     "alternative"),
    # set W, session 15: when to act, not which option
    ("she's asking for a PPI or steroids. at what point does she need her larynx looked at - now or wait longer?",
     "threshold"),
    # sets X and Y, session 16
    ("58F ESKD on HD, iPTH 1,150 pg/mL. what iPTH range are we actually trying to keep her in?", "target"),
    ("what dose range is usual?", "starting-dose"),
    ("day 3 after open repair of L TA rupture. physio asks how soon he can start taking weight through it in a boot?",
     "threshold"),
    ("reg says a neg D-dimer means we can skip the CT - is that safe?", "diagnosis"),
    ("vasc f/u clinic: when should his first post-op carotid duplex be?", "monitoring"),
    ("sleep fellow wants to switch him to ASV - is there an EF below which ASV is a no-go?", "threshold"),
    ("conj bili now 5.6 on Intralipid 3 g/kg/d. how far should I cut the lipid dose?", "titration"),
    # whether to do a test, not a threshold for treating nor whether to stop one
    ("pre-op: harsh ESM to the carotids, near-faint. does she need an echo before she's listed?", "diagnosis"),
    ("passed his newborn hearing screen. does he still need a proper hearing test?", "diagnosis"),
    ("do we still need a CT A/P?", "diagnosis"),
    ("does she still need the PPI?", "stop"),  # a drug, not a test
    ("how often does he need repeat glaucoma testing (IOP + fields)?", "monitoring"),
    # whether a treatment goes on
    ("FY1 has held his aspirin - keep it stopped for now or restart it?", "stop"),
    ("when can we restart his warfarin?", "stop"),
]


@pytest.mark.parametrize(("question", "aspect"), CASES)
def test_asked_aspect(question: str, aspect: str) -> None:
    assert asked_aspect(question) == aspect


@pytest.mark.parametrize(("question", "aspect"), [
    # the last question decides, alone, before the clause it leans on
    ("STEMI, cath lab 3 h away. lyse here?", "threshold"),
    # a bare question naming what to do about it asks how, not whether
    ("78F on dabigatran 150 bid for AF, CT shows 25 mL L thalamic ICH, last dose ~5h ago. reversal?", "first-line"),
    ("4yo with AOM, bulging TM, febrile. abx?", "first-line"),
    ("Hb 6.9 after GI bleed - transfuse now?", "threshold"),
    ("acromegaly, IGF-1 still high on octreotide, switching to pegvisomant. LFT monitoring schedule?", "monitoring"),
    ("52F on paroxetine 20, wants to stop. how do I taper it?", "titration"),
    # the clause that asks, not a test's cut-off among the details
    ("ED: 64M, hs-trop <5. D-dimer 0.28 (cut-off 0.5). reg says a neg D-dimer means we can skip the CT - is that safe?",
     "diagnosis"),
])
def test_the_last_question_decides(question: str, aspect: str) -> None:
    from medcite.understand.frame import understand

    assert understand(question).aspect == aspect


@pytest.mark.parametrize(("text", "reasons"), [
    ("3yo, AOM. mom says allergic to amoxicillin last yr. what abx instead?", {"allergy"}),
    ("28F cystitis, couldn't tolerate nitrofurantoin last time - what else?", {"intolerance"}),
    ("TV NAAT still + 4 wks after metronidazole 2 g stat - next regimen?", {"failure"}),
    ("GDM not at goal after 1 wk of diet, refuses insulin. oral option?", {"failure"}),
    ("chancroid in pregnancy: ciprofloxacin is contraindicated, what instead?", {"contraindication"}),
    # guideline sentences
    ("In the event of allergy to amoxicillin, azithromycin (Zithromax) dosed at 30 mg/kg for one dose is the "
     "appropriate first line therapy.", {"allergy"}),
    ("Clinicians should prescribe amoxicillin for AOM when … the child is not allergic to penicillin.", set()),
    ("If treatment with fluoxetine is unsuccessful or is not tolerated because of side effects, consideration "
     "should be given to the use of another antidepressant.", {"failure", "intolerance"}),
    ("night-shift lorry driver, keeps missing the midday and afternoon doses", {"adherence"}),
    ("prednisolone … once or twice daily, especially in patients with reduced compliance", {"adherence"}),
    ("haem MDT thinks she's too frail for BR or DRC", {"frailty"}),
    ("Chlorambucil remains suitable therapy in elderly frail patients (Grade B1).", {"frailty"}),
])
def test_why_first_line_cannot_be_used(text: str, reasons: set[str]) -> None:
    from medcite.understand.aspect import alternative_reasons

    assert alternative_reasons(text) == reasons
