"""Whether a source sentence states the aspect a question asks about.

A starting-dose question wants "the recommended starting dose is 10 mg once daily", not
"the dose may be increased to 80 mg"; a duration question wants "for 10 to 14 days"; a
target question a value to reach. ``aspect_bonus`` scores a sentence 0..1 for the asked
aspect by cue patterns (matched on lower-cased text), so the bottom line answers what was
asked instead of a neighbouring aspect. Pure.
"""

from __future__ import annotations

import functools
import re

_NUM = r"\d+(?:[.,]\d+)?"
# (units also written out: "6.25 milligrams/kg intravenously 4 times daily")
_DOSE = (rf"{_NUM}\s*(?:-|–|to)?\s*(?:{_NUM})?\s*(?:mg|milligrams?|g|grams?|mcg|micrograms?|µg|μg|units?|iu|"
         rf"international units|ml|millilit(?:re|er)s?|meq|mmol|c?gy|grays?)(?:/(?:kg|m2|m²|day|d|dose|h|hour))*\b")
_TIME = r"(?:hours?|days?|weeks?|months?|years?)"
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_COUNTED = r"(?:drugs?|medications?|agents?|classes|times|doses|tablets|visits|steps|readings|measurements)"
_SHORT_TIME = r"(?:hours?|h|hrs?|days?|d|weeks?|wks?|months?|mo|years?|yrs?)"

_FOR_OR_AGAINST = (r"\b(?:do not (?:use|give|offer|prescribe|routinely|start|treat)|(?:is|are) not recommended|"
                   r"should not (?:be )?(?:used|given|offered|prescribed|administered|routinely)|should not (?:use|give|administer)|not (?:be )?routinely|avoid\w*|"
                   r"should (?:be )?(?:offered|given|used|considered|prescribed|started))\b")

# aspect -> ((weight, pattern), ...); the bonus is the best weight that matches.
_CUES: dict[str, tuple[tuple[float, str], ...]] = {
    "starting-dose": (
        (1.0, rf"\b(?:starting|initial|recommended|usual|loading) (?:adult |oral |daily )?dos(?:e|age)\b.{{0,80}}{_DOSE}"),
        (1.0, rf"\b(?:start(?:ed|ing)?|initiat\w+|begin|begun) (?:at|with|on)\b.{{0,40}}{_DOSE}"),
        # a starting dose given as a change of the usual one ("an initial dosage decrease of 50% should
        # be considered", "start at 50% of the standard dose", "reduce the starting dose by 25%")
        (1.0, rf"\b(?:starting|initial) (?:dose|dosage) (?:decrease|reduction|increase)\w* (?:of|by) {_NUM}\s?%|"
              rf"\b(?:start\w*|initiat\w+|begin)\b.{{0,30}}\b{_NUM}\s?% of the (?:usual|standard|normal|recommended|"
              rf"starting|initial) (?:dose|dosage)|\b(?:reduc\w+|decreas\w+|lower\w*) the (?:starting|initial) (?:dose|dosage) "
              rf"by {_NUM}\s?%"),
        (0.8, rf"{_DOSE}.{{0,60}}\b(?:once|twice|three times|every|daily|per day|q\d+h|bid|tid)\b"),
        # a starting dose without its number: "Consider introducing a selective COX-2 inhibitor at the
        # lowest starting dose with only a single dose on the first day", "start low, go slow"
        (0.8, r"\b(?:start\w*|introduc\w+|initiat\w+|begin)\b.{0,60}\bat (?:the |a )?(?:lowest|low|minimum|smallest|"
              r"reduced) (?:effective |possible |starting |initial )*(?:dose|dosage)\b"),
        # what is given first: "prompt i.v. infusion of 150 ml 3% hypertonic over 20 min", "a bolus of 20 ml/kg"
        (0.8, rf"\b(?:prompt|immediate\w*|bolus|stat|loading)\b.{{0,60}}{_DOSE}"),
        (0.6, rf"\b(?:dose|dosage|dosing)\b.{{0,60}}{_DOSE}"),
        # how a dose is worked out: "Calculate opioid dosages for children … using weight rather than age"
        (0.8, r"\b(?:calculat\w+|work(?:ed|ing)? out) (?:the )?(?:[\w-]+ )?(?:doses?|dosages?|dosing)\b|"
              r"\b(?:doses?|dosages?|dosing)\b[^.;]{0,60}\b(?:by|using|on|per) (?:body )?weight\b|"
              r"\bweight[- ]based (?:doses?|dosages?|dosing)\b"),
        # how often a maintenance treatment is applied: "… as maintenance therapy (1 to 2 times per week)"
        (0.8, r"\b\d+(?: (?:to|or|-) \d+)? times (?:per|a|each) (?:day|week|month)\b|"
              r"\b(?:once|twice) (?:daily|weekly|a day|a week|per week|monthly)\b"),
        # how far apart repeat doses are: "Additional doses of surfactant, given at 6–24-hour intervals"
        (0.8, rf"\bdoses?\b.{{0,40}}\b(?:at {_NUM}(?:\s*(?:-|–|to)\s*{_NUM})?[- ](?:hour|hourly|day|week)s?[- ]intervals?|"
              rf"every {_NUM}(?:\s*(?:-|–|to)\s*{_NUM})? (?:hours|days|weeks))\b"),
        (0.4, _DOSE),
    ),
    "titration": (
        # "increased to >4,700 mg/day" of a potassium intake is no titration; "increase to 20 mg" is
        (1.0, rf"\b(?:titrat\w+|taper\w*|increase[sd]? (?:the dose )?(?:by|every|gradually|in)|"
              rf"increase[sd]? (?:the (?:dose|dosage) )?to {_NUM} ?(?:mg|mcg|micrograms?|g|units?|ml)\b|"
              rf"(?:dose|dosage) (?:\w+ ){{0,4}}(?:be )?increased to|"
              r"decrease[sd]? (?:the dose )?(?:by|every|gradually)|reduc\w+ (?:the dose )?(?:by|gradually|every)|"
              # "a rapid reduction of glucocorticoid doses (prednisone) in order to reach 5 mg/day"
              r"(?:rapid|gradual|slow|progressive|stepwise) (?:reduction|decrease|tapering|withdrawal) of|"
              r"step(?:ped)?[- ](?:up|down)|escalat\w+|wean\w*)\b"),
        (0.6, rf"\b(?:every|after) {_NUM} {_TIME}\b.{{0,60}}{_DOSE}|{_DOSE}.{{0,60}}\b(?:every|after) {_NUM} {_TIME}\b"),
        # a topical steroid's step-down: "daily use for one month, alternate days for one month,
        # twice weekly for one month"
        (0.9, r"\b(?:daily|once a day|twice (?:a )?day)\b.{0,20}\bfor (?:one|two|three|four|a|\d+) (?:weeks?|months?),? "
              r"(?:then |followed by )?(?:on )?(?:alternate days|every other day|twice (?:a )?week\w*|once (?:a )?week\w*|"
              r"three times (?:a )?week\w*)"),
        (0.4, r"\b(?:maximum|max) (?:daily )?dose\b"),
    ),
    "target": (
        # a value, not a time ("if blood glucose targets are not met … within 1 to 2 weeks"), a
        # count ("… the need to use more than 3 drugs to reach goal BP") or a reference
        # ("recommendation 6")
        (1.0, rf"\b(?:target|goal|aim)\w*\b.{{0,80}}(?:(?<!recommendation )(?<!rec )(?<!grade )(?<!level )"
              rf"{_NUM}(?!\s*(?:-|–|to)?\s*(?:{_NUM}\s*)?(?:{_TIME}|{_COUNTED})\b)|below|under|less than|<|≤)"),
        (0.9, rf"\b(?:maintain\w*|keep|achiev\w+|reach\w*|lower\w*|reduc\w+)\b.{{0,60}}"
              rf"(?:below|under|less than|<|≤|between|to)\s*{_NUM}"),
        (0.6, rf"(?:<|≤|less than|below)\s*{_NUM}\s*(?:mm ?hg|mg/dl|mmol|%|g/dl|µmol|umol|ng/ml)"),
        # an excision's extent: "… with a clinical margin of at least 2 cm"
        (0.9, rf"\bmargins? of (?:at least |up to |about |approximately )?{_NUM}"),
        # a value named by a range rather than a number: "… a dose of T … resulting in a midnormal
        # premenopausal value in a reference assay", "to achieve physiological levels"
        (0.9, r"\b(?:resulting in|to (?:achieve|reach|maintain|keep|restore)|aim\w* (?:for|at)|target\w*)\s+(?:an?\s+|the\s+)?"
              r"(?:mid-?normal|upper[- ]normal|low[- ]normal|high[- ]normal|physiologic\w*|(?:pre|post)menopausal|"
              r"normal)\s+(?:\w+\s+)?(?:values?|levels?|range|concentrations?)\b"),
        # a floor: "The authors recommend maintaining a hemoglobin of 7 g/dL or higher"
        (0.9, rf"\b(?:maintain\w*|keep|kept|achiev\w+)\b.{{0,60}}(?:\bof|\bat|\babove|\bover|greater than|more than|"
              rf"at least|>|≥)\s*{_NUM}\s*(?:mm ?hg|mg/l|mg/dl|mmol/l|mmol|%|g/dl|g/l|µmol/l|umol/l|ng/ml|x ?10\S*)"),
        # "Trough serum vancomycin concentrations should be maintained at 10-20 mg/L"
        (0.9, rf"\b(?:maintain\w*|kept|keep)\s+(?:at|within|in the range of)\s*{_NUM}\s*(?:-|–|to)\s*{_NUM}\s*"
              rf"(?:mm ?hg|mg/l|mg/dl|mmol|%|g/dl|g/l|µmol|umol|ng/ml|µg/ml|mcg/ml)"),
        # "… in doses sufficient to achieve serum fT4 levels in the mid to upper half of the reference range"
        (0.9, r"\b(?:achiev\w+|maintain\w*|reach\w*|keep)\b.{0,40}\b(?:levels?|concentrations?|values?)\s+"
              r"(?:in|within|at) the (?:\w+ ){0,7}(?:reference|normal|therapeutic|target) range\b"),
    ),
    "duration": (
        (1.0, rf"\bfor (?:at least |a minimum of |up to |a total of |(?:not|no) (?:more|longer) than |a maximum of )?"
              rf"{_NUM}(?:\s*(?:-|–|to)\s*{_NUM})? {_TIME}\b"),
        # … in words, less plainly than in figures: "for at least one year following urethral injury"
        (0.9, rf"\bfor (?:at least |a minimum of |up to |a total of )?{_NUMBER_WORDS} {_TIME}\b"),
        (1.0, rf"\b(?:duration|course|continue\w*|maintain\w*)\b.{{0,60}}\b{_NUM}(?:\s*(?:-|–|to)\s*{_NUM})? {_TIME}\b"),
        (0.9, rf"\b(?:at least|a minimum of|no less than|up to) {_NUM}(?:\s*(?:-|–|to)\s*{_NUM})?\s?{_SHORT_TIME}\b"),
        # "long-term" of a treatment, not of its side effects
        (0.8, r"\b(?:lifelong|indefinite\w*|for life|until)\b|\blong-term (?:\([^()]{0,40}\) )?(?:\w+ )?(?:treatment|therapy|use|"
              r"anticoagulation|prophylaxis|maintenance|suppression|administration)\b"),
        (1.0, rf"\b{_NUM}(?:\s*(?:-|–|to)\s*{_NUM})?[- ](?:hour|day|week|month|year)s? (?:course|treatment|therapy|regimen)\b"),
        # "treatment with an additional 2 weeks of the appropriate antibiotic(s)"
        (1.0, rf"\b(?:an? )?(?:additional|further|another|extra) {_NUM}(?:\s*(?:-|–|to)\s*{_NUM})? {_TIME} of\b"),
        # how long to wait: "… but a four month waiting period is recommended", "wait at least 6 weeks"
        (1.0, rf"\b(?:{_NUM}|{_NUMBER_WORDS})[- ](?:hour|day|week|month|year)s? (?:waiting period|wait|delay)\b|"
              rf"\bwait(?:ing)? (?:for )?(?:at least |a minimum of )?(?:{_NUM}|{_NUMBER_WORDS}) {_TIME}\b"),
    ),
    "alternative": (
        (1.0, r"\b(?:alternative\w*|instead|second[- ]line|in (?:patients|those|women|children) (?:who|with)\b.{0,40}"
              r"(?:cannot|can't|unable|intoleran\w+|contraindicat\w+|allerg\w+|fail\w*|not respond\w*|inadequate)|"
              r"if .{0,60}(?:not tolerated|contraindicated|fails?|ineffective|inadequate|unsuccessful|allerg\w+|"
              r"not (?:possible|available|effective|respond\w*)))\b"),
        (1.0, r"\bcontraindicated\b.{0,80}\b(?:in which case|instead)\b"),
        # what to do when the first treatment left it: "Helmet therapy is recommended for infants with
        # persistent moderate to severe plagiocephaly after a course of conservative treatment"
        (1.0, r"\b(?:persistent|persisting|residual|ongoing|continued)\b.{0,60}\bafter (?:a (?:course|trial) of |an? )?"
              r"(?:conservative|initial|first-line|standard|adequate) (?:treatment|therapy|management|measures)\b"),
        # the cases a recommendation's list gives: "… only if: … Cyclophosphamide is contraindicated or
        # not tolerated or …"
        (0.8, r"\b(?:is|are) (?:contraindicated|not tolerated)\b"),
        # "… only if: … The diabetic macular oedema does not respond to non-corticosteroid treatment, or
        # such treatment is unsuitable"
        (0.8, r"\b(?:does|do|did|has|have) not (?:respond|responded) to\b|\b(?:such|this|that|other|first-line) "
              r"(?:treatment|therapy) is unsuitable\b"),
        # "… only if: The person is ineligible for fludarabine-based therapy and Bendamustine is not
        # suitable", "… comorbidities that make full-dose fludarabine-based therapy unsuitable for them"
        (0.9, r"\b(?:is|are) (?:ineligible|not eligible|unfit) for\b|\b(?:is|are) not suitable\b|"
              r"\bmakes? (?:[\w-]+ ){1,5}unsuitable\b"),
        # "In the event of allergy to amoxicillin, azithromycin …", "for patients allergic to penicillin"
        (1.0, r"\b(?:in the event of|in (?:the )?cases? of|for|with)\s+(?:an?\s+|(?:a )?known\s+)?(?:allerg\w+|"
              r"intoleran\w+|hypersensitiv\w+|(?:treatment )?failure)\b|"
              r"\b(?:patients|children|adults|those|women|people)\s+(?:who are\s+)?(?:allergic|intolerant)\b"),
        (1.0, r"\b(?:in whom|for whom|where|when)\b.{0,60}\b(?:not (?:feasible|possible|tolerated|suitable|appropriate|"
              r"an option|effective|available)|contraindicated|unsuitable|fail\w*|cannot|can't)\b"),
        # what first-line treatment did not do: "… dry eye disease that has not improved despite treatment
        # with tear substitutes", "whose disease has not responded adequately to conventional therapy"
        (1.0, r"\b(?:(?:has|have|had|did) not|hasn'?t|haven'?t|didn'?t)\s+(?:\w+\s+)?(?:improved|responded|worked|"
              r"been (?:controlled|effective))\b|\bdespite (?:\w+ )?(?:treatment|therapy) with\b|"
              r"\b(?:inadequate|insufficient|incomplete) response to\b"),
        # what suits those unfit for first-line: "Chlorambucil remains suitable therapy in elderly frail
        # patients", "… for patients unfit for intensive chemotherapy"
        (1.0, r"\b(?:in|for)\s+(?:\w+\s+){0,2}(?:frail|unfit|less fit|not fit)\b|"
              r"\b(?:frail|unfit)\s+(?:\w+\s+)?(?:patients|adults|people|elderly|individuals)\b"),
        (0.6, r"\b(?:switch\w* to|add\w* (?:on )?|consider\w* (?:another|a different)|refractory|resistant)\b"),
    ),
    "stop": (
        (1.0, r"\b(?:discontinu\w+|stop\w*|withdraw\w*|cease\w*|(?<!smoking )(?<!tobacco )cessation|deprescrib\w+|no longer (?:needed|required|"
              r"recommended|be)|taper\w* off|hold\w*|withh[eo]ld\w*)\b"),
        (0.5, r"\b(?:after|until|once)\b.{0,60}\b(?:remission|normal|resolved|negative|stable)\b"),
        # a stopping rule told by its futility: "If a patient does not respond within 4 months …,
        # it is unlikely that further administration of omalizumab will be beneficial."
        (0.9, r"\b(?:unlikely|not likely)\b[^.;]{0,40}\bfurther (?:administration|treatment|therapy|use|doses?|courses?)\b|"
              r"\b(?:does|do|did) not respond (?:with)?in \d+|\bno (?:response|benefit) (?:with)?in \d+"),
        # whether it goes on, answered by keeping or restarting it: "Continue low-dose aspirin for secondary
        # prevention … in patients with upper gastrointestinal bleeding in whom haemostasis has been achieved"
        (0.8, r"^\W*(?:continue|restart|resume|reintroduce|recommence)\b (?!to\b)(?:[\w-]+ ){0,4}?"
              r"(?:in|for|once|after|when)\b"),
        # one of two treatments kept alone is the other stopped: "… recommend continuing treatment with
        # TNFi alone compared to continuing both treatments"
        (0.8, r"\b(?:continu\w+|maintain\w*) (?:[\w-]+ ){0,4}alone\b|\b(?:than|to|with) continuing both\b"),
        # a device or a line is removed ("it is not necessary to remove the IUD during treatment")
        # ("Removal of the urinary bladder catheter should be carried out once a woman is mobile …")
        (0.8, r"\b(?:remov\w+|take out|taken out|pull\w*) (?:(?:of )?the |an? )?(?:[\w-]+ ){0,2}?(?:iud|ius|device|implant|catheter|"
              r"line|picc|stent|drain|tube|pessary|cerclage|suture|splint|cast)s?\b"),
    ),
    "monitoring": (
        # a review at a time after a procedure: "Do not offer in-person, first-day review to people after
        # uncomplicated cataract surgery"
        (0.9, r"\b(?:first|second|same|next)[- ]day (?:post-?op\w* )?(?:review|follow-?up|visit|check)s?\b|"
              r"\bday[- ]?(?:1|one) (?:post-?op\w* )?(?:review|follow-?up|visit|check)s?\b"),
        # (what is not routinely measured says less: "… are not routinely measured before elective surgery")
        # ("Clinicians should screen all young children with FSHD at diagnosis and yearly thereafter …")
        (1.0, rf"(?<!not )(?<!not routinely )\b(?:monitor\w*|surveillance|check\w*|measur\w+|test\w*|follow[- ]?up|assess\w*|"
              rf"re-?assess\w*|screen|screened|rescreen\w*)\b.{{0,60}}"
              rf"\b(?:every|each|at|before|after|within|baseline|periodic\w*|annual\w*|yearly|regular\w*|monthly|weekly|"
              rf"{_NUM} {_TIME})\b"),
        # when a test is repeated: "a repeat skeletal survey performed approximately 2 weeks after the
        # initial examination", "follow-up imaging at 6 months"
        (1.0, rf"\b(?:repeat(?:ed)?|follow[- ]?up|serial|second)\b (?:[\w/-]+ ){{0,3}}?(?:survey|imaging|scans?|"
              rf"radiographs?|x-?rays?|ultrasound|tests?|testing|study|examination|measurements?|levels?)\b.{{0,60}}?"
              rf"\b(?:{_NUM}|{_NUMBER_WORDS})(?:\s*(?:-|–|to)\s*{_NUM})? {_TIME}\b"),
        # the schedule before the act: "should undergo twice-weekly assessment for fetal well-being",
        # "annual retinal screening"
        (1.0, r"\b(?:(?:twice|once|thrice)[- ])?(?:daily|weekly|fortnightly|monthly|quarterly|annual|yearly|"
              r"\d+-(?:monthly|weekly|yearly)|6-monthly)\s+(?:[\w-]+\s+){0,2}(?:monitoring|assessments?|surveillance|checks?|"
              r"measurements?|testing|tests|reviews?|screening|scans?|ultrasounds?|cardiotocography|ctg)\b"),
        # "it is recommended that EGD be repeated after 2 years", "Repeat EGD in 2 years"
        (1.0, rf"\b(?:repeat\w*|re-?scope\w*)\b.{{0,60}}\b(?:every|after|in|within)\s+(?:{_NUM}|one|two|three|a)"
              rf"(?:\s*(?:-|–|to)\s*{_NUM})?\s+{_TIME}"),
        (0.7, r"\b(?:monitor\w*|surveillance|follow[- ]?up)\b"),
        (0.5, r"\bnot (?:routinely )?(?:measured|monitored|checked|tested|assessed)\b"),
    ),
    "threshold": (
        (1.0, rf"\b(?:if|when|whose|with|at)\b.{{0,60}}(?:<|>|≤|≥|below|above|less than|greater than|more than|"
              rf"exceed\w*|under|over|at least)\s*{_NUM}"),
        # when to deliver: "… can undergo delivery at 32 to 34 weeks of gestation", "induce at 41 weeks"
        (1.0, rf"\b(?:deliver\w*|induc\w*|birth|caesarean|cesarean|section)\b.{{0,40}}\b(?:at|by|before|after|"
              rf"beyond) {_NUM}(?:\+\d)?(?:\s*(?:-|–|to)\s*{_NUM}(?:\+\d)?)?\s*(?:weeks|wks?)\b"),
        # a measure's bound: "… an ankle-brachial index (ABI) <0.9 should have further evaluation"
        # (a symbol, not "below": a list of risk factors - "Left ventricular ejection fraction below 40%" -
        # is no threshold to act on)
        (1.0, rf"\b(?:index|score|level|value|ratio|count|concentration)\s*(?:\([A-Za-z0-9-]{{2,12}}\)\s*)?"
              rf"(?:<|>|≤|≥|<=|>=)\s*{_NUM}"),
        # a time that has to pass first: "… when dysphonia fails to resolve or improve within 4 weeks"
        (1.0, rf"\b(?:fails?|failing|failed) to (?:resolve|improve)\b.{{0,30}}\bwithin {_NUM} {_TIME}|"
              rf"\bpersist\w* (?:for )?(?:more than|longer than|beyond|over|at least) {_NUM} {_TIME}"),
        # a bound on the time to act: "early (≤2 weeks) post-operative protected weight bearing",
        # "within 2 weeks after surgery"
        (0.9, rf"\((?:≤|<|>|≥|<=|>=)\s*{_NUM}\s*{_TIME}\)|\bwithin {_NUM}(?:\s*(?:-|–|to)\s*{_NUM})? {_TIME} "
              rf"(?:of|after|following|post)\b"),
        (0.9, r"\b(?:threshold|cut-?off|trigger|indicated (?:when|if|for|in)|should (?:be )?(?:offered|started|"
              r"considered|performed|given|treated) (?:when|if|to|in)|is (?:not )?(?:required|necessary|indicated))\b"),
        # an age bound: "… among healthy men 18 years and older in high HIV prevalence settings"
        # (weak: a list of risk factors - "Age 75 years or older" - has them too)
        (0.5, rf"\b{_NUM}\s*(?:years?|yrs?)(?: of age)? (?:and|or) (?:older|over|above|younger|under|below)\b|"
              rf"\baged? {_NUM}\s*(?:years? )?(?:and|or) (?:older|over|above|younger|under)\b"),
        # a number of tries after which to stop: "If pain and/or function have not improved following
        # two corticosteroid injections, additional injections should not be used."
        (0.9, r"\b(?:not|no|failed to) (?:improved?|responded|respond|helped|benefit\w*)\b.{0,30}\b(?:after|following) "
              r"(?:one|two|three|four|\d+)\b"),
        # who qualifies: "However, if these patients have one or more additional risk factors,
        # including: i) age younger than 30 years … endoscopic ablative therapy can be considered."
        (0.9, r"\b(?:one|two|three|\d) or more (?:additional |further |of the following |other )?(?:risk factors?|"
              r"criteria|features|indications)\b.{0,300}\b(?:should|can|may|is|are) (?:be )?(?:considered|offered|"
              r"recommended|indicated|performed|referred)\b"),
        # "should I give X?" is answered by a recommendation for or against giving it
        (0.6, _FOR_OR_AGAINST),
        # "start a Pavlik now or just watch?" and "Limited evidence supports observation without a brace
        # for infants with a clinically stable hip …": whether to act or watch, in the AAOS's wording
        (0.6, r"\b(?:strong|moderate|limited) evidence supports (?:observation|watchful waiting|no (?:treatment|"
              r"intervention)|(?:the )?use of|(?:early |immediate |delayed )?(?:treatment|intervention|surgery|"
              r"operative|non-?operative))\b"),
    ),
    "diagnosis": (
        # "what counts as significant proteinuria?" is answered by its definition ("should be
        # defined as ≥0.3 g/d")
        (1.0, r"\b(?:diagnos\w+|confirm\w*|rule[sd]? (?:out|in)|criteria|test\w*|assay|biopsy|imaging|ultrasound|"
              r"defined as|definition|"
              r"ct\b|mri\b|x-ray|radiograph\w*|screen\w*|measure\w*|serolog\w+|culture)\b"),
    ),
    "first-line": (
        (1.0, r"\b(?:first[- ]line|treatment of choice|drug of choice|(?:is|are) (?:the )?(?:preferred|recommended)|"
              r"should be (?:offered|used|given|treated|started|prescribed|initiated|considered)|(?:we )?recommend\w*|"
              # "clinicians should prescribe tetrabenazine …"
              r"should (?:prescribe|offer|use|give|start|initiate)|"
              r"initial (?:therapy|treatment|management|regimen)|in preference to|"
              # "The preferred initial antibiotic therapy is intravenous piperacillin-tazobactam …"
              r"(?:preferred|first) (?:\w+ ){0,2}(?:therapy|treatment|regimen|agents?|drugs?|choice) (?:is|are|includes?))\b"),
        # NICE's imperative: "Offer a 5-day course of …", "Consider amoxicillin in preference to …"
        (1.0, r"(?:^|: )(?:offer|give|use|start|prescribe|consider)\b(?! (?:\w+ ){0,3}?(?:tests?|testing|imaging))"),
        # the AAOS's graded wording: "Moderate evidence supports early spica casting … for children age six
        # months to five years"
        (0.9, r"\b(?:strong|moderate|limited) evidence supports\b"),
        # what not to give answers a first-line question less plainly than what to give
        (0.7, _FOR_OR_AGAINST),
        (0.6, r"\b(?:treat\w*|therap\w+|manag\w+|regimen|administer\w*|offer\w*|prescrib\w+|give\w*)\b"),
    ),
}


@functools.cache
def _compiled(aspect: str) -> tuple[tuple[float, re.Pattern[str]], ...]:
    return tuple((w, re.compile(p)) for w, p in _CUES.get(aspect, ()))


def aspect_bonus(aspect: str, sentence: str) -> float:
    """How plainly ``sentence`` states ``aspect`` (0 when it does not, 1 when it does)."""
    low = without_declined(_DATED.sub(" ", sentence.lower()))
    return max((w for w, p in _compiled(aspect) if p.search(low)), default=0.0)


# "[new 2015]", "[2008, amended 2015]": when a recommendation was written, no value it states
_DATED = re.compile(r"\[(?:new |updated |amended )?(?:19|20)\d\d(?:,? (?:amended|updated) (?:19|20)\d\d)?\]")
# "… but information is insufficient to recommend long-term use", "Data are insufficient to make
# recommendations regarding …": a recommendation declined is none.
_DECLINED = re.compile(r"\b(?:insufficient|inadequate|not enough|too limited|unable|cannot|can ?not)\s+"
                       r"(?:[\w-]+\s+){0,3}?(?:to\s+)?(?:make\s+)?(?:a\s+|any\s+)?recommend\w*|"
                       r"\bno (?:[\w-]+ )?recommendations?\b", re.I)


def without_declined(text: str) -> str:
    """``text`` without the recommendations it declines to make."""
    return _DECLINED.sub(" ", text)


# "The Task Force recommends testing for recurrence …", "… recommends screening …": a
# recommendation to test or watch, which answers a monitoring or diagnosis question, not which
# treatment to choose.
_TESTING = re.compile(
    r"\b(?:recommend\w*|suggest\w*|should(?: be)?|advise\w*)\s+(?:that\s+)?(?:\w+\s+){0,2}?(?:against\s+)?"
    r"(?:testing|screening|monitoring|measur\w+|imaging|surveillance|follow-?up|evaluation|assessment|"
    r"(?:be )?(?:tested|screened|monitored|measured|imaged|evaluated|assessed))\b")
# "Do not routinely offer microbiological tests to …", "Obtain blood cultures before …",
# "… neuroimaging is indicated to identify a structural etiology."
_TESTING_ACTION = re.compile(
    r"\b(?:offer|perform|order|obtain|request|send|take)\s+(?:\w+\s+){0,3}?(?:tests?|testing|screening|imaging|"
    r"cultures?|x-?rays?|radiographs?|scans?|biops(?:y|ies)|serolog\w+)\b|"
    r"\b(?:(?:neuro)?imaging|ct|mri|ultrasound|ultrasonography|radiograph\w*|x-?rays?)\b(?= (?:\w+ ){0,3}"
    r"(?:is|are|should be|may be) (?:usually )?(?:indicated|recommended|appropriate|performed|obtained))|"
    # "Amniocentesis should be offered to identify T. gondii in the amniotic fluid …": done to find out
    r"\b(?:offered|performed|done|obtained|undertaken) (?:\w+ ){0,3}?to (?:identify|detect|diagnose|confirm|exclude|"
    r"rule out)\b|"
    # "Single-step polymerase chain reaction (PCR) testing … should not be used if CDI is suspected": a
    # sentence about a test
    r"^\W*(?:[\w()-]+ ){0,7}?(?:testing|assays?|test panels?)\b(?: \([^)]*\))?(?: \w+){0,12}? (?:should|is|are|occurs|"
    r"may|can)\b")
_TREATMENT_ASPECTS = frozenset({"first-line", "alternative", "starting-dose"})


def recommends_testing_for(aspect: str, sentence: str) -> bool:
    """Whether ``sentence`` recommends a test or follow-up where ``aspect`` asks for a
    treatment (a first-line or alternative choice, a starting dose)."""
    low = sentence.lower()
    return aspect in _TREATMENT_ASPECTS and bool(_TESTING.search(low) or _TESTING_ACTION.search(low))
