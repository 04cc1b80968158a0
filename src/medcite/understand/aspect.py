"""The aspect a clinical question asks about: the choice of first treatment, a starting dose,
a titration or taper, a target value, a duration, an alternative when first-line fails or
cannot be used, when to stop, monitoring, a threshold for acting, or diagnosis.

Read from clinicians' own phrasing ("what dose to start?", "how long do I treat?", "goal
INR?", "allergic to PCN - what instead?", "when can I stop the bisphosphonate?").
The first rule that matches decides; the order puts the specific before the general
("how long to continue the starting dose" is a duration; "what if metformin fails" an
alternative, though it names a first-line drug). Pure.
"""

from __future__ import annotations

import re
from typing import Literal

Aspect = Literal["first-line", "starting-dose", "titration", "target", "duration", "alternative", "stop",
                 "monitoring", "threshold", "diagnosis", "general"]
ASPECTS: tuple[Aspect, ...] = ("first-line", "starting-dose", "titration", "target", "duration", "alternative",
                               "stop", "monitoring", "threshold", "diagnosis", "general")

# "allergic asthma", "allergic rhinitis": a disease's type, no allergy to a treatment
_ALLERGIC_DISEASE = (r"(?! (?:asthma|rhinitis|conjunctivitis|contact|bronchopulmonary|fungal|march|eczema|alveolitis|"
                     r"disease|airway))")

# What a test is called at the bedside ("an echo", "a proper hearing test", "a CT A/P")
_TEST_WORDS = (r"(?:tests?|testing|echo|echocardiogram|echocardiography|scans?|ct|cta|mri|ultrasound|us|uss|x-?rays?|xr|"
               r"imaging|biops(?:y|ies)|audiograms?|audiology|ecg|eeg|dxa|dexa|mammograms?|endoscopy|colonoscopy|"
               r"ogd|bloods|skeletal survey|investigations?|work-?up)")

_RULES: tuple[tuple[Aspect, re.Pattern[str]], ...] = (
    ("alternative", re.compile(
        r"\b(?:alternatives?|instead|second[- ]line|third[- ]line|refractory|resistant|non-?responders?|"
        r"(?:not|no|poorly|didn'?t|doesn'?t|did not|does not|failed to) respond\w*|failed|fails|failing|failure of|"
        r"(?:if|when|after) .{0,40}(?:fails?|not (?:work|tolerat\w*|possible|an option|available)|contraindicated)|"
        r"can'?t (?:take|use|tolerate|have|get)|cannot (?:take|use|tolerate|have|receive)|unable to (?:take|tolerate|use)|"
        # "too frail for BR or DRC - what's a gentler option?": first-line is for the fit
        r"too (?:frail|unwell|sick|old) (?:for|to)|(?:not |un)fit (?:enough )?for|(?:gentler|kinder|less (?:toxic|intensive|"
        r"aggressive)|milder|softer) (?:option|regimen|treatment|therapy|alternative|approach|chemo\w*)s?|"
        r"intoleran\w*|(?:is|are|if|when) contraindicated|allerg\w+ to|other options?|what else|next step|what next|plan b|anything better than|better (?:option|alternative|choice) than|"
        rf"allergic(?! reaction){_ALLERGIC_DISEASE}|"
        # "is there anything else with some evidence I can try?"
        r"anything else\b[^?]{0,40}\b(?:try|give|use|offer|prescribe)\b|"
        r"(?:won'?t|will not|doesn'?t|does not|don'?t) (?:cover|pay for)|not covered|can'?t afford|unavailable|"
        r"not available|(?:in )?shortage|back-?ordered|"
        r"switch(?:ed|ing)? to|add-?on|"
        # "can we switch him to Ozurdex?"
        r"(?:can|could|should|shall|do) (?:i|we|you) (?:switch|change|move) (?:him|her|them|it|the patient|pt) "
        r"(?:over )?(?:to|onto)\b|"
        # "what do we switch his feeds to?", "what can I change her to?"
        r"(?:what|which \w+) (?:do|should|can|could|would) (?:i|we|you) (?:switch|change|swap|move|convert) "
        r"(?:[\w'-]+ ){0,3}(?:to|onto)\b|next (?:best )?(?:med|medication|drug|step|option|line|agent|regimen|choice|abx|"
        r"drop|cream|ointment|inhaler|pill|tablet|injection|treatment|therapy|antibiotic)s?|"
        r"(?:try|use|give|add|start|offer|do|go with|go (?:on )?to|move (?:on )?to|switch to)\s+next\b|(?:what|which) (?:drug|med|medication|treatment|agent|option|antibiotic|therapy|regimen)s? next\b|"
        # what first-line treatment did not do: "PPI hasn't worked - what drug next?"
        r"(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|isn'?t|is not|wasn'?t|was not) (?:really )?"
        r"(?:worked|working|helped|helping|effective|enough)|"
        # "… controlled on calcium acetate but Ca high. what binder now?", "can I use cipro? if not what?"
        r"what (?:[\w-]+ ){0,2}now|if not,? (?:what|which))\b",
        re.I)),
    # How to come off a treatment is a taper, asked before when to stop ("how should the
    # antidepressant be discontinued?")
    ("titration", re.compile(
        r"\bhow (?:should|do|can|is|are|to)\b(?: \w+){0,5}? (?:be )?(?:discontinued|stopped|withdrawn|tapered|"
        r"weaned|come off|stop)\b|"
        # how long the taper takes is its schedule: "taper over how long?", "how long to wean her?"
        r"\b(?:taper\w*|wean\w*)\b(?: \w+){0,3}? (?:over )?how long\b|\bhow long (?:to|should (?:i|we|you)) "
        r"(?:taper|wean)\b", re.I)),
    ("stop", re.compile(
        r"\b(?:when (?:to|can (?:i|we|you|he|she|they|the patient|pt)|should (?:i|we|you|it|they|he|she)) "
        r"(?:stop|discontinue|d/?c|hold|come off)|ok to (?:stop|discontinue|d/?c|come off|hold)|"
        r"should (?:i|we|you) (?:stop|discontinue|hold|d/?c)|time to (?:stop|discontinue)|"
        r"tak(?:e|ing) (?:him|her|them|the patient|pt) off|discontinue or continue|continue or discontinue|"
        r"(?:stop|stopping|discontinu\w+|deprescrib\w+|withdraw\w*|hold(?:ing)?|wean(?:ing)? off|come off|d/c)"
        r"(?: the| his| her| their)? .{0,40}\b(?:when|after|if|safe|once)|can (?:i|we|you|he|she) stop|"
        r"safe to stop|stopping rules?|how long before stopping|drug holiday|keep (?:going|it going)|continue or stop|"
        # a device or line: "does the IUD need to come out?", "when would I pull it?"
        r"(?:need|have) to come out|(?:need|have) to be (?:removed|taken out|pulled)|should (?:it|the \w+) be removed|"
        r"when (?:would|should|do|can) (?:i|we|you) (?:pull|remove|take out) (?:it|the \w+)|"
        r"(?:ok|okay|safe|fine) to (?:take|pull|get|have) (?:it|them|this|that|(?:the|her|his) [\w-]+) out\b|"
        r"(?:just |still )?keep (?:taking|using) (?:it|them|this|the \w+)|"
        r"stop or continue|"
        # "FY1 has held his aspirin - keep it stopped for now or restart it?": whether it goes on
        r"keep (?:it|them|this|that|(?:the|his|her) [\w-]+) (?:stopped|off|held|withheld)\b|\bor (?:restart|resume)\b|"
        r"\bwhen (?:to|can (?:i|we|you)|should (?:i|we|you)) (?:restart|resume)\b|"
        r"(?:still|any longer) (?:need|needed|indicated)"
        # ("do we still need a CT A/P?", "a proper hearing test?" ask whether to do a test)
        rf"(?! (?:an? |the |any )?(?:[\w-]+ ){{0,2}}?{_TEST_WORDS}\b)|"
        # "push on another few months or stop it?", "any point carrying on with that?"
        r"(?:push|press|carry|keep|soldier) on\b[^?]{0,40}\bor (?:stop|d/?c|discontinue|abandon|give up)\b|"
        r"(?:any|is there (?:any )?|what(?:'s| is) the) point (?:in )?(?:carrying on|continuing|keeping (?:on|going|up)|"
        r"going on)\b|does (?:she|he|the patient|pt) need any more|"
        r"when (?:can|should|may|is|are) .{0,60}\b(?:be )?(?:stopped|discontinued|withdrawn|held))\b|"
        r"\bwhen (?:can|should|may|do|does|is|are)\b.{0,60}\b(?:stop|end|cease)\b|"
        # "when can we turn the lights off?", "take her off it": ending what is running
        r"\bwhen (?:can|should|may|do|to)\b.{0,40}\b(?:turn|switch|take)\b.{0,30}\boff\b|"
        r"\bat what (?:[\w-]+ ){0,3}(?:should|can|do|does|is|are)\b.{0,60}\b(?:stop\w*|discontinu\w+|withdrawn?)\b|"
        r"\b(?:discharg\w+|graduat\w+) (?:\w+ ){0,3}from (?:treatment|therapy|care|the programme|the program)\b|"
        r"\bok to (?:discharge|stop|d/?c)\b", re.I)),
    ("duration", re.compile(
        r"\b(?:how long|duration|for how many (?:days|weeks|months|years)|length of (?:treatment|therapy|course)|"
        r"how much longer|how many more (?:days|weeks|months)|extend (?:the )?(?:course|abx|antibiotics?|treatment) "
        r"(?:for|by|to) how|"
        r"total course|how long a course|\d+ (?:or|vs\.?|versus) \d+ (?:days?|weeks?|months?)|"
        r"how many (?:days|weeks|months|years|yrs?|wks?|mos)(?! (?:a|per|each|every) (?:week|wk|day|month))|"
        r"(?:course|treatment|therapy) length|"
        # "is that still relevant 8 yrs on?": how long a precaution lasts
        r"(?:still|even) (?:relevant|needed|necessary|required|apply|applies|matter)\b[^?]{0,20}\b\d+ "
        r"(?:yrs?|years?|mos?|months?) (?:on|later|after)|(?:\d+|seven|ten|five|fourteen)"
        r"[- ](?:day|week|month)s? (?:vs\.?|or|versus) (?:\d+|seven|ten|five|fourteen)[- ](?:day|week|month)s?)\b",
        re.I)),
    ("titration", re.compile(
        r"\b(?:titrat\w*|up-?titrat\w*|taper\w*|wean\w*|increase the dose|dose (?:increase|escalation)|"
        # "how much should I bump the dose?", "up the dose by how much?"
        r"bump\w* (?:it |up )?(?:the |his |her )?(?:dose|dosing)|bump (?:it|him|her) up|up the dose|"
        r"max(?:imum)? (?:daily )?dose|how (?:quickly|fast|soon) (?:can|should|do) (?:i|we|you) (?:increase|go up|"
        r"uptitrate|titrate|escalate)|go up to what|increase (?:it )?to what|"
        r"(?:keep|continue|stay) (?:on )?(?:the |her |his )?same (?:[\w-]+ )?dose|dose adjust\w*|adjust\w* (?:the )?dose|"
        r"(?:reduce|lower|halve|cut|drop|decrease) (?:the |his |her )?(?:[\w-]+ )?dose|renally dose|renal dos\w+|"
        r"escalat\w*|step[- ]?(?:up|down)|(?:go|going) up on|how fast (?:to |can (?:i|we) )?(?:increase|reduce|lower|go up)|"
        r"how (?:do|should|can) (?:i|we|you) (?:stop|come off|discontinue|get (?:her|him|them) off)|"
        # "when and how do I stretch him to q8w?", "extend the dosing interval": a longer interval
        r"(?:stretch|extend|space)\w* (?:\w+ ){0,3}(?:to|out)\b[^?.]{0,20}\bq\s?\d+\s?(?:w|wk|wks|weeks?|d|days?)|"
        r"(?:stretch|extend|lengthen)\w* (?:the |his |her )?(?:dosing |dose |injection |treatment )?interval)\b", re.I)),
    ("target", re.compile(
        # "what temperature should the vials be stored at?": a value to keep to
        r"\bwhat temperature (?:should|do|must|to)\b[^?]{0,40}\b(?:stored|kept|store|keep|held)\b|"
        r"\b(?:stored|kept) at what temperature\b|"
        # "what clinical margin should we take?": the extent of an excision, a value to keep to
        r"\b(?:what|which|how (?:wide|big|much)(?: of)?(?: an?)?) (?:[\w-]+ ){0,2}margins?\b|"
        # ("which target has the best evidence?" for deep brain stimulation chooses a site)
        # (nor does a pump's setting: "the TCI targets", "target-controlled infusion")
        r"\b(?:(?<!which )(?<!infusion )target(?!-controlled)\w*|goals?|aim(?:ing)? (?:for|at)|keep(?:ing)? (?:the |her |his |him |them )?[\w\s]{0,20}(?:below|under|above|between)|"
        r"target range|therapeutic range|how low|treat to|get (?:him|her|them|it|levels?) (?:to|below|under)|"
        r"(?:acceptable|reasonable|ideal|safe) (?:level|range|value|sats?|bp|a1c|hba1c|glucose)|"
        r"what [\w-]+ (?:is|are) (?:acceptable|reasonable)|"
        # "what iPTH range are we trying to keep her in?"
        r"what (?!dos\w+ |dosing )(?:[\w-]+ ){1,2}range|keep(?:ing)? (?:her|him|them|it|levels?) in(?: range)?\s*\?|"
        r"(?:inr|sats?|spo2|bp|glucose|a1c|hba1c|ldl|tsh|hb|hgb|potassium|sodium) range)\b", re.I)),
    ("monitoring", re.compile(
        r"\b(?:which|what) (?:bloods?|labs?|tests?) and when\b|\bat what time ?points?\b|"
        # "does she really need a day-1 post-op review tomorrow?"
        r"\b(?:need|needs|have) (?:an? |any )?(?:[\w-]+ ){0,3}(?:review|follow-?up|check-?up|recheck)\b|"
        # "do I need a processed EEG monitor on?"
        r"\bneed (?:an? |any )?(?:[\w-]+ ){0,3}monitor(?:s|ing)? (?:on|for|during|in)\b|"
        r"\b(?:which|what) (?:[\w-]+ )?(?:bloods?|labs?|tests?) (?:does|do|should|will) (?:she|he|they|the patient|pt) "
        r"need\b[^?]{0,40}\b(?:when|time|from here)\b|\bneed (?:lfts?|labs?|bloods?|u&es?|tfts?|levels?)\b|"
        r"\bfollow (?:the )?(?:drug )?(?:levels?|labs?|bloods?)\b|"
        r"\bhow often\b.{0,60}\b(?:check\w*|test\w*|measur\w*|monitor\w*|repeat\w*|screen\w*|assess\w*|seen|"
        r"review\w*|done|performed|(?:re-?)?weigh\w*|re-?assess\w*|re-?check\w*|(?:re-?)?scan\w*|(?:re-?)?image|"
        # "how often should the sheath be changed?": a device's change interval
        r"chang(?:e|ed|ing)|replac(?:e|ed|ing)|"
        r""
        r"(?:re-?)?imaged|follow\w*|"
        # "how often do I bring him back to clinic for bloods?", "how often should she come back?"
        r"bring (?:him|her|them|the patient|pt) back|(?:come|comes|coming|be) back|see (?:him|her|them)|bloods?|labs?)\b|"
        # "when should pressure ulcer risk be assessed?": the timing of a check
        r"\b(?:anything|what) (?:else )?to (?:watch|look out) for\b|"
        r"\bwhen(?:'s| is| would| should| do| to| must)\b.{0,50}\b(?:assess\w*|check\w*|measur\w*|monitor\w*|review\w*|"
        r"re-?assess\w*|repeat\w*|re-?scope|(?:next|first|follow-up|surveillance) (?:[\w-]+ ){0,2}(?:scope|colonoscopy|"
        r"endoscopy|scan|ultrasound|mri|ct|duplex|dus|imaging|echo))\b|"
        # "when's the first scope to look for recurrence?"
        r"\b(?:look|check|screen) for (?:recurrence|relapse)\b|"
        r"\b(?:monitor\w*|follow[- ]?up|surveillance|how often (?:to |should (?:i|we|you) )?(?:check|test|measure|"
        r"repeat|screen|see|image)|recheck|labs? to (?:check|follow)|what to (?:check|follow)|check(?:ing)? levels?|"
        r"level monitoring|repeat (?:testing|imaging|labs?))\b", re.I)),
    # a choice between two tests ("home sleep apnea testing or does he need an in-laboratory
    # polysomnography?", "CT or MRI?") asks how to diagnose, whatever else it says
    ("diagnosis", re.compile(
        # "does she need an echo before she's listed?", "does he still need a proper hearing test?":
        # whether to do a test (not a threshold for treating, nor whether to stop one)
        rf"\bneeds? (?:an? |any |another |the |(?:his|her|their) )?(?!(?:repeat|follow-?up|serial|regular|routine|annual|"
        rf"yearly|further|more|ongoing)\b)(?:[\w-]+ ){{0,2}}?{_TEST_WORDS}\b(?![ -](?:guided|results?))|"
        # ("just white light + random bx, or do we need to dye-spray?": two ways to look)
        r"\b(?:testing|tests?|study|scan|imaging|polysomnography|ultrasound|ct|mri|x-?ray|biops(?:y|ies)|bx|endoscopy|"
        r"colonoscopy|chromoendoscopy|white[- ]light|dye[- ]?spray\w*)\b"
        r"[^.?]{0,60}\bor\b[^.?]{0,60}\b(?:testing|tests?|study|scan|imaging|polysomnography|ultrasound|ct|mri|x-?ray|"
        r"biops(?:y|ies)|bx|endoscopy|colonoscopy|chromoendoscopy|white[- ]light|dye[- ]?spray\w*)\b", re.I)),
    ("threshold", re.compile(
        # "from what age is sunscreen ok on babies?", "how old should she be first?"
        r"\b(?:from|after|before|until|up to) what age\b|"
        r"\bhow old (?:should|must|does|do|would|has|have) (?:he|she|they|the (?:child|baby|kid|patient)|it) "
        r"(?:be|have to be|need to be|got to be)\b|"
        r"\b(?:threshold|cut-?off|at what (?:[\w-]+ ){0,3}?(?:level|value|point|number|count|age|bp|blood pressure|"
        r"hb|hgb|hemoglobin|haemoglobin|glucose|score|interval|concentration|saturation|sats?|spo2|inr|a1c|hba1c|ldl|"
        r"egfr|crcl|temperature|temp|heart rate|hr|weight|size|gestation|gestational age|weeks?)|ok to (?:start|give|use|add|"
        r"operate|proceed|go ahead)|when (?:to|should (?:i|we|you)|do (?:i|we|you)) (?:start|begin|initiate|treat|transfuse|intubate|refer|"
        r"admit|operate|give|offer|add)|when is .{0,30}(?:indicated|needed|required)|indications? for|"
        r"should (?:i|we|you) (?:start|treat|transfuse|give|admit|refer)|(?:start|treat|transfuse) (?:if|when|at|below|above)|"
        # "what gestation are we aiming to deliver them at?", "at what week should we induce?": when to act
        r"\b(?:what|which) (?:gestation(?:al age)?|week|weeks|GA)\b.{0,40}\b(?:deliver\w*|induc\w*|section|CS)\b|"
        r"\bwhen (?:to|should (?:i|we|you)|do (?:i|we|you)) (?:deliver|induce)\b|"
        # "… her larynx looked at - now or wait longer?": when to act
        r"\bnow or (?:wait|later)\b|\bwait (?:longer|and see)\b|"
        # "do we sit tight for the results or act on the Doppler now?", "do we stent this now or not?"
        r"\b(?:sit tight|wait|hold off|watch)\b[^?]{0,60}\bor (?:act|intervene|treat|proceed|go ahead|operate)\b|"
        # "start a Pavlik now or just watch?": act now, or watch
        r"\bnow,? or (?:just |simply )?(?:watch|wait|observe|monitor|leave (?:it|him|her|them))\b|"
        r"\b(?:do|should|shall|would) (?:i|we|you) [\w-]+ (?:this|it|him|her|them)(?: now)? or not\b|"
        # "is there an EF below which ASV is a no-go?"
        r"\b(?:an?|what|which|the) [\w-]+ (?:below|above|under|over|beyond) which\b|"
        # "how soon after dx should she be referred to the pall care team?"
        # "physio asks how soon he can start taking weight through it"
        r"how soon (?:(?:he|she|they|we|i|you|the patient|pt) )?(?:after|should|to|do|can|may)\b.{0,60}\b(?:refer\w*|"
        r"start\w*|begin\w*|offer\w*|treat\w*|operat\w*)|"
        r"does (?:she|he|this|the patient|pt) (?:need|require|qualify)|need (?:a |an )?(?:transfusion|admission|"
        r"referral|treatment|tx|therapy|surgery))\b|\b(?:is|are) \w+(?: \w+)? enough\b(?! to (?:call|diagnose|confirm|make))|"
        # "is a CT indicated?", "do I need to anticoagulate?"
        r"\bis (?:a |an )?[\w-]+(?: [\w-]+)? (?:indicated|warranted|needed|necessary)\b|"
        r"\bdo (?:i|we|you) (?:need|have) to (?!check|monitor|measure|repeat|stop|taper|follow|test|recheck|screen|see|rule|"
        r"exclude)\w+|"
        # "transfuse or not?": whether to act at all
        r"\b(?:transfuse|intubate|admit|refer|anticoagulate|operate|lyse|thrombolyse|scan|image|treat|give|start|"
        r"screen|lysis|transfusion|admission|referral|abx|antibiotics?) or not\s*\?|"
        # "do I refer him for ablation or just keep scoping him?": act, or go on watching
        r"\b(?:do|should|shall|would) (?:i|we|you) (?:refer|admit|operate|transfuse|anticoagulate|ablate|biopsy|"
        r"treat|intervene|escalate)\b.{0,80}\bor (?:just |simply |only )?(?:keep|continue|carry on|stick with|"
        r"watch|wait|observe|monitor|leave)\b|"
        # "transfuse platelets first?", "lyse here?": a bare verb asks whether to do it
        r"^\W*(?:transfuse|intubate|admit|refer|anticoagulate|operate|lyse|thrombolyse|scan|image|treat|give|start|"
        r"cerclage|biopsy|screen)\b(?![^?]{0,40}\bor\b)[^?]{0,40}\?", re.I)),
    ("starting-dose", re.compile(
        r"\b(?:dos(?:e|es|age|ing)|how much(?! longer| more time| (?:weight|wt|blood|fluid|urine|time|pain|bleeding)\b)|how many (?:mg|milligrams|units|tablets)|mg/kg|loading|"
        r"starting (?:dose|regimen)|initial dose|"
        # how often a dose is given: "how many days a week?", "every 4 wks or every 3 mo?"
        r"how (?:many|often) (?:days|times|nights) (?:a|per|each|every) (?:week|wk|day|month)|"
        r"every \d+\s?(?:wks?|weeks?|mos?|months?|days?)\b[^?]{0,40}\bor\b[^?]{0,40}\bevery \d+|"
        r"dosing (?:interval|frequency|schedule)|how often (?:should|do|does|to|can) (?:(?:i|we|you|she|he|it) )?"
        r"(?:go on|be applied|apply|be given|give|be used|use) (?:it|them|this)?|"
        # "thinking celecoxib - how do I start it?": how to begin a drug is its starting dose
        r"how (?:do|should|would|can|to) (?:i |we |you )?(?:start|initiate|introduce|begin|commence) (?:it|this|that|"
        r"him|her|them|the (?:drug|med|medication|tablets?))\b|initial (?:[\w-]+ ){1,3}(?:regimen|dose|dosing)|start (?:at|on|with) (?:what|which|how)|what strength|"
        r"(?<![\w.])\d+(?:\.\d+)? or \d+(?:\.\d+)?(?= ?(?:mg|mcg|g|units?|bid|tid|od|qd|daily|twice)\b)|"
        r"(?:infusion|drip|what|which) rate(?! control)|how fast (?:to |should (?:i|we|you) )?(?:give|run|infuse|correct))\b", re.I)),
    ("diagnosis", re.compile(
        # "is there a validated questionnaire I should run on her?": a screening instrument
        r"\b(?:validated |screening |rating )?(?:questionnaire|screening tool|rating scale|screening scale|instrument)s?\b"
        r"(?=[^?]{0,60}\?)|"
        r"\b(?:(?<!newly )(?<!recently )(?<!just )diagnos\w*|(?<!newly )(?<!new )(?<!recently )(?<!just )dx|work-?up|w/u|test(?:s|ing)? (?:for|to)|which tests?|what tests?|screen\w*|"
        r"imaging|rule (?:in|out)|r/o|confirm\w*|how (?:to|do (?:i|we|you)) (?:tell|know|distinguish)|"
        r"criteria for|detect\w*|biopsy|what (?:study|studies|scan)|"
        # "should I be ordering those routinely?", "should I order the abdo US at his age?"
        r"order\w* (?:those|these|them|it|that|this)(?: \w+)? routine\w*|routine\w* (?:\w+ ){0,2}(?:ecgs?|echo\w*|"
        r"bloods?|labs?|tests?|scans?)|(?:order(?:ed|ing)?|book(?:ed)?|request(?:ed|ing)?|send(?:ing)?|sent) (?:an? |the |his |her )?(?:(?!therapeutic)[\w-]+ )?"
        r"(?:us|ultrasound|scan|ct|mri|echo|ecg|x-?ray|dxa|dexa)\b(?! guided| sessions?| therapy| treatment)|(?:ct|mri|ultrasound|us|x-?ray|v/q|cta) or|"
        # "a neg D-dimer means we can skip the CT - is that safe?": whether a test excludes it
        r"(?:neg|negative|normal)\b[^.?]{0,30}\b(?:rules? (?:it |this |that )?out|exclud\w*|means)|"
        r"skip (?:the |a |an )?(?:ct|cta|scan|mri|imaging|biopsy|echo|ultrasound|tests?|x-?ray)|"
        r"call this|can i call|rule \w+ (?:in|out)|what counts as|"
        r"(?:go|rely|depend) (?:on|by) (?:his|her|their|the patient'?s) own (?:view|report|rating|judge?ment|assessment)|"
        # "do I actually need to send all that on someone like this?": whether to test
        r"need to (?:send|order|run|do|check|get) (?:off )?(?:all )?(?:that|those|these|them|the (?:bloods|labs|tests|"
        r"screen))\b|is (?:that|this|it) (?:\w+ ){0,2}(?:already|"
        r"consistent with|enough to (?:call|diagnose)))\b|\b(?:ct|mri|cta|x-?ray|ultrasound|echo|scan)(?: head| chest| brain| abdomen| neck| spine| KUB| a/p| abdo(?:men)?(?:/| and )pelvis| c-spine)?\s*\?|"
        # "when is the best time to get the brain MRI?": when a test is done
        r"\bwhen\b.{0,40}\b(?:get|do|order|perform|obtain|send|book)\b.{0,30}\b(?:mri|ct|scan|eeg|echo|ultrasound|"
        r"imaging|biopsy|x-?ray)\b", re.I)),
    ("first-line", re.compile(
        # "AAI, VVI or DDD, which system should she get?": a device to choose
        r"\b(?:which|what) (?:[\w-]+ )?(?:system|device|mode|pacemaker|pacing mode|implant|valve|stent|graft|"
        r"prosthesis|brace|splint|dressing)s? (?:should|do|would|to|is|are)\b|"
        # "anything I can give her by mouth just before the needles …?": a treatment to choose
        r"\banything (?:i|we|you) (?:can|could|should) (?:give|use|try|offer|prescribe)\b|"
        r"\b(?:first[- ]line|1st[- ]line|initial (?:treatment|therapy|management|choice|agent|drug|antibiotic)|"
        r"treatment of choice|drug of choice|(?:which|what) (?:[\w-]+ ){0,2}(?:drug|med|medication|medicine|antibiotic|abx|agent|"
        r"treatment|therapy|regimen|anticoagulant|antiplatelet|antihypertensive|antidepressant|antiepileptic|"
        r"analgesic|insulin|inhaler|statin|class|option)s?|best (?:treatment|therapy|drug|option|management|"
        r"approach)|how (?:to|do (?:i|we|you)|should (?:i|we|you|it|they) be) (?:treat|manage)\w*|"
        r"what (?:to|do (?:i|we|you)) (?:give|start|use|prescribe)|what (?:first|1st)\b|(?:start|try|give|offer|do) first\b|"
        # "ESWL vs URS vs perc - which do I offer her first?"
        r"which (?:one )?(?:do|should|would) (?:i|we|you) (?:offer|do|choose|pick|go for|recommend)\b|"
        r"or (?:something|anything) else|\bor\b[^?]{0,30}\bfirst\s*\?|what(?:'s| is) the (?:plan|management)|"
        r"[\w-]+ of choice|preferred (?:agent|drug|treatment|option|therapy|regimen|antibiotic|abx|inhaler)|first choice|"
        r"start (?:on|her on|him on)|should (?:i|we|you) (?:give|start|use|prescribe|offer)|"
        r"empiric(?:al)? (?:abx|antibiotics?|antimicrobials?|therapy|treatment|coverage|regimen)|"
        # "abx or watchful waiting?": whether to treat at all is the first choice
        r"or (?:watchful waiting|wait(?:ing)?(?: and see)?|observ\w+|expectant management|conservative (?:management|"
        r"treatment|tx)|no (?:treatment|tx|abx|antibiotics?))|(?:watchful waiting|observation|wait and see) or)\b|"
        r"\bwhich (?:[\w-]+ ){0,3}(?:is |are )?(?:best|preferred|first|safest|recommended)\b|\bwhich (?:[\w-]+ ){0,2}[\w-]+\s*\?|"
        # "is there a med worth trying now?", "are there any drugs that help?"
        r"\b(?:is|are) there (?:an? |any )?(?:[\w-]+ )?(?:meds?|medications?|medicines?|drugs?|pills?|tablets?)\b|"
        # "should we be using meds for this?": whether to treat with drugs at all
        r"\bshould (?:i|we|you|they) (?:be )?(?:using|use|giving|give|prescribing|prescribe|trying|try|starting|start) "
        r"(?:any )?(?:meds?|medications?|medicines?|drugs?|pills?|tablets?|pharmacotherapy)\b|"
        # "… go straight to an ablation - reasonable as the first step?"
        r"\b(?:reasonable|ok|okay|appropriate|fine|right|sensible)\b[^?]{0,20}\b(?:as|for) (?:the |a |her |his )?"
        r"(?:first|1st|initial) (?:step|line|option|choice|treatment|tx|move)\b|"
        # "is that worth starting just to prevent fractures?": whether to use it at all
        r"\b(?:is|are) (?:that|this|it|they|those|these) (?:\w+ )?worth (?:starting|doing|trying|giving|using|booking|"
        r"taking|it)\b|"
        # "is WBRT worth it or do we just go comfort-focused?"
        r"\b(?:is|are) (?:(?:a|an|the) )?[\w/-]+(?: [\w/-]+)? (?:really |even )?worth (?:it|doing|trying|giving|starting)\b",
        re.I)),
    # "SSRI or SNRI?", "D5 1/2NS or D5NS?", "glargine or detemir for the basal?": a choice between
    # two treatments named in a word or two each; "is X ok or should it be Y?" the same choice.
    ("first-line", re.compile(r"(?:^\W*|[,.;:]\s+|\s[-–—]\s+)(?!(?:continue|stop|start|keep|hold|discontinue|"
                              r"treat|observe|admit|refer|wait)\b)(?:[\w/.%½-]+ )?[\w/.%½-]+ or "
                              r"(?!(?:not|no|more|less|later|sooner|never)\b|\d)(?:[\w/.%½-]+ )?[\w/.%½-]+"
                              r"(?: (?:for|as) (?:the |a |an )?[\w-]+(?: [\w-]+)?)?\s*\?\s*$|"
                              r"\b(?:ok|okay|fine|alright)\b[^?]{0,20}\bor should (?:it|she|he|they|we|i) be\b", re.I)),
    # A bare question naming what to do about it ("reversal?", "tx?", "mgmt?") asks how: which
    # treatment first.
    ("first-line", re.compile(
        r"^\W*(?:reversal|antidote|treatment|tx|management|mgmt|plan|abx|antibiotics?|analgesia|pain control|"
        r"anticoagulation choice|best (?:tx|rx))(?: here| now| first)?\s*\?\s*$", re.I)),
)
# A bare question of one or two words ("transfuse?", "lyse here?") asks whether to act - when
# nothing more specific matched ("what do I send to confirm - western blot?" asks for a test).
_BARE_QUESTION = re.compile(r"^\W*(?!(?:which|what|how|when|who|why)\b)(?:(?!(?:dose|doses|dosing|rate)\b)\w+[- ]?){1,2}"
                            r"(?: here| now| first)?\s*\?\s*$", re.I)
# Words that name treatment without asking for a choice ("how long should treatment be
# continued"): a first-line question only when nothing more specific is asked.
_TREATMENT_WORDS = re.compile(r"\b(?:treat\w*|manag\w*|therap\w*|tx|mgmt|rx|recommended)\b", re.I)


_NOW_OR_LATER = re.compile(r"\bnow or (?:wait|later)\b", re.I)
_DOSE_ASKED = re.compile(r"\bhow much\b|\bwhat dose\b|\bdose of\b", re.I)
_DIAGNOSIS_ASKED = re.compile(r"\bto (?:confirm|diagnose|make the diagnosis|rule (?:it )?(?:in|out))\b|"
                              r"\bbefore (?:i|we|you) (?:label|call|diagnose)\b", re.I)
_CHOICE_ASKED = re.compile(r"\bwhich (?:[\w-]+ ){0,2}(?:should|do|would|to|is|are)\b", re.I)


def only_a_bare_question(text: str) -> bool:
    """Whether ``text`` is a bare question of a word or two ("western blot?") and no more
    specific aspect is asked in it: what it asks is read from the clause it closes."""
    text = " ".join((text or "")[:2000].split())
    return bool(_BARE_QUESTION.search(text)) and not any(pattern.search(text) for _, pattern in _RULES)


def asked_aspect(question: str) -> Aspect:
    """The aspect ``question`` asks about; "general" when none is recognised."""
    return asked_aspects(question)[0]


def asked_aspects(question: str) -> tuple[Aspect, ...]:
    """Every aspect ``question`` asks about, the most specific first ("what do I start and
    for how long" asks for a duration and a first-line choice); ("general",) when none."""
    text = " ".join((question or "")[:2000].split())
    found = tuple(dict.fromkeys(aspect for aspect, pattern in _RULES if pattern.search(text)))
    if _BARE_QUESTION.search(text) and "threshold" not in found:
        found = (*found, "threshold")
    # "how much vit D should I give?" asks for a dose, "which inhaler should I start?" for a
    # choice, though "should I give / start" alone asks whether to.
    for aspect, cue in (("starting-dose", _DOSE_ASKED), ("first-line", _CHOICE_ASKED)):
        if aspect in found and found[0] == "threshold" and cue.search(text):
            found = (aspect, *(a for a in found if a != aspect))
    # "what dose are we aiming for?" asks for a dose, not a target value
    if found[:1] == ("target",) and "starting-dose" in found and _DOSE_ASKED.search(text):
        found = ("starting-dose", *(a for a in found if a != "starting-dose"))
    # "do I need a knee XR + ESR/CRP/RF to confirm before I label it, or is the hx enough?": whether
    # tests are needed to make the diagnosis asks how to diagnose
    if found[:1] == ("threshold",) and "diagnosis" in found and _DIAGNOSIS_ASKED.search(text):
        found = ("diagnosis", *(a for a in found if a != "diagnosis"))
    if found[:1] == ("threshold",) and _NOW_OR_LATER.search(text):
        found = tuple(a for a in found if a != "first-line")  # "now or wait longer?" is when, not which
    if not found and _TREATMENT_WORDS.search(text):
        found = ("first-line",)
    return found or ("general",)


# Why first-line cannot be used, as a question tells it and as a guideline's sentence names it:
# an alternative for an allergy is another recommendation than one for a treatment that failed.
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "the child is not allergic to penicillin" names no allergy
    ("allergy", re.compile(r"(?<!\bnot )(?<!\bno )(?<!\bnon-)(?<!\bnon)\b(?:allerg\w*+|hypersensitiv\w*+|anaphyla\w*+|"
                           rf"hives|urticari\w*+)(?! reactions\b){_ALLERGIC_DISEASE}", re.I)),
    ("intolerance", re.compile(r"\bintoleran\w*|(?:\bnot|n't|\bunable to|\bcannot) tolerat\w*|\bside[- ]effects?|"
                               r"\badverse (?:effects?|reactions?)", re.I)),
    ("failure", re.compile(r"\b(?:fail\w*|(?:no|not|poor|in(?:adequate|complete)|partial)(?:ly)? respon\w*|"
                           r"unresponsive|non-?respon\w*|refractory|resistan\w*|unsuccessful|ineffective|"
                           r"still (?:positive|\+|symptomatic|present)|not (?:at goal|controlled|working|improv\w*)|"
                           r"uncontrolled)", re.I)),
    # "on phenelzine … so anaesthetist won't give pethidine": a reason not to use it
    ("contraindication", re.compile(r"\bcontraindicat\w*|\b(?:won'?t|will not|can'?t|cannot|shouldn'?t|should not) "
                                    r"(?:give|use|prescribe|have)\b|"
                                    # "… thalassaemia intermedia, so RBV is out": it cannot be used
                                    r"\b[\w/+-]{2,40} (?:is|are) (?:out(?! of\b)|off the table|not an option)\b", re.I)),
    # "too frail for BR or DRC" and "Chlorambucil remains suitable therapy in elderly frail patients"
    ("frailty", re.compile(r"\b(?:frail\w*|not fit (?:enough )?for|unfit|poor performance status)", re.I)),
    # "keeps missing the midday doses" and "especially in patients with reduced compliance"
    ("adherence", re.compile(r"\b(?:(?:keeps?|kept) (?:missing|forgetting)|miss(?:es|ed|ing)? (?:\w+ ){0,3}doses?|"
                             r"forg(?:ets|ot|etting) (?:\w+ ){0,3}doses?|(?:poor|reduced|low|non-?)[- ]?(?:compliance|"
                             r"adherence)|non-?complian\w*|non-?adheren\w*)", re.I)),
)


def alternative_reasons(text: str) -> frozenset[str]:
    """Why a first-line treatment cannot be used, as ``text`` names it: "allergy", "intolerance",
    "failure", "contraindication" or "adherence" ("mom says amoxicillin gave her hives" is an allergy once
    written out; "In the event of allergy to amoxicillin, azithromycin …")."""
    text = (text or "")[:4000]
    return frozenset(name for name, pattern in _REASONS if pattern.search(text))
