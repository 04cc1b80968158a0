"""What a bedside note's numbers mean: "Na 116" is hyponatraemia, "plt 35k" thrombocytopenia.

Clinicians write the finding, not its name: "ED: 59F Na 116, vomiting then seizure - how
much hypertonic saline?" asks about hyponatraemia without the word. Guidelines are
written and indexed under the name, so the name is what retrieval must look for.
``implied_conditions`` reads analyte-value pairs and returns the conditions they show,
with the usual adult reference limits (a value just outside them is still named: a
guideline on the condition is where its management is, whatever the severity). A value
whose unit cannot be told apart (glucose 7 could be mmol/L, 126 mg/dL) is read by its size.
Pure; never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Rule:
    names: str  # the analyte as bedside notes write it (a regex alternation)
    low: tuple[float, str] | None  # (below this value, condition)
    high: tuple[float, str] | None  # (at or above this value, condition)
    scale: Callable[[float, str], float] = lambda v, unit: v  # to the unit the limits are in


def _glucose(v: float, unit: str) -> float:
    return v * 18.0 if unit.startswith("mmol") or (not unit and v < 35) else v


def _haemoglobin(v: float, unit: str) -> float:
    return v / 10.0 if unit == "g/l" or (not unit and v > 30) else v


def _platelets(v: float, unit: str) -> float:
    return v / 1000.0 if v >= 1000 else v  # "35k" and "35" are 35 x10^9/L; "35000" too


def _neutrophils(v: float, unit: str) -> float:
    return v / 1000.0 if v >= 50 else v  # "ANC 300" is 0.3 x10^9/L


def _temperature(v: float, unit: str) -> float:
    return (v - 32) * 5 / 9 if unit == "f" or v > 50 else v


def _calcium(v: float, unit: str) -> float:
    return v / 4.0 if unit == "mg/dl" or v > 5 else v  # mg/dL -> mmol/L


_RULES = (
    _Rule(r"Na|sodium", (135, "hyponatremia"), (146, "hypernatremia")),
    _Rule(r"K|potassium", (3.5, "hypokalemia"), (5.5, "hyperkalemia")),
    _Rule(r"Mg|magnesium", (0.7, "hypomagnesemia"), None),
    _Rule(r"Ca|corrected Ca|calcium", (2.1, "hypocalcemia"), (2.65, "hypercalcemia"), _calcium),
    _Rule(r"Hb|Hgb|haemoglobin|hemoglobin", (11.0, "anemia"), None, _haemoglobin),
    _Rule(r"plts?|platelets?|PLT", (100.0, "thrombocytopenia"), None, _platelets),
    _Rule(r"ANC|neutrophils", (1.0, "neutropenia"), None, _neutrophils),
    _Rule(r"glucose|BGs?|BS|fingerstick|CBG|FBG|blood sugar", (70.0, "hypoglycemia"), (250.0, "hyperglycemia"),
          _glucose),
    _Rule(r"T|temp|Tmax|temperature", None, (38.0, "fever"), _temperature),
    _Rule(r"TSH", None, (4.5, "hypothyroidism")),
    _Rule(r"SpO2|sats?|O2 sat", (90.0, "hypoxemia"), None),
    # questionnaire scores at the usual cut-offs: "PHQ-9 today 17" shows depression (what the
    # search looks for too; as the subject it was measured to leave a drug-heavy vignette uncovered)
    _Rule(r"PHQ-?9", None, (10.0, "depression")),
    _Rule(r"GAD-?7", None, (10.0, "generalized anxiety disorder")),
)
_NUMBER = r"(\d+(?:[.,]\d+)?)\s*(k\b|mmol/l|mg/dl|g/dl|g/l|°\s*[cf]|[cf]\b|%)?"
_PATTERNS = tuple(
    (rule, re.compile(rf"(?<![\w-])(?:{rule.names})\s?(?:of\s+|=\s*|:\s*|was\s+|is\s+|now\s+|at\s+|today\s+|~\s*)?{_NUMBER}"
                # ("OTC calcium 500 mg" is a dose, not a level)
                r"(?!\d|[.,]\d|\s*(?:mg|mcg|µg|iu|units?|tabs?)\b)",
                      re.I if rule.names not in ("Na|sodium", "K|potassium", "T|temp|Tmax|temperature")
                      else 0))
    for rule in _RULES
)
# Blood pressure: "BP 150/100", "150/95"; hypertension from 140/90.
_BP = re.compile(r"(?<![\w/.])(?:BP\s*:?\s*)?(\d{2,3})\s*/\s*(\d{2,3})(?![\w/.])")


# Examination and test findings that name their condition (bedside notes give the finding:
# "dull retracted TMs with air-fluid levels, type B tymps" is otitis media with effusion).
_SIGNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), name) for p, name in (
    (r"\b(?:TMs?|tympanic membranes?|ear ?drums?) with (?:an? )?air[- ]fluid levels?|\bair[- ]fluid levels? "
     r"(?:behind|in) (?:the |both )?(?:TMs?|tympanic membranes?|ear ?drums?|middle ears?)|\b(?:type B|flat) tymp\w*",
     "otitis media with effusion"),
    (r"\bbulging (?:TMs?|tympanic membranes?|ear ?drums?)\b", "acute otitis media"),
    (r"\bhypsarrhythmia\b", "infantile spasms"),
    # twins by their chorionicity, or twins in a pregnancy: "G2P1 33yo, MCMA twins …, now 27+5"
    (r"\b(?:MCMA|MCDA|DCDA|DCTA|TCTA|mono-?amniotic|mono-?chorionic|di-?chorionic)\b|\b(?:G\d{1,2}\s?P\d{1,2}\b|"
     r"pregnan\w*|\d{1,2}\+\d\b|\d{1,2}/40)[^.?]{0,60}\btwins\b|\btwins\b[^.?]{0,60}(?:\b\d{1,2}\+\d\b|\d{1,2}/40|"
     r"\bgestation\b|\bpregnan\w*)", "twins"),
    # a paraprotein with clonal plasma cells in the marrow: a plasma cell myeloma, whatever its stage
    (r"\b(?:paraprotein\w*|M[- ]?(?:protein|spike|band)|monoclonal (?:protein|band|gammopathy))\b[^?]{0,120}\bclonal "
     r"plasma cells?\b|\bclonal plasma cells?\b[^?]{0,120}\b(?:paraprotein\w*|M[- ]?(?:protein|spike|band))\b", "myeloma"),
    # … and one left untreated ("MDT says no tx for now"): smouldering
    (r"\b(?:paraprotein\w*|M[- ]?(?:protein|spike|band)|clonal plasma cells?)\b[^?]{0,200}\b(?:no (?:tx|treatment|"
     r"therapy|rx)|watch(?:ful)?(?: and |-)wait\w*|observ\w+ only)\b", "smouldering myeloma"),
    # a slow sinus rate with pauses, sinus arrest or tachy-brady: the sinus node is sick
    (r"\bsinus (?:rate|brady\w*|rhythm)\b[^?]{0,80}\bpauses?\b|\bsinus (?:arrest|pauses?)\b|\btachy-?brady\w*\b|"
     r"\bsino-?atrial (?:block|exit block|arrest)\b", "sick sinus syndrome"),
    # crying or laughing out of keeping with the mood: "sudden sobbing fits (once laughing) … she says
    # she doesn't actually feel sad"
    (r"\b(?:sudden|uncontrollable|involuntary|episodic|unprovoked)\b[^?]{0,40}\b(?:crying|sobbing|laughing|laughter|"
     r"weeping)\b[^?]{0,160}\b(?:doesn'?t|does not|not|no)\b[^?.;]{0,12}\bfeel\w* (?:sad|happy|low|down)|"
     r"\bpathological (?:laughing|crying|laughter)\b|\binvoluntary (?:crying|laughing|emotional)\b", "pseudobulbar affect"),
    # a baby's flat occiput, a parallelogram head, a cranial vault asymmetry index
    (r"\b(?:occiput|occipital|back of (?:the |his |her )?head)\b[^?.]{0,30}\bflat\w*|\bflat\w*\b[^?.]{0,20}\b(?:occiput|"
     r"occipital)|\bparallelogram\b|\bCVAI\b|\bcranial vault asymmetry\b", "positional plagiocephaly"),
    # blood cultures from a line and a vein both positive: the line is infected
    (r"\b(?:BCx|blood cultures?|cultures?)\b[^?.]{0,40}\b(?:port|line|catheter|PICC|Hickman|CVC|CVAD)\b[^?.]{0,40}"
     r"(?:\+ve|\bpositive\b|\bgrew\b|\bgrowing\b)|\b(?:port|line|catheter|PICC|Hickman|CVC|CVAD)\b[^?.]{0,20}"
     r"(?:BCx|blood cultures?)\b[^?.]{0,40}(?:\+ve|\bpositive\b|\bgrew\b)", "catheter-related bloodstream infection"),
    # a dying patient: "metastatic pancreatic ca, prob last days, drowsy, not managing sips"
    (r"\b(?:prob(?:ably)?|likely|possibly|in (?:her|his|their|the)|approaching (?:the |her |his )?|entering (?:the |her |his )?)"
     r"\s*(?:last|final) (?:few )?(?:days|hours)(?: of life)?\b|\b(?:actively|imminently) dying\b|\bend[- ]of[- ]life care\b",
     "last days of life"),
    # care aimed at comfort, not cure: "family + team have agreed comfort-focused care at home"
    (r"\bcomfort[- ](?:focused|only|directed)\b|\bcomfort (?:care|measures)\b|\bDNACPR\b[^?]{0,60}\bcomfort\b",
     "end of life care"),
    # an ulcer where venous disease puts it, or with the skin venous disease makes
    (r"\bulcer\w*\b[^.;?]{0,30}\b(?:medial malleol\w*|gaiter area)|(?<!no )(?<!without )\blipodermatosclerosis\b"
     r"[^.;?]{0,80}\bulcer|\bulcer\w*\b[^.;?]{0,80}(?<!no )(?<!without )\blipodermatosclerosis\b", "venous leg ulcers"),
    # gritty, sandy eyes; eyes kept going on tear substitutes
    (r"\b(?:gritty|sandy|foreign[- ]body sensation)\b[^.;?]{0,30}\beyes?\b|"
     r"\b(?:artificial tears|tear substitutes?|(?:preservative[- ]free|PF) (?:tears|drops)|lubricating (?:eye )?drops)\b",
     "dry eye disease"),
    # a stroke of the whole middle cerebral artery territory, or one needing a hemicraniectomy
    (r"\b(?:MCA|middle cerebral)\b[^.;?]{0,60}\b(?:hemicraniectomy|(?:whole|entire|complete) territory|malignant)\b|"
     r"\bmalignant MCA\b|\bhemicraniectomy\b[^.;?]{0,60}\b(?:MCA|stroke|infarct\w*)\b", "large hemispheric infarction"),
    (r"\btarget (?:lesions?|rash)\b", "erythema multiforme"),
    # a fetus with fluid in two places: ascites, skin oedema, pleural or pericardial effusions
    (r"\bfetal (?:ascites|hydrops|skin o?edema|pleural effusions?)\b|\bhydrops fetalis\b", "fetal hydrops"),
    # a fetal middle cerebral artery peak systolic velocity of 1.5 multiples of the median or more
    (r"\b(?:MCA[- ]?PSV|MCA (?:peak systolic velocity|Doppler)|middle cerebral artery (?:PSV|peak systolic velocity))\b"
     r"[^.;?]{0,20}?(?<![\d.])(?:1\.[5-9]\d*|[2-9](?:\.\d+)?)\s*MoM\b", "fetal anemia"),
    # a stone seen in the urinary tract: "CT KUB: single 24mm calc in L renal pelvis"
    (r"\b(?:calc(?:ulus|uli)?|stones?)\b[^.;?]{0,30}\b(?:renal pelvis|kidneys?|calyx|calyces|calyceal|ureter\w*|PUJ|"
     r"VUJ|pelvi-?ureteric junction)\b", "kidney stones"),
    # periods that come as floods: "periods every 6-12 wks for yrs, then floods for 10-14 days"
    (r"\b(?:periods?|menses|menstrua\w*|bleed\w*)\b[^?]{0,60}\bflood(?:s|ing)?\b|\bflood(?:s|ing)?\b[^?.]{0,30}\b"
     r"(?:periods?|pads?|tampons?|clots)\b", "abnormal uterine bleeding"),
    # a withdrawal scale scored, or a detox asked for by a drinker: alcohol withdrawal
    (r"\bCIWA(?:-Ar)?\b|\b(?:bottles?|pints?|cans?|units?)\b[^.;?]{0,20}\b(?:wine|beer|vodka|spirits|cider|"
     r"whisk(?:e)?y|alcohol|etoh)\b[^?]{0,120}\b(?:detox\w*|withdrawal|w/d)\b", "alcohol withdrawal"),
    # a baby bringing feeds back: reflux ("brings up milk after nearly every feed")
    (r"\b(?:brings?|bringing|brought) (?:up|back)\b[^.?;]{0,20}\b(?:milk|feeds?|formula)\b|\bposset\w*|"
     r"\b(?:regurgitat\w*|spit(?:s|ting)? up)\b[^.?;]{0,20}\b(?:after|with|during) (?:\w+ ){0,2}feeds?\b",
     "gastro-oesophageal reflux"),
    # a sports physical that asks about an ECG or an echo screens for sudden cardiac death
    (r"\b(?:sports? (?:physical|medical|screen\w*)|pre-?participation (?:physical|exam\w*|screen\w*|evaluation))\b"
     r"(?=[\s\S]*\b(?:ECGs?|EKGs?|echo\w*)\b)", "sudden cardiac death"),
    (r"\b(?:calf|leg|foot|thigh|nocturnal|night(?:time)?) cramps?\b", "muscle cramps"),
    # after a crash or a fall, an intimal flap or a haematoma around the aorta is an aortic injury
    (r"^(?=[\s\S]*\b(?:trauma|resus|motorbike|motorcycle|MVC|RTC|RTA|MVA|crash|collision|fall from|fell from|"
     r"deceleration|vs car)\b)[\s\S]*\b(?:intimal flap|peri-?aortic ha?ematoma|aortic (?:pseudoaneurysm|transection|"
     r"injury|rupture))\b", "aortic injury"),
    # an aorta scanned for screening: an abdominal aortic aneurysm is what it looks for
    (r"\b(?:aorta|aortic)\b[^.?;]{0,20}\b(?:scan(?:ned)?|screen(?:ed|ing)?|ultrasound)\b|\bAAA (?:scan|screen\w*)\b",
     "abdominal aortic aneurysm screening"),
    # oesophageal eosinophils counted per high-power field, rings and furrows, a bolus impaction
    (r"\b\d+\s*eos(?:inophils)?\s*/\s*hpf\b|\b(?:rings|trachealization)\b[^.;?]{0,30}\bfurrows\b",
     "eosinophilic esophagitis"),
    # rapidly progressive dementia with myoclonus
    (r"\brapid(?:ly)? (?:progressive|worsening|declining) (?:dementia|memory|cognit\w*)\b[^.;?]{0,80}\bmyoclon\w*|"
     r"\bmyoclon\w*\b[^.;?]{0,80}\brapid(?:ly)? progressive dementia\b", "Creutzfeldt-Jakob disease"),
    # full-thickness epidermal atypia with the basement membrane intact
    (r"\bfull[- ]thickness (?:keratinocyte |epidermal )?(?:atypia|dysplasia)\b", "squamous cell carcinoma in situ"),
    (r"\bhoney[- ](?:colou?red|crusted|crusts?)\b", "impetigo"),
    (r"\bbull'?s[- ]eye rash\b|\berythema migrans\b", "Lyme disease"),
    (r"\bKoplik\b", "measles"),
    (r"\b(?:malar|butterfly) rash\b", "systemic lupus erythematosus"),
    (r"\bpill[- ]rolling tremor\b", "Parkinson disease"),
    (r"\bslapped[- ]cheek\b", "fifth disease"),
    (r"\bjaw claudication\b", "giant cell arteritis"),
    (r"\bpodagra\b|\bnegatively birefringent\b", "gout"),
    (r"\belectric[- ]shock[- ]like\b[^.;?]{0,30}\b(?:face|facial|cheek|jaw)\b", "trigeminal neuralgia"),
    (r"\b(?:positive|\+ve?) (?:Tinel|Phalen)\w*|\b(?:Tinel|Phalen)\w*'?s? (?:sign |test )?(?:positive|\+)",
     "carpal tunnel syndrome"),
    (r"\bpain\b[^.;?]{0,40}\b(?:as|when|while) (?:her |his |the )?bladder (?:fills|is filling|is full)\b",
     "interstitial cystitis"),
    (r"\b(?:positive Dix[- ]Hallpike|Dix[- ]Hallpike (?:positive|\+))", "benign paroxysmal positional vertigo"),
    (r"\bherald patch\b", "pityriasis rosea"),
    (r"\bcurrant[- ]jelly stools?\b", "intussusception"),
    (r"\b(?:barking|barky|seal[- ]like) cough\b", "croup"),
    (r"\binspiratory whoop\b|\bwhooping cough\b", "pertussis"),
    # numb, tingling or burning hands and feet since a neurotoxic chemotherapy
    (r"\b(?:numb\w*|tingl\w*|burning|pins and needles|neuropath\w*|par(?:a)?esthesi\w*)\b[^.;?]{0,80}\b(?:since|after|from|"
     r"during|with) (?:cycle|chemo\w*|oxaliplatin|FOLFOX|CAPOX|XELOX|paclitaxel|docetaxel|taxanes?|vincristine|bortezomib|"
     r"cisplatin)|\b(?:FOLFOX|CAPOX|XELOX|oxaliplatin|paclitaxel|docetaxel|taxanes?|vincristine|bortezomib|cisplatin)\b"
     r"[^?]{0,160}\b(?:numb\w*|tingl\w*|burning (?:pain|feet|hands|fingers)|par(?:a)?esthesi\w*)",
     "chemotherapy-induced peripheral neuropathy"),
    # an estimated fetal weight or abdominal circumference below the 10th centile
    (r"\b(?:EFW|estimated fetal weight|AC|abdominal circumference)\b[^.;?]{0,12}?\b(?:<\s?10|[1-9])(?:st|nd|rd|th)? "
     r"(?:centile|percentile)", "small for gestational age"),
    # forceful non-bilious vomiting in a young infant, a palpable olive
    (r"\b(?:projectile|forceful)\b[^.;?]{0,40}\bnon-?bilious\b|\bnon-?bilious\b[^.;?]{0,20}\bprojectile\b|"
     r"\bpalpable (?:pyloric )?olive\b|\bolive[- ]shaped mass\b", "pyloric stenosis"),
    # a sensory level with an inflamed cord
    (r"\bsensory level\b[^?]{0,160}\b(?:enhancing|inflammatory|T2)\b[^.;?]{0,40}\bcord\b|"
     r"\b(?:enhancing|inflammatory)\b[^.;?]{0,30}\bcord lesion\b[^?]{0,160}\bsensory level\b", "transverse myelitis"),
    # a penis that bends or curves, with a plaque
    (r"\b(?:penile|penis)\b[^.;?]{0,40}\b(?:curv\w*|bend\w*|bent)\b|\b(?:curv\w*|bend\w*|bent)\b[^.;?]{0,40}\bpenis\b|"
     r"\bpenile plaque\b", "Peyronie's disease"),
    # flushing and diarrhoea with a raised urinary 5-HIAA
    (r"\bflush\w*\b[^?]{0,80}\bdiarrh\w*[^?]{0,200}\b5-?HIAA\b", "carcinoid syndrome"),
    # asleep only in the small hours and sleeping normally when left to wake late
    (r"\b(?:can'?t|cannot|unable to|doesn'?t|does not) (?:fall |get to )?(?:asleep|sleep) (?:before|until|till) "
     r"~?\s?(?:[1-6](?:\s?[ap]\.?m\.?)?|midnight)(?!\w)|\b(?:consistently|always) late\b[^.;?]{0,40}\bsleep\b",
     "Delayed sleep-wake phase disorder"),
    # the operation for it: "R phaco + IOL this morning"
    (r"\bphaco(?:emulsification)?\b", "cataract"),
    # a hoarse, husky or breathy voice
    (r"\bhoarse(?:ness)?\b|\bvoice\b[^.;?]{0,20}\b(?:husky|hoarse|breathy|raspy|croaky|weak)\b|"
     r"\b(?:husky|hoarse|breathy|raspy|croaky) voice\b", "Dysphonia"),
    # wax in the ear canals, ears syringed
    (r"\b(?:ear ?wax|cerumen)\b|\bwax\b[^.;?]{0,20}\b(?:ears?|canals?|EACs?)\b|\bears?\b[^.;?]{0,20}\bsyring\w*",
     "cerumen impaction"),
    # the femur's lateral cortex beaking or with a transverse lucency (on a bisphosphonate)
    (r"\b(?:cortical|lateral) (?:cortical )?(?:beak\w*|thickening)\b[^?]{0,80}\b(?:femur|femoral|shaft|subtrochanteric)\b|"
     r"\b(?:femur|femoral)\b[^?]{0,80}\b(?:cortical|lateral) (?:cortical )?(?:beak\w*|thickening)\b|"
     r"\bbeak(?:ing)?\b[^.;?]{0,60}\btransverse lucency\b", "atypical femoral fracture"),
    # faints with their prodrome, on standing or in the heat: a young person's vasovagal syncope
    (r"\b(?:faint\w*|syncop\w*|passed out|passing out|LOC)\b[^?]{0,120}\b(?:lightheaded\w*|light-headed\w*|sweaty|"
     r"sweating|clammy|tunnel vision|vision (?:going|went) (?:grey|gray|black)|nause\w*)\b[^?]{0,80}\b(?:standing|hot "
     r"showers?|blood (?:test|draw)|sight of blood|venepuncture|needles?|assembly)\b|"
     r"\b(?:standing|hot showers?|blood (?:test|draw)|sight of blood|assembly)\b[^?]{0,120}\b(?:lightheaded\w*|light-headed\w*|"
     r"sweaty|clammy|tunnel vision)\b", "vasovagal syncope"),
    # tearing pain through to the back, or a pressure difference between the arms
    (r"\b(?:ripping|tearing)\b[^.;?]{0,40}\b(?:pain|chest|back|shoulder blades?|interscapular)\b|"
     r"\bpain\b[^.;?]{0,30}\b(?:ripping|tearing)\b|"
     r"\b(?:sudden|abrupt)\b[^.;?]{0,30}\bpain\b[^.;?]{0,30}\b(?:between the shoulder blades|interscapular)\b",
     "aortic dissection"),
    # a raised MPO or PR3 antibody with a pauci-immune (crescentic) glomerulonephritis or lung bleeding
    (r"\b(?:MPO|PR3|[cp])-?ANCA\b(?! (?:neg\w*|-ve|normal))[^?]{0,120}\b(?:pauci-?immune|crescentic|GN|"
     r"glomerulonephritis|ha?emoptysis|pulmonary ha?emorrhage)\b|"
     r"\b(?:pauci-?immune|crescentic|GN|glomerulonephritis|ha?emoptysis)\b[^?]{0,120}\b(?:MPO|PR3|[cp])-?ANCA\b"
     r"(?! (?:neg\w*|-ve|normal))", "ANCA-associated vasculitis"),
    # blood at the urethral meatus after pelvic or perineal trauma
    (r"\bblood at the (?:urethral )?meatus\b|\bmeatal blood\b", "urethral injury"),
    # the operation for it: "day 10 after L CEA with patch closure for symptomatic 80% stenosis"
    (r"\bcarotid endarterectomy\b|\bCEA\b(?=[^.;?]{0,40}\b(?:patch|shunt|stenosis|carotid|endarterectomy)\b)",
     "carotid artery stenosis"),
    # fever or rigors with a raised lactate: suspected sepsis
    (r"\b(?:fevers?|rigou?rs|febrile|pyrexi\w*)\b[^?]{0,240}\blactate\b|\blactate\b[^?]{0,240}\b(?:fevers?|rigou?rs|"
     r"febrile|pyrexi\w*)\b", "sepsis"),
    # Barrett's oesophagus by its endoscopy: a Prague C/M length, salmon-coloured mucosa, intestinal
    # metaplasia in an oesophageal biopsy
    (r"\bC\d{1,2}\s?M\d{1,2}\b|\bsalmon[- ]colou?red (?:mucosa|epithelium|tongues?)\b|"
     r"\bintestinal metaplasia\b[^?]{0,80}\b(?:oesophag\w*|esophag\w*|OGD|EGD|GOJ|GEJ)\b|"
     r"\b(?:oesophag\w*|esophag\w*|OGD|EGD)\b[^?]{0,80}\bintestinal metaplasia\b", "Barrett's esophagus"),
    # whether the patient is frail, asked ("before I can call her frail?", "frailty criteria"), not a
    # description of someone frail
    (r"\b(?:call|label|class(?:ify|ed)|diagnos\w*|count(?:s|ed)? as|consider(?:ed)?|deem(?:ed)?) (?:her|him|them|the patient|"
     r"pt|this|that|someone|a patient )?\s*(?:as )?frail\b|\bfrail(?:ty)? (?:criteria|phenotype|assessment|screen\w*|index|"
     r"scale|score|syndrome)\b", "frailty"),
    # jaundice in a patient's words: "worried about 'going yellow'", "her eyes look yellow"
    (r"\b(?:go(?:ing)?|turn(?:ing|ed|s)?|gone|went|look(?:s|ing)?) (?:a bit |slightly )?yellow\b|\byellow (?:skin|eyes|"
     r"sclerae?|tinge)\b|\b(?:eyes|skin|sclerae?) (?:look(?:s|ing)? |are |is |went |turned )?yellow\b", "jaundice"),
    # chest pain as the ED tells it: "45 min of central chest tightness at rest"
    (r"\b(?:central|retrosternal|crushing|substernal)\b[^.;?]{0,20}\bchest (?:pain|tightness|pressure|heaviness|"
     r"discomfort)\b|\bchest (?:pain|tightness|pressure|heaviness)\b[^.;?]{0,30}\b(?:at rest|on exertion)\b",
     "acute chest pain"),
    # a joint's pain that comes with use, and brief morning stiffness: "R knee ache - worse on stairs
    # and after walking the dog, stiff ~10 min when she gets up"
    (r"\b(?:knee|hip|hand|thumb)s? (?:pain|ache|aching|sore)\b[^?]{0,80}\b(?:worse (?:on|with|after|going)|"
     r"(?:on|with|after) (?:stairs|walking|activity|use))\b[^?]{0,80}\bstiff\w*", "osteoarthritis"),
    # an infant's hips examined or scanned: "Ortolani + Barlow neg", "Graf alpha 55°", "baby hip clinic"
    (r"\b(?:Ortolani|Barlow|Graf (?:alpha|type|angle|class)|baby hip (?:clinic|check|scan)|hip (?:dysplasia|"
     r"instability|click\w*) in (?:a |an |the )?(?:baby|newborn|infant|neonate))\b", "developmental dysplasia of the hip"),
    # a vaginal wall or the cervix coming down: "anterior vaginal wall comes down to the hymen on straining"
    (r"\b(?:anterior|posterior|vaginal|apical)\b[^.;?]{0,20}\bwalls? (?:comes? down|descen\w+|bulg\w+|prolaps\w+)|"
     r"\b(?:lump|bulge) (?:at|in|coming (?:out of|down)) (?:the )?(?:vaginal )?(?:entrance|introitus|vagina)\b|"
     r"\bcervix (?:comes? down|descends|visible at the introitus)\b", "pelvic organ prolapse"),
    # a leg that has lost its circulation: no Doppler signal, fixed mottling, a paralysed foot
    (r"\bno (?:arterial )?(?:or venous )?Doppler signals?\b|\b(?:fixed (?:mottling|staining)|non-?blanching "
     r"mottl\w+)\b|\b(?:leg|foot|limb|calf)\b[^?]{0,60}\b(?:cold|pale|pulseless)\b[^?]{0,60}\b(?:numb|paralys\w+|"
     r"can'?t move)\b", "acute lower-extremity ischemia"),
    # bowel that is stuck: vomiting or no flatus with dilated small-bowel loops and air-fluid levels
    (r"\bdilated small[- ]bowel(?: loops)?\b[^?]{0,80}\bair[- ]fluid levels?\b|"
     r"\b(?:bilious vomiting|vomiting|no flatus|not passing (?:wind|flatus))\b[^?]{0,240}\bdilated small[- ]bowel\b",
     "small bowel obstruction"),
    # the placenta still in after the birth: "placenta still in at 50 min despite CCT"
    (r"\bplacenta (?:is )?(?:still (?:in|in situ|undelivered|not (?:delivered|out))|not (?:yet )?(?:delivered|out)|"
     r"retained|stuck)\b|\bretained placent\w*\b", "retained placenta"),
    # a limb's pain out of proportion after an injury, with allodynia and vasomotor, sudomotor or
    # trophic changes ("allodynia to bedsheets, puffy, shiny, 1.5°C warmer, sweaty"), or the
    # Budapest criteria said
    (r"\bBudapest (?:criteria|categories|categor\w*)\b|\ballodyni\w*\b[^?]{0,160}\b(?:puffy|swollen|swelling|oedema|"
     r"edema|shiny|sweaty|sweating|mottl\w*|warmer|colder|temperature|colou?r change\w*)\b",
     "complex regional pain syndrome"),
    # an organism in a joint replacement ("MSSA in her L TKA"): a prosthetic joint infection
    (r"\b(?:MSSA|MRSA|S\. ?aureus|staph\w*|strep\w*|enterococc\w*|CoNS|E\. ?coli|pseudomonas|cutibacterium)\b[^.;?]{0,40}"
     r"\b(?:TKA|THA|TKR|THR|(?:knee|hip|shoulder) (?:replacement|arthroplasty)|arthroplasty|prosthetic (?:joint|knee|hip))\b",
     "prosthetic joint infection"),
    # a murmur as the examiner hears it ("new harsh ejection systolic murmur at R 2nd ICS", "ESM"): a
    # heart murmur, which guidelines name so
    (r"\b(?:(?:ejection|pan|early|late|mid)[- ]?systolic|(?:early |mid |late )?diastolic|flow|harsh|new|loud|soft)"
     r"(?: \w+)? murmur\b|\bESM\b", "heart murmur"),
    # black stools or vomited blood: bleeding from the upper gut ("in with melaena, Hb 86")
    # ("transfusion-dependent IDA, no melaena": a bleed ruled out)
    (r"(?<!\bno )(?<!\bnot )(?<!\bany )(?<!without )(?<!denies )(?<!\bor )"
     r"\b(?:mela?ena|ha?ematemesis|coffee[- ]grounds? (?:vomit\w*|emesis))\b", "upper gastrointestinal bleeding"),
    # a lump under a man's nipples: gynaecomastia ("61M … tender rubbery discs right under both nipples")
    (r"\b(?:\d{1,3} ?M|man|male|boy)\b[^?]{0,240}?\b(?:lumps?|discs?|mass(?:es)?|swellings?|nodules?|tissue|enlargement)\b"
     r"[^.?]{0,30}\b(?:under|behind|beneath|below) (?:both |the |his |each |either )?nipples?\b", "gynecomastia"),
    # bacteria grown in the urine of someone who feels well ("MSU grew E. coli >10^5 … but she feels well")
    (r"\b(?:MSU|urine culture|urine|CSU|MSSU)\b[^.?]{0,20}\b(?:grew|growing|grows|positive)\b[^?]{0,120}?"
     r"\b(?:feels? well|asymptomatic|no (?:urinary )?symptoms)\b", "asymptomatic bacteriuria"),
))


def _value(m: re.Match[str]) -> tuple[float, str]:
    raw, unit = m.group(1).replace(",", "."), (m.group(2) or "").lower().replace(" ", "").replace("°", "")
    value = float(raw)
    if unit == "k":
        value *= 1000
        unit = ""
    return value, unit


def named_by_signs(text: str) -> tuple[str, ...]:
    """The conditions the question's telling findings name, in the order written ("ulcer over
    the medial malleolus, lipodermatosclerosis" -> "venous leg ulcers"): a sign names its
    condition as surely as its name would (a lab value only shows a state the patient is in)."""
    return tuple(dict.fromkeys(name for _, name in sorted(_signs((text or "")[:4000]))))


def _signs(text: str) -> list[tuple[int, str]]:
    """(position, condition) of each telling finding in ``text``."""
    return [(m.start(), name) for pattern, name in _SIGNS for m in pattern.finditer(text)]


def implied_conditions(text: str) -> tuple[str, ...]:
    """Conditions the question's lab values, vital signs and telling findings show, in the order
    written ("Na 116" -> "hyponatremia"; "BP 150/100" -> "hypertension"; "hypsarrhythmia" ->
    "infantile spasms")."""
    found: list[tuple[int, str]] = []
    text = (text or "")[:4000]
    for rule, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            try:
                value, unit = _value(m)
            except ValueError:
                continue
            value = rule.scale(value, unit)
            if rule.low and value < rule.low[0]:
                found.append((m.start(), rule.low[1]))
            elif rule.high and value >= rule.high[0]:
                found.append((m.start(), rule.high[1]))
    found += _signs(text)
    for m in _BP.finditer(text):
        systolic, diastolic = int(m.group(1)), int(m.group(2))
        if 60 <= diastolic < systolic <= 300 and (systolic >= 140 or diastolic >= 90):
            found.append((m.start(), "hypertension"))
    return tuple(dict.fromkeys(name for _, name in sorted(found)))


# What a measurement is kept in range for: "what A1c should I be aiming for?" asks about the
# diabetes, "what LDL goal?" about the lipids (stems of the measurement -> stems of the
# conditions guidelines file its targets under).
_MEASURED: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"a1c", "hba1c", "glucos", "bg", "bgs", "bsl", "cbg", "fingerstick", "sugar", "sugars"}),
     frozenset({"diabet", "hyperglycemia", "hyperglycaemia", "glycem", "glycaem"})),
    (frozenset({"bp", "sbp", "dbp"}), frozenset({"hypertens"})),
    (frozenset({"ldl", "cholesterol", "lipid", "lipids", "triglycerid"}),
     frozenset({"cholesterol", "hyperlipidemia", "hyperlipidaemia", "dyslipidemia", "dyslipidaemia", "lipid"})),
    (frozenset({"tsh"}), frozenset({"thyroid", "hypothyroid", "hypothyroidism", "hyperthyroid", "hyperthyroidism"})),
    (frozenset({"urat", "uric"}), frozenset({"gout", "hyperuricemia", "hyperuricaemia"})),
)


# The plain name of each condition above, as a search for it would write it.
_MEASURED_NAMES = ("diabetes", "hypertension", "hyperlipidemia", "thyroid disease", "gout")


def measured_condition_names(stems: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Names of the conditions the measurements among ``stems`` are kept in range for ("how often
    should I be rechecking BP?": hypertension)."""
    return tuple(name for (measures, _), name in zip(_MEASURED, _MEASURED_NAMES, strict=True) if measures & stems)


def measured_conditions(stems: set[str] | frozenset[str]) -> frozenset[str]:
    """Stems of the conditions the measurements among ``stems`` are kept in range for."""
    return frozenset().union(*(conditions for measures, conditions in _MEASURED if measures & stems))
