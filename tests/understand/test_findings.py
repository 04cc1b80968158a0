"""Lab values and vital signs read as the conditions they show (real bedside phrasings)."""

from __future__ import annotations

import pytest

from medcite.understand.findings import implied_conditions

CASES = [
    ("ED: 59F Na 116, vomiting then seizure, now drowsy. how much hypertonic saline?", ("hyponatremia",)),
    ("inpatient w/ AML, plt 35k, needs a diagnostic LP tomorrow. transfuse platelets first?", ("thrombocytopenia",)),
    ("6-wk-old, rectal T 38.5, lethargic + mottled, WBC 17.", ("fever",)),
    ("T1DM teen at school feels shaky, fingerstick 58 mg/dL.", ("hypoglycemia",)),
    ("82M with CAD, bright red blood per rectum, HR 105, Hb 8.4. transfuse?", ("anemia",)),
    ("Hgb 84 g/L after surgery", ("anemia",)),
    ("G1 at 30 wks, gestational HTN 150/100, started labetalol.", ("hypertension",)),
    ("31F trying to conceive, TSH 4.6, fT4 normal", ("hypothyroidism",)),
    ("HD pt, corrected Ca 2.7 mmol/L (high) on calcium acetate", ("hypercalcemia",)),
    ("K 6.8 with peaked T waves", ("hyperkalemia",)),
    ("58F docetaxel 10 days ago, T 38.6, ANC 0.3, BP ok", ("fever", "neutropenia")),
    ("temp 101.5F and rigors", ("fever",)),
    ("BG 3.1 mmol/L after insulin", ("hypoglycemia",)),
    # telling examination and test findings
    ("4yo, dull retracted TMs with air-fluid levels both sides, type B tymps, no pain",
     ("otitis media with effusion",)),
    ("7 mo, clusters of flexor jerks on waking, EEG shows hypsarrhythmia", ("infantile spasms",)),
    ("18-month-old, L TM bulging, fussy x1 day", ()),
    ("18-month-old, bulging TM on the left, fussy x1 day", ("acute otitis media",)),
    ("72F vertigo rolling over in bed, positive Dix-Hallpike on the right", ("benign paroxysmal positional vertigo",)),
    ("2yo, barky cough and stridor at night", ("croup",)),
    ("71F, MSSA in her L TKA 3 wks post-op, implant well fixed, DAIR done", ("prosthetic joint infection",)),
    ("71F, L TKA 3 wks post-op, MSSA bacteraemia from a line", ()),
    ("71F, 5-mo ulcer over L medial malleolus, lipodermatosclerosis, GSV reflux", ("venous leg ulcers",)),
    ("ulcer on the heel, diabetic, no lipodermatosclerosis", ()),
    ("58F gritty burning eyes for 2 yrs, on preservative-free tears 6x/day", ("dry eye disease",)),
    ("tears after her father died, low mood", ()),
    ("61M R MCA stroke, whole territory on CT, NIHSS 19, decompressive hemicraniectomy day 1",
     ("large hemispheric infarction",)),
    ("decompressive craniectomy after a fall with an acute subdural", ()),
    ("target lesions on palms after HSV", ("erythema multiforme",)),
    ("24M, 2 bolus impactions. scope: rings + linear furrows, bx 40 eos/hpf", ("eosinophilic esophagitis",)),
    ("67M, 10 wks of rapidly worsening memory + confusion, now startle myoclonus", ("Creutzfeldt-Jakob disease",)),
    ("punch bx: full-thickness keratinocyte atypia, basement membrane intact", ("squamous cell carcinoma in situ",)),
    ("6yo honey-crusted sores around the nose", ("impetigo",)),
    ("expanding bull's-eye rash after a hike", ("Lyme disease",)),
    ("38F suprapubic pain that builds as her bladder fills, UAs neg", ("interstitial cystitis",)),
    ("positive Tinel and Phalen at the wrist, night numbness", ("carpal tunnel syndrome",)),
    # set U, session 15
    ("burning pain + numbness in both feet and fingertips since cycle 8 of FOLFOX", ("chemotherapy-induced peripheral neuropathy",)),
    ("on paclitaxel weekly, now tingling fingers", ("chemotherapy-induced peripheral neuropathy",)),
    ("T2DM, burning feet at night, no chemo ever", ()),
    ("G2P1 at 33+4, growth scan: EFW 6th centile, AC tailing off", ("small for gestational age",)),
    ("growth scan: EFW 45th centile, liquor normal", ()),
    ("5-wk-old, 3 days of forceful non-bilious vomiting straight after every feed", ("pyloric stenosis",)),
    ("10-day-old, bilious vomiting", ()),
    ("sensory level at T8, urinary retention, MRI: enhancing T-spine cord lesion over 2 segments", ("transverse myelitis",)),
    ("erect penis started bending upwards ~18 mo ago, palpable dorsal plaque", ("Peyronie's disease",)),
    ("18 mo of flushing attacks + watery diarrhoea, 24-h urine 5-HIAA 4x ULN", ("carcinoid syndrome",)),
    ("menopausal flushing, loose stools", ()),
    ("otoscopy: some wax in both canals but both TMs fully visible", ("cerumen impaction",)),
    ("daughter wants her ears syringed every visit", ("cerumen impaction",)),
    ("candle wax burn on the hand", ()),
    ("for yrs can't fall asleep before ~3am whatever he tries, sleeps well till 11am on weekends",
     ("Delayed sleep-wake phase disorder",)),
    ("can't fall asleep since her husband died", ()),
    ("81F, uncomplicated R phaco + IOL under topical this morning", ("cataract",)),
    ("38F teacher, voice husky and breathy since a cold 5 wks ago", ("Dysphonia",)),
    ("hoarseness for 2 months, smoker", ("Dysphonia",)),
    ("voice normal, no stridor", ()),
    # sets X and Y, session 16
    ("femur XR: focal lateral cortical beaking mid-shaft with a thin transverse lucency, not displaced",
     ("atypical femoral fracture",)),
    ("femur XR: healed mid-shaft fracture, plate in situ", ()),
    ("14F, 8 faints in 3 mo - standing in assembly, hot showers, once at a blood test. each time lightheaded, sweaty, "
     "tunnel vision", ("vasovagal syncope",)),
    ("68M collapsed on exertion, no warning, ECG: LBBB", ()),
    ("sudden ripping pain between the shoulder blades 90 min ago, BP 184/102 R arm vs 156/90 L",
     ("aortic dissection", "hypertension")),
    ("tearing chest pain radiating to the back", ("aortic dissection",)),
    ("back pain after lifting boxes, no red flags", ()),
    ("MPO-ANCA 150, renal bx: pauci-immune crescentic GN", ("ANCA-associated vasculitis",)),
    ("3 wks of haemoptysis, p-ANCA negative", ()),
    ("motorbike RTC, open-book pelvic # (ORIF), blood at the meatus", ("urethral injury",)),
    ("75M, day 10 after L CEA with patch closure for symptomatic 80% stenosis", ("carotid artery stenosis",)),
    ("stage III colon ca, NED on CT, CEA nl", ()),
    ("1 day of fevers + rigors, now newly muddled, HR 124, RR 24. VBG lactate 2.7", ("sepsis",)),
    ("lactate 1.1 after a seizure, afebrile", ()),
    # values inside the reference range imply nothing
    ("acute stroke, 80M, SpO2 95% on air, no COPD", ()),
    ("Na 139, K 4.2, Hb 13.5, plt 250", ()),
    ("72 y/o M, BP 128/76 on amlodipine", ()),
    # not a lab: a drug strength, a type of diabetes, a year
    ("T1DM since 2009 on insulin glargine 20 units", ()),
    ("oxycodone 30 mg/day (45 MME)", ()),
    ("", ()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_implied_conditions(text: str, expected: tuple[str, ...]) -> None:
    assert implied_conditions(text) == expected


def test_bounded_on_long_text() -> None:
    assert implied_conditions("Na 116 " * 100_000) == ("hyponatremia",)
