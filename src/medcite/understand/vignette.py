"""The parts of a bedside question that describe the patient rather than what is asked.

"68F day 6 of cipro for UTI, now 5-6 watery BMs/day, C diff PCR positive, WBC 11 …
mild-mod CDI - what do I start and for how long": the age and sex, the day count, the
lab values and the chatter ("now", "pt", "planning") say who the patient is and how
they got here; what the question is about is in the clinical terms, and what it asks is
in its last clause. ``detail_spans`` finds the patient-detail spans so that retrieval and
the relevance of sentences are not diluted by them; ``ask_clause`` finds the clause that
asks. Pure, linear, and never raises.
"""

from __future__ import annotations

import re

_H = r"[\s\-‐‑–]*"
# Labs and vital signs that bedside notes give with a value.
_LABS = "|".join(sorted("""WBC ANC ALC Hb Hgb Hct plt plts platelets T temp Tmax BP SBP DBP MAP HR RR SpO2 sats O2 sat
    FiO2 EF LVEF eGFR GFR CrCl Cr creat creatinine K Na Cl Ca Mg phos glucose BG BGs BS fingerstick HbA1c A1c A1C INR PT
    aPTT PTT TSH fT4 T4 LDL LDL-C HDL TG CK CPK ALT AST ALP GGT bili bilirubin albumin lactate pH pCO2 PaCO2 PaO2 HCO3
    bicarb troponin trop BNP NT-proBNP CRP ESR PCT ferritin TSAT B12 urate QTc QTC QRS CVP GCS BMI FEV1 FVC PEF MUAC
    lipase amylase D-dimer IGF-1 AFP CD4 VL osm sodium potassium Hb% weight wt height ht age""".split(),
    key=len, reverse=True))
_LAB_NAMES = rf"{_LABS}|TFTs?|LFTs?|U&Es?|FBC|CBC|bloods"
# A hospital service as bedside notes shorten it, where a patient is seen and who advises
_SERVICES = r"haem|heme|renal|neuro|derm|derm surg|plastics|ortho|cardiology|cards|onc|gyn-?onc|gyn|EP|electrophysiology|radiology|ICU|ITU|ID"
_DETAIL_PATTERNS = (
    # ages and sexes: "68F", "72 M", "6yo", "6-wk-old", "4-month-old", "pt in her 50s", "70 y/o M"
    r"\b\d{1,3}\s?(?:[MF]|yo|y/o|y\.o\.|yr?s?(?:\s+old)?|years?\s+old)\b",
    rf"\b\d{{1,3}}(?:\.\d)?{_H}(?:day|d|week|wk|month|mo|year|yr)s?{_H}old\b",
    r"\b(?:pt|patient|man|woman|male|female|F|M)\s+in\s+(?:his|her|their)\s+(?:early\s+|late\s+|mid\s*-?\s*)?\d0s\b",
    r"\bin\s+(?:his|her|their)\s+\d0s\b",
    # obstetric history and gestation: "G2P1", "G1 at 27+3 wks", "at 26 wks"
    r"\bG\d{1,2}(?:\s?P\d{1,2}(?:[-+]\d{1,2}){0,3})?\b",
    r"\b(?:at\s+)?\d{1,2}(?:\+\d)?\s*(?:wks?|weeks?)(?:'?\s*(?:gestation|GA))?\b",
    # weights and heights, and sizes: "2.6 mm", "mitoses 3/mm2"
    r"\b\d{1,3}(?:\.\d+)?\s*(?:kg|kgs|lbs?|g|cm|mm|m)\b",
    r"\b\d{1,3}(?:\.\d+)?\s*/\s*mm[2²]\b",
    # a tumour's TNM stage ("pT3a N0 M0", "T2N1M0"): the patient's staging, not a concept to match
    r"\b[pcyr]?T(?:[0-4]|is|x)[a-d]?\s*N[0-3x][a-c]?(?:\s*M[01x][a-c]?)?\b|\bN[0-3x][a-c]?\s*M[01x]\b",
    # lab and vital values: "WBC 11", "ANC 0.3", "T 38.6", "BP 150/100", "EF 25%", "eGFR 28", "Na 116",
    # "plt 35k", "QTc 510 ms", "HR 88", "pH 7.05", "NT-proBNP 250", "Hb 8.4" (a drug and its dose,
    # "sertraline 100 mg", is not a detail: the drug is what the question may be about);
    # "SpO2 89% RA" (on room air: RA is no rheumatoid arthritis)
    # ("T4" and "T3" are hormones, not a temperature of 4)
    rf"\b(?!T[34]\b)(?:{_LABS})\s?(?:of\s+|=\s*|:\s*|was\s+|is\s+|now\s+|at\s+|<\s*|>\s*|~\s*)?"
    r"\d+(?:[.,]\d+)?(?:/\d+)?\s*(?:%|k|x\s*ULN|mm(?:ol/L|Hg)?|mg/dL|g/dL|g/L|ms|bpm|mL/min(?:/1\.73\s?m2)?|"
    r"iu/kg/d|min|h|hr|hrs|s|sec|mm|°C|C|F)?(?:\s*(?:on\s+)?(?:RA|room air)\b)?(?=[\s,.;)?]|$)",
    # labs reported without their values: "bloods, TFTs and CK nl", "K, Mg, Ca, TSH, CK, glucose nl",
    # "LFTs wnl" (results, not substances)
    rf"\b(?:(?:{_LAB_NAMES})(?:\s*,\s*|\s+and\s+|\s*\+\s*)){{0,8}}(?:{_LAB_NAMES})\s+(?:all\s+)?"
    r"(?:nl|wnl|normal|ok|fine|neg|negative)\b",
    # any other abbreviation given with a decimal value is a measurement, not a condition the
    # patient has: "ABI today 0.55" is an ankle-brachial index (no acquired brain injury)
    r"\b(?-i:(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z]))[A-Za-z][A-Za-z0-9-]{1,7}\s?(?:(?:today|now|was|is|of|at)\s+|[=:~]\s*)?"
    r"\d+\.\d+(?!\.?\d)",
    # settings: "ED:", "in the ICU" - kept in the frame's setting, never read as a condition ("ED")
    r"\b(?:ED|ER|A&E|[MSNPC]?ICU|CCU|trauma bay)\b",
    # times: "day 6 of", "10 days ago", "4 mo ago", "x 6 wks", "x5d", "~9 months", "yesterday", "last month"
    r"\bday\s+\d{1,3}(?:\s+of)?\b",
    r"~?\d{1,3}\s*(?:h|hr|hrs|hours?|d|days?|wks?|weeks?|mo|mos|months?|y|yrs?|years?)\s+(?:ago|prior|later|after)\b",
    r"\bx\s?\d{1,3}\s?(?:d|days?|wks?|weeks?|mo|months?)\b",
    r"~\d{1,3}\s*(?:d|days?|wks?|weeks?|mo|months?|y|yrs?|years?)\b",
    r"\b(?:yesterday|today|tonight|last\s+(?:night|week|month|year)|this\s+morning|an\s+hour\s+ago)\b",
    # where: "NHS haem clinic", "vasc f/u clinic", "renal MDT" (a service, not the topic)
    rf"\b(?:NHS |private )?(?:{_SERVICES}|hem|ENT|GUM|vasc|transplant|memory|fracture|sleep|pain|resp|rheum|endo|uro|"
    r"gastro|GI|ID|device|pacing|anticoag\w*|antenatal|postnatal|MR|medical retina|eye|ophth\w*)"
    r"(?: f/u| follow-?up| outpatient)? "
    r"(?:clinic|MDT|ward|team|OPD|day unit|list)\b",
    # how worn out the family is, not what is asked: "parents at the end of their rope"
    r"\b(?:(?:parents?|mum|mom|dad|family|carers?|wife|husband) (?:are |is )?)?(?:at|to) the end of "
    r"(?:their|his|her|my|our) (?:rope|tether)\b|"
    r"\b(?:(?:parents?|mum|mom|dad|family|carers?|wife|husband) (?:are |is )?)?at (?:their|his|her|my|our) wits'? end\b",
    # mental health services by their acronyms: "CAMHS: 14yo boy …" (a setting, not a condition)
    r"\b(?:CAMHS|CMHT|CRHT|IAPT)\b",
    # who speaks: "physio asks how soon …", "gyn-onc wants it characterised", "reg says …" (the
    # person asking or advising, not what the question is about)
    r"\b(?:reg|registrar|SHO|consultant|boss|attending|resident|fellow|physio|physiotherapist|pharmacist|"
    rf"anaesthetist|anesthetist|anesthesiologist|surgeon|{_SERVICES}|oncologist|dermatologist|GP|MDT|mum|mom|dad|"
    r"parents?|daughter|son|husband|wife)"
    r"(?= (?:says|said|asks|asked|asking|is asking|wants|wanted|told|thinks|thought|suggests|suggested|won'?t|will not|"
    r"booking|booked|is booking|planning|plans|keen|"
    r"would like|is keen|keeps asking|reviewing)\b)",
    # the reaction an allergy caused: "pen allergic (hives)", "PCN allergy - anaphylaxis" (what
    # the patient once had, not what the question is about)
    r"(?<=allergic)\s*\([^()]{1,40}\)", r"(?<=allergy)\s*\([^()]{1,40}\)",
    r"(?<=allergic)\s*[-–:]\s*(?:hives|rash|urticaria|anaphylaxis|angio-?edema|swelling|wheeze)\b",
    r"(?<=allergy)\s*[-–:]\s*(?:hives|rash|urticaria|anaphylaxis|angio-?edema|swelling|wheeze)\b",
)
_DETAILS = re.compile("|".join(f"(?:{p})" for p in _DETAIL_PATTERNS), re.I)

# Words of bedside shorthand that say nothing about the clinical topic.
CHATTER = frozenset(
    """pt pts patient patients now still currently just recently new newly known hx h/o c/o s/p w/ w/o
    presents presenting presented comes came brought seen seeing got getting has had having keeps kept
    wants want wanted asking asks asked family planning plan planned thinking considering started starting
    running doing going done sent says said ok okay fine ago yesterday today day days week weeks wk wks
    month months mo mos year years yr yrs old yo y/o otherwise only other also back again first second
    please quick q question help anyone thoughts pls vs versus and or but so then if what which how when
    who why where do does did can could should would will shall may might must is are was were be been
    am i we you he she they him her his their my our me us it its this that these those there here a an
    the of in on for to with without at by from as about into than after before over under up down off
    out any some no not none all each every both either neither very much many more most less least
    enough good bad best better worse big small mild moderate severe mod per
    long start stop goal aim target dose doses dosing much many often soon fast time times timing alternative alternatives mum mom dad
    take takes taking took give gives giving gave use uses using used prescribe prescribing get
    dx tx rx sx med meds medication medications instead else next line need needs needed born add
    longer shorter extend extending broke declines declined refuses refused whether worth try trying
    cutoff cutoffs threshold thresholds decide decides deciding grew grown raised anything anyone
    away till mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday
    sunday weekend tonight tomorrow overnight actually bother someone something things thing like
    hasn haven didn doesn isn wasn weren aren couldn shouldn wouldn won don went aft ve keen boy girl yet never
    tds tid bd bid qds qid qhs nocte mane prn stat ml mls neg pos list booking booked nothing fy1 fy2""".split()
)
_ASK = re.compile(r"\?|\b(?:what|which|how|when|should|can|could|do|does|is|are|any|ok|need|needs|worth)\b", re.I)
# No break after a lone capital: "C. auris", "E. coli" and initials are one name; a value
# ends its sentence when words follow ("eGFR 78. which quit med …"), not inside "8.4".
_CLAUSE = re.compile(r"(?<!\d)(?<!\b[A-Z])[.;:](?!\d)|(?<=\d)[.;](?=\s+[A-Za-z])|\s[-–—]+\s|\?|\n")


# Bedside shorthand written as more than one token, and what it stands for.
_SHORTHAND = (
    (re.compile(r"\bhep\.?\s?([ABCDE])\b", re.I), r"hepatitis \1"),
    (re.compile(r"\bon (?:RA|r/a)\b"), "on room air"),
    (re.compile(r"\bs/p\b", re.I), "status post"),
    # "on a condom sheath to a leg bag": a male external catheter, as continence guidelines call it
    (re.compile(r"\b(?:condom|penile) (?:sheath|catheter|cath)s?\b|\burosheaths?\b", re.I), "male external catheter"),
    # "post-stroke urge leak", "leaking urine": incontinence
    (re.compile(r"\b(urge|stress|mixed) (?:leak(?:s|ing|age)?|incontinence)\b", re.I), r"\1 urinary incontinence"),
    # "ex-27+2/40", "ex-29 weeker": an infant born preterm
    (re.compile(r"\bex[- ]?((?:2\d|3[0-6])(?:\+[0-6])?)\s?(?:/40|wk(?:s|er)?|weeks?(?:er)?)\b", re.I),
     r"born preterm at \1 weeks"),
    (re.compile(r"\bex[- ]?prem(?:ie|mie|ature)?\b", re.I), "born preterm"),
    # "dev checks", "dev follow-up": developmental
    (re.compile(r"\bdev (?=checks?|follow-?up|assessments?|review|surveillance|delay|milestones?)", re.I),
     "developmental "),
    # "15 cigs/day, 40 pk-yr": a smoker's cigarettes and pack-years
    (re.compile(r"\bcigs\b", re.I), "cigarettes"),
    (re.compile(r"\b(?:pk|pack)[- ]?(?:yrs?|years?)\b", re.I), "pack-years"),
    (re.compile(r"\bc/w\b", re.I), "consistent with"),
    # "out of the fridge": guidelines write refrigerator, refrigeration
    (re.compile(r"\bfridges?\b", re.I), "refrigerator"),
    # "CT CAP clear", "CT TAP": the body regions a staging scan covers, not community-acquired pneumonia
    (re.compile(r"\b(CT|PET[- ]?CT|MRI?) (?:CAP|C/A/P|TAP|T/A/P)\b"), r"\1 chest abdomen pelvis"),
    (re.compile(r"\bh/o\b", re.I), "history of"),
    # "what ABI cut-off decides …": the threshold asked for, one word
    (re.compile(r"\bcut[- ]offs?\b", re.I), "cutoff"),
    (re.compile(r"\br/o\b", re.I), "rule out"),
    (re.compile(r"\bw/o\b", re.I), "without"),
    (re.compile(r"\bw/d\b", re.I), "withdrawal"),
    (re.compile(r"\b(bone|brain|liver|lung|nodal|spinal)(-only)? mets\b", re.I), r"\1\2 metastases"),
    # "won't take him until we 'medically clear' him": the screening a psychiatric unit asks for
    (re.compile(r"\bmedically clear(?:ed|ing)?\b", re.I), "medical clearance"),  # "w/d seizures", "what can I use for the w/d?"
    (re.compile(r"\bw/(?=\s|\w)", re.I), "with "),
    # a protease inhibitor boosted with ritonavir: "ATV/r", "DRV/r", "LPV/r"
    (re.compile(r"\b([A-Z]{3})/r\b"), r"\1 + ritonavir"),
    # lay names of what guidelines name otherwise
    # "pall care", "palliative care team"
    (re.compile(r"\bpall(?:iative)? care\b", re.I), "palliative care"),
    # "oxycodone MR 10 bd": a modified-release form, not mitral regurgitation
    (re.compile(r"\b([a-z]{4,}) (?:MR|SR|XL|ER|CR|LA)\b(?=\s*\d)"), r"\1 modified-release"),
    # "liver tx at 14 mo": a transplant, not a treatment
    (re.compile(r"\b(liver|kidney|renal|heart|lung|pancreas|bone marrow|stem cell|BM|SC) tx\b", re.I), r"\1 transplant"),
    (re.compile(r"\bneedle-?stick(?: injury| injuries)?\b", re.I), r"\g<0> (percutaneous exposure)"),
    (re.compile(r"\bmorning[- ]after pills?\b", re.I), "emergency contraception"),
    # a combined vaccine's antigens are no conditions: "DTaP-IPV-Hib-HepB" (IPV is no partner violence)
    (re.compile(r"\b(?:DTaP|DTwP|Tdap|TdaP|DT|Td)(?:-(?:IPV|Hib|HepB|HBV|MenC|MenACWY))+\b"), "combined vaccine"),
    # "in for her routine jabs", "before the needles": vaccine injections, as guidelines call them
    (re.compile(r"\b(?:routine |baby |infant |flu |covid |\d+-?(?:wk|week|month|mo) )?jabs?\b", re.I), "vaccine injections"),
    (re.compile(r"\b(?:before|during|after|for) (?:the |her |his |their )?needles\b", re.I), "for the injections"),
    # "sleeve done 4 mo ago": a sleeve gastrectomy, a bariatric operation
    (re.compile(r"\b(?:gastric |laparoscopic |lap )?sleeve(?! gastrectomy)(?= (?:done|performed|op|surgery|in|\d|last|"
                r"(?:\d+|a|two|three|six) (?:wks?|weeks?|mo|months?|yrs?|years?) ago))", re.I), "sleeve gastrectomy"),
    # "wants to do a clamshell - crack the chest or call it?": a resuscitative thoracotomy, or stopping
    (re.compile(r"\bclamshell(?: thoracotomy)?\b", re.I), "thoracotomy"),
    (re.compile(r"\bcrack(?:ing)? (?:the|his|her|their) chest\b", re.I), "do a thoracotomy"),
    (re.compile(r"\b(?:or|and|just|to) call it\b(?= *(?:\?|$|now|here))", re.I), "or stop resuscitation"),
    # "to take the edge off", "to make it hurt less": pain relief
    (re.compile(r"\btake the edge off\b|\bmake it hurt less\b", re.I), "reduce the pain"),
    (re.compile(r"\bbright red blood (?:per rectum|PR)\b", re.I), "rectal bleeding"),
    (re.compile(r"\b(?:hit|banged|bumped|struck) (?:his|her|their|the) head\b", re.I), "had a head injury"),
    (re.compile(r"\b(?:can(?:'|no)?t|cannot|unable to|trouble|difficulty) (?:get to |falling |staying )?sleep(?:ing)?\b", re.I),
     "insomnia"),
    # "amoxicillin gave her hives", "amoxil caused a rash": an allergy, as guidelines call it
    (re.compile(r"(?<!\bthe )(?<!\ba )(?<!\bhis )(?<!\bher )\b([A-Za-z][\w-]{3,}) (?:gave|gives|caused|causes|causing|giving) (?:(?:her|him|them|the (?:patient|"
                r"child|baby|kid)|pt|me) )?(?:(?:a|an|bad|severe|mild|some|widespread) )?(?:hives|urticaria|(?:urticarial )?"
                r"rash|anaphylaxis|angio-?edema|facial swelling)\b", re.I), r"allergic to \1"),
    # a blood group is a status, not a condition ruled out: "RhD neg" is RhD-negative
    (re.compile(r"\bRh(D)?\s?(?:neg(?:ative)?|-ve|−ve)\b", re.I), r"Rh\1-negative"),
    (re.compile(r"\bRh(D)?\s?(?:pos(?:itive)?|\+ve)\b", re.I), r"Rh\1-positive"),
    # "when would I pull it?", "pull the line": what guidelines call removing a device
    (re.compile(r"\bpull (it|them|the (?:iud|ius|coil|line|picc|catheter|cath|drain|tube|stent|implant|pessary))\b", re.I),
     r"remove \1"),
    # a stab or gunshot wound is what trauma guidelines call penetrating trauma
    (re.compile(r"\b(?:stab wound|stabbing|GSW|gunshot wound)s?\b(?! \()", re.I), r"\g<0> (penetrating trauma)"),
    # "breast ca", "pancreatic ca": cancer, as notes shorten it after the organ
    (re.compile(r"\b(breast|lung|prostate|colon|colorectal|rectal|bowel|ovarian|pancreatic|bladder|cervical|endometrial|"
                r"gastric|stomach|oesophageal|esophageal|renal|kidney|thyroid|liver|skin|testicular|anal|oral|"
                r"head and neck) ca\b(?!\+|\s?[\d.]+\s?(?:mmol|mg))", re.I), r"\1 cancer"),
    # "routine maintenance IV - how much water?": IV fluids
    (re.compile(r"\bmaintenance IV\b(?! fluids?)(?![-/])"), "maintenance IV fluids"),
    # "CKD4", "CKD 3b", "CKD G3a": the stage written onto the abbreviation
    (re.compile(r"\bCKD\s?G?([1-5][ab]?)\b"), r"CKD stage \1"),
    # sleep testing as clinicians say it, in the sleep guidelines' words
    (re.compile(r"\b(?:sleep study kit|home sleep (?:study|test)(?: kit)?|home study kit)\b", re.I),
     "home sleep apnea testing"),
    (re.compile(r"\b(?:in-?lab|attended|overnight lab) (?:sleep )?study\b", re.I), "in-laboratory polysomnography"),
    (re.compile(r"\bsleep study\b", re.I), "polysomnography"),
    # "resp obs", "neuro obs": a nurse's observations are monitoring
    (re.compile(r"\b(resp(?:iratory)?|neuro|vital|nursing) obs\b", re.I), r"\1 observations (monitoring)"),
    # "intrathecal morphine 100 mcg": an opioid given by the spine, as the guidelines file it
    (re.compile(r"\b(?:intrathecal|epidural|neuraxial|spinal) (?:morphine|diamorphine|fentanyl|sufentanil|hydromorphone|"
                r"opioids?)\b", re.I), "\\g<0> (neuraxial opioid)"),
    (re.compile(r"\b(?:sees|seen|saw|noticed) (?:him|her|them) stop(?:s|ping)? breathing\b", re.I), "witnessed apnea"),
    # "C diff toxin +": the organism as the sources name it
    (re.compile(r"\bC\.?\s?diff(?:icile)?\b", re.I), "Clostridium difficile"),
    # "still seizing after 2 doses of lorazepam": seizures that go on are status epilepticus; a
    # verb is no condition the sources index, its noun is
    (re.compile(r"\b(?:still|actively|continu(?:es|ing) to be|keeps?) seizing\b", re.I), "\\g<0> (status epilepticus)"),
    (re.compile(r"\bseizing\b(?! \()", re.I), "seizing (seizures)"),
    # "pen allergic", "pen-allergic", "pen allergy": penicillin, as bedside notes shorten it
    (re.compile(r"\bpen(?=[- ]?allerg)", re.I), "penicillin"),
    # conditions renamed after the sources were written, by the names the sources use
    (re.compile(r"\bprimary biliary cholangitis\b", re.I), "primary biliary cirrhosis"),
    (re.compile(r"\bmetabolic dysfunction[- ]associated steatohepatitis\b|\bMASH\b"), "nonalcoholic steatohepatitis"),
    (re.compile(r"\bmetabolic dysfunction[- ]associated (?:steatotic|fatty) liver disease\b|\bMASLD\b|\bMAFLD\b", re.I),
     "nonalcoholic fatty liver disease"),
    (re.compile(r"\bmpox\b", re.I), "monkeypox"),
    # intravenous fluids as a ward's orders write them ("D5 1/2NS", "D5NS", "½NS", "D5W"), in the
    # words of the guidelines on them ("5% dextrose … 0.45% NaCl", "isotonic saline")
    (re.compile(r"\bD5\s?(?:1/2|½|0?\.45%?)\s?N/?S\b", re.I), "5% dextrose and 0.45% NaCl (half-isotonic saline)"),
    (re.compile(r"\bD5\s?(?:0?\.9%?\s?)?N/?S\b", re.I), "5% dextrose and 0.9% NaCl (isotonic saline)"),
    (re.compile(r"(?<![\w/])(?:1/2|½|half)\s?N/?S\b", re.I), "0.45% NaCl (half-isotonic saline)"),
    (re.compile(r"\bD5W\b", re.I), "5% dextrose in water"),
    # "POD2 hip # repair": the day after an operation, and "#" for a fracture as UK notes write it
    (re.compile(r"\bPOD\s?#?(\d{1,2})\b"), r"postoperative day \1"),
    (re.compile(r"#\s?(?:NOF|neck of femur)\b", re.I), "fractured neck of femur"),
    (re.compile(r"\b(hip|wrist|ankle|femur|femoral|humerus|humeral|radius|radial|clavicle|rib|pelvic|vertebral|"
                r"scaphoid|tibia|tibial|fibula|neck of femur|NOF)\s?#(?![\w#])", re.I), r"\1 fracture"),
    # operations as the theatre list shortens them
    (re.compile(r"\b(?:lap(?:aroscopic)?\.? )?choles?\b(?!-)", re.I), "cholecystectomy"),
    (re.compile(r"\blap appy\b|\bappy\b", re.I), "appendectomy"),
    (re.compile(r"\bex[- ]lap\b", re.I), "exploratory laparotomy"),
    (re.compile(r"\bC[- ]section\b", re.I), "cesarean section"),
    # "ASA 2", "ASA III": the anaesthetist's physical status class, not aspirin
    (re.compile(r"\bASA (?:grade |class |score |status |PS )?((?:I{1,3}|IV|V|[1-5])E?)\b"), r"physical status class \1"),
    # a pressure ulcer as wound care writes it: "cat 4 sacral PI", "grade 3 heel PU"; NPIAP's newer name
    # ("pressure injury") for what the guidelines call a pressure ulcer
    (re.compile(r"\b((?:cat(?:egory)?|stage|grade)\s?(?:[1-4]|I{1,3}|IV)\s(?:(?:sacral|heel|ischial|trochanteric|"
                r"buttock|occipital)\s)?|(?:sacral|heel|ischial|trochanteric|buttock|occipital)\s)(?:PI|PU)s?\b"),
     r"\1pressure ulcer"),
    (re.compile(r"\bpressure injur(?:y|ies)\b", re.I), "pressure ulcer"),
    # "what else can we use to clear the dead tissue?": debridement, as the guidelines call it
    (re.compile(r"\b(?:clear|remove|shift|get rid of|lift|get off)(?:ing)? (?:off )?(?:the |this |that |all the )?"
                r"(?:dead|necrotic|devitali[sz]ed) tissue\b|\bdesloughing\b", re.I), "\\g<0> (debridement)"),
    # cardiac troponin as the ED writes it: "repeat the trop", "hs-TnT 9 ng/L"
    (re.compile(r"\b(?:hs-?c?|high-sensitivity )Tn([TI])\b"), r"high-sensitivity troponin \1"),
    (re.compile(r"\bc?Tn([TI])\b"), r"troponin \1"),
    (re.compile(r"\btrops?\b", re.I), "troponin"),
)

# Shorthand whose sense the rest of the text decides: (what must be written somewhere, the
# shorthand, what it stands for there). "propofol + remi TCI … the TCI targets": a target-controlled
# infusion, not a topical calcineurin inhibitor.
_CHILD = re.compile(r"\b(?:well-child|preschool|nursery|kindergarten|toddler|boy|girl)\b", re.I)
_DENTAL = re.compile(r"\b(?:tooth|teeth|dental|dentist|GDP|molars?|premolars?|unrestorable|sockets?|gums?|"
                     r"[UL][LR][1-8])\b", re.I)
_SMOKING = re.compile(r"\b(?:cigs?|cigarettes?|smok\w*|tobacco|vap(?:e|es|ing)|pack-?(?:yrs?|years?)|pk-?yrs?)\b", re.I)
_PREGNANT = r"\b(?:G\d+|pregnan\w*|gestation\w*|cephalic|\d{2}(?:\+\d)?/40|antenatal|fetal|fetus)\b"
_SHORTHAND_IN_CONTEXT = (
    (re.compile(r"\b(?:propofol|remifentanil|remi|TIVA|anaesthe\w*|anesthe\w*)\b", re.I), re.compile(r"\bTCI\b"),
     "target-controlled infusion"),
    # "4yo boy … never had his eyes checked - is a screening eye test due?": a child's vision
    # screening (an adult's diabetic eye examination stays one)
    (_CHILD, re.compile(r"\b(?:screening )?eye (?:test|check|exam|screen)s?\b|\beyes (?:checked|tested|examined)\b",
                        re.I), "vision screening"),
    # once the note has said what it is, "the sheath" is that catheter
    (re.compile(r"\bmale external catheter\b"), re.compile(r"\b(?:the|this|his|a) sheath\b", re.I), "the catheter"),
    # a dentist's "simple XLA under LA": an extraction under local anaesthesia (not X-linked
    # agammaglobulinaemia, nor a locally advanced cancer)
    (_DENTAL, re.compile(r"\bXLAs?\b"), "extraction"),
    (_DENTAL, re.compile(r"\bunder LA\b"), "under local anesthesia"),
    # "which quit med would you reach for": a smoker's cessation drug
    (_SMOKING, re.compile(r"\bquit(?:ting)? (?:meds?|medications?|medicines?|drugs?|aids?|tablets?|pills?)\b", re.I),
     "smoking cessation medication (tobacco use)"),
    # "FM for 3 yrs (WPI 11, SSS 8)": fibromyalgia in a note about pain, not in one about a pregnancy,
    # whose "reduced FMs" are its fetal movements ("good FM" is a normal finding, left alone)
    (re.compile(rf"^(?![\s\S]*{_PREGNANT})[\s\S]*\b(?:pain|WPI|SSS|tender points?|widespread|pregabalin|duloxetine|"
                r"amitriptyline|fibro)\b", re.I), re.compile(r"\bFM\b"), "fibromyalgia"),
    (re.compile(_PREGNANT, re.I), re.compile(r"\b(?:reduced|decreased|less|fewer|absent|no|RFM)\s+F?FMs?\b", re.I),
     "reduced fetal movements"),
)


def expand_shorthand(text: str) -> str:
    """``text`` with multi-token bedside shorthand written out ("hep C" -> "hepatitis C",
    "on RA" -> "on room air", "s/p" -> "status post")."""
    for pattern, replacement in _SHORTHAND:
        text = pattern.sub(replacement, text)
    for context, pattern, replacement in _SHORTHAND_IN_CONTEXT:
        if context.search(text):
            text = pattern.sub(replacement, text)
    return " ".join(text.split())


def detail_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that state patient details: ages, sexes, gestation, weights, lab and
    vital values, and times."""
    return [(m.start(), m.end()) for m in _DETAILS.finditer(text[:4000])]


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: split at sentence punctuation, dashes and question marks
    (a decimal point or a ratio is not a break)."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE.finditer(text):
        if text[start:m.start()].strip():
            out.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def last_question(text: str) -> tuple[int, int]:
    """The last clause that asks, alone ("lyse here?" of "... from first contact. lyse here?");
    (0, 0) when none does."""
    for s, e in reversed(clauses(text)):
        if _ASK.search(text[s:e]):
            return s, e
    return 0, 0


_PRONOUN_OBJECT = re.compile(r"\b(?:take|pull|get|stop|keep|continue|hold|remove|restart|give|use|start|switch|"
                             r"change|increase|reduce|wean|taper)\b (?:\w+ ){0,1}(?:it|them)\b", re.I)


def ask_clause(text: str) -> tuple[int, int]:
    """The clause that asks: the last one holding a question mark or a question word;
    the whole text when none does."""
    spans = clauses(text)
    for s, e in reversed(spans):
        if _ASK.search(text[s:e]):
            # "… mild-mod CDI - what do I start": a short question clause leans on the one
            # before it for its subject.
            # So does one whose object is a pronoun ("wants the IDC out so she can shower. ok to
            # take it out now or do I wait?").
            if len(text[s:e].split()) <= 4 or _PRONOUN_OBJECT.search(text[s:e]):
                prev = [p for p in spans if p[1] <= s]
                if prev:
                    return prev[-1][0], e
            return s, e
    return 0, len(text)
