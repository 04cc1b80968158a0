"""Special populations: how sources name them, and how to search for them."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from ..retrieve.analyze import analyze
from ..retrieve.query import load_abbreviations

# population key (PatientContext.populations()) -> (pattern over source text, search words, label)
POPULATIONS: dict[str, tuple[re.Pattern[str], str, str]] = {
    "pregnancy": (re.compile(r"\b(pregnan\w*|gestation\w*|fetus|fetal|foetal|teratogen\w*|trimester)\b", re.I),
                  "pregnancy pregnant women fetal risk", "pregnancy"),
    "lactation": (re.compile(r"\b(lactat\w+|breast-?fe\w+|breast milk|human milk|nursing (mothers?|women|infants?))\b", re.I),
                  "lactation breastfeeding breast milk", "breastfeeding"),
    "children": (re.compile(r"\b(child(ren|hood)?|p(a)?ediatric\w*|infants?|neonat\w+|newborns?|adolescen\w+|juvenile)\b", re.I),
                 "children pediatric patients", "children"),
    "older adults": (re.compile(r"\b(elderly|geriatric|older (adults|patients|people)|aged (65|75)|age (65|75)|"
                                r"aged (?:≥\s*)?(?:6\d|[7-9]\d)(?: years)? (?:or|and) (?:older|over)|"
                                r"(?:6[05]|7[05]|80) years (?:of age )?(?:or|and) (?:older|over))\b|"
                                r"(?:≥|>)\s*(?:6[05]|7[05]|80) (?:years|y)\b", re.I),
                     "elderly geriatric older patients", "older adults"),
    "renal impairment": (re.compile(r"\b(renal (impairment|insufficiency|failure|function|disease)|kidney (disease|impairment|failure)|"
                                    r"creatinine clearance|dialysis|eGFR|CrCl)\b", re.I),
                         "renal impairment kidney function dose adjustment", "renal impairment"),
    "hepatic impairment": (re.compile(r"\b(hepatic (impairment|insufficiency|failure|disease|function)|liver (disease|impairment|failure)|"
                                      r"cirrhosis|child-pugh)\b", re.I),
                           "hepatic impairment liver disease", "hepatic impairment"),
}

# What a question's stated population ("adults", "pregnancy") maps to.
_ASKED = {
    "pregnan": "pregnancy", "lactat": "lactation", "breast": "lactation", "child": "children",
    "infant": "children", "neonat": "children", "adolescent": "children", "pediatric": "children",
    "elderly": "older adults", "older": "older adults",
}
_ADULT = re.compile(r"\badults?\b", re.I)
_POSTPARTUM = re.compile(r"\b(?:post-?partum|puerper\w*|after (?:the )?(?:birth|delivery|childbirth))\b", re.I)
# Before a pregnancy: "women with diabetes who are planning to become pregnant" are not pregnant.
_PRECONCEPTION = re.compile(r"\b(?:(?:who are |are )?(?:planning|considering|contemplating|trying)(?: to (?:become|get) pregnant| "
                            r"(?:a |for )?pregnancy| to conceive)|pre-?conception(?:al)?|before (?:conception|pregnancy))\b", re.I)


def mentions(text: str) -> set[str]:
    """Special populations a sentence talks about."""
    return {key for key, (pattern, _, _) in POPULATIONS.items() if pattern.search(text)}


def speaks_of_others(text: str, own: set[str], adult: bool = False) -> bool:
    """True when a sentence names a special population other than ``own`` (the asked
    population and the patient's). A sentence naming adults beside children ("patients
    (adults and children) who …") includes an adult patient."""
    named = mentions(text)
    if named and (adult or own & {"adults", "older adults"}) and _ADULT.search(text):
        named.discard("children")
    return bool(named - own)


def asked_population(population: str) -> str:
    low = population.lower()
    for stem, key in _ASKED.items():
        if low.startswith(stem) or f" {stem}" in f" {low}":
            return key
    return "adults" if _ADULT.search(low) else ""


def mismatch(text: str, asked: str) -> bool:
    """True when a sentence is about another population than the one asked for
    (a children-only statement for a question about adults, and vice versa); False when no
    population is asked (``asked`` empty)."""
    found = mentions(text)
    if asked == "adults":
        return "children" in found and not _ADULT.search(text)
    if asked == "children":
        return (bool(_ADULT.search(text)) or "older adults" in found) and "children" not in found
    if asked == "pregnancy":
        # a recommendation for people of 60 and over is not one for pregnancy (one about the
        # newborn is: obstetric guidelines speak of neonates)
        # nor is one for after the birth ("non-severe postpartum hypertension")
        if "pregnancy" in found and _PRECONCEPTION.search(text):
            # pregnant only in "planning to become pregnant": a recommendation before conception
            found = mentions(_PRECONCEPTION.sub(" ", text))
            return "pregnancy" not in found
        return ("older adults" in found or bool(_POSTPARTUM.search(text))) and "pregnancy" not in found
    if asked == "older adults":
        return "children" in found and "older adults" not in found and not _ADULT.search(text)
    return False


_MATERNAL = re.compile(r"\b(?:wom[ae]n|maternal|mothers?|maternity|obstetric\w*|antenatal|prenatal|perinatal)\b", re.I)


def title_mismatch(title: str, asked: str) -> bool:
    """Whether a document's title is for another population than ``asked``: as ``mismatch``,
    and a guideline on infants and children is not one for a pregnancy ("WHO guideline: daily
    iron supplementation in infants and children" for a woman at 24 weeks)."""
    if asked == "pregnancy" and "children" in mentions(title) and not _MATERNAL.search(title):
        return "pregnancy" not in mentions(title)
    return mismatch(title, asked)


# Within one condition, the kinds a guideline gives different advice for: its course (acute
# or chronic), its severity, whether it is complicated, whether the patient is haemodynamically
# stable. Each axis: value -> pattern over lower-cased text.
_KINDS: dict[str, dict[str, re.Pattern[str]]] = {
    "course": {"acute": re.compile(r"\b(?:acute|subacute)\b"), "chronic": re.compile(r"\bchronic\b")},
    "severity": {
        "mild": re.compile(r"\bmild\b|\bnon-?severe\b"),
        "moderate": re.compile(r"\bmod(?:erate)?\b(?! (?:quality|certainty|strength|evidence|recommendation))|"
                               r"\bnon-?severe\b"),
        "severe": re.compile(r"(?<!non-)(?<!non )\bsevere\b(?! (?:adverse|side|hypoglyc|harm|bleed))|\bfulminant\b"),
    },
    "complication": {"uncomplicated": re.compile(r"\buncomplicated\b"),
                     "complicated": re.compile(r"(?<!un)\bcomplicated\b")},
    # active disease ("flare", "to induce remission") or disease in remission ("maintenance of
    # remission", "surgically induced remission"): Crohn's, colitis, lupus guidelines split on it
    "activity": {"active": re.compile(r"\b(?:flar(?:e|es|ing)|active (?:disease|crohn\w*|colitis|uc|cd)|"
                                      r"induc(?:e|es|ing|tion) (?:of )?remission|to induce)\b"),
                 "remission": re.compile(r"\b(?:in remission|remitted|(?:maintenance|maintain\w*) (?:of )?remission|"
                                         r"(?:surgically|medically) induced remission|quiescent)\b")},
    # the phenotype a pharmacogenetic guideline advises for ("CYP2D6 ultrarapid metabolizer … codeine?")
    "metabolizer": {"ultrarapid": re.compile(r"\bultra-?rapid (?:metaboli[sz]\w+|phenotype)"),
                    "rapid": re.compile(r"(?<!ultra)(?<!ultra-)\brapid (?:metaboli[sz]\w+|phenotype)"),
                    "normal": re.compile(r"\b(?:normal|extensive) (?:metaboli[sz]\w+|phenotype)"),
                    "intermediate": re.compile(r"\bintermediate (?:metaboli[sz]\w+|phenotype)"),
                    "poor": re.compile(r"\bpoor (?:metaboli[sz]\w+|phenotype)")},
    # Barrett's oesophagus without dysplasia, or with it (and what is done for it: EMR)
    "dysplasia": {"non-dysplastic": re.compile(r"\b(?:non-?dysplastic|no dysplasia|without dysplasia|ndbe|"
                                               r"negative for dysplasia)\b"),
                  "dysplastic": re.compile(r"(?<!non-)(?<!non)\b(?:dysplastic|(?:low|high)[- ]grade dysplasia|hgd|lgd|"
                                           r"emr|endoscopic mucosal resection|intramucosal)\b")},
    "stability": {"stable": re.compile(r"\b(?:ha?emodynamically stable|bp (?:stable|ok|fine|normal)|normotensive)\b"),
                  "unstable": re.compile(r"\b(?:ha?emodynamic(?:ally)? (?:instability|unstable|compromise)|"
                                         r"ha?emodynamically unstable|unstable|shock|hypotensive)\b")},
    # a joint that holds or gives: "hips feel stable" and "… treatment of an unstable hip"
    "joint": {"stable": re.compile(r"\b(?:clinically )?stable (?:hip|joint|knee|shoulder|ankle)s?\b|"
                                   r"\b(?:hip|joint|knee|shoulder|ankle)s? (?:feel|felt|are|is|was|were|remain\w*) stable\b"),
              "unstable": re.compile(r"\bunstable (?:hip|joint|knee|shoulder|ankle)s?\b|\b(?:hip|joint|knee|shoulder|ankle)s? "
                                     r"(?:feel|felt|are|is|was|were) unstable\b")},
}


# "pain 9/10", "8/10 pain", "pain score 7": how severe the pain a vignette reports is.
_PAIN_SCORE = re.compile(r"\bpain(?: score)?(?: of)? (\d{1,2})(?:\s*/\s*10)?\b|\b(\d{1,2})\s*/\s*10 pain\b")


def _pain_score_severity(question: str) -> set[str]:
    """The severity a pain score on a 0-10 scale stands for (7 and over severe, 4-6 moderate,
    1-3 mild), as guidelines grade pain; empty when the question gives none."""
    m = _PAIN_SCORE.search(question)
    if not m:
        return set()
    score = int(m.group(1) or m.group(2))
    if not 1 <= score <= 10:
        return set()
    return {"severe"} if score >= 7 else {"moderate"} if score >= 4 else {"mild"}


_MATERNITY_SAID = re.compile(r"\b(?:pregnan\w*|post-?partum|puerper\w*|gestation\w*|antenatal|breast-?fe\w*|lactat\w*|"
                            r"deliver\w*|G\d+\s?P\d+|\d{1,2}\+\d|\d{1,2}/40|trimester)\b|\bat \d{1,2} ?w(?:ee)?ks\b", re.I)


def maternity_conflict(question: str, sentence: str) -> bool:
    """True when the sentence is for pregnancy or the weeks after birth and the question says
    nothing of either ("… the lamotrigine dose should be reduced early in the puerperium" for a
    38-year-old on lamotrigine who is not pregnant)."""
    return (bool(_POSTPARTUM.search(sentence) or "pregnancy" in mentions(sentence))
            and not _MATERNITY_SAID.search(question))


# A sentence for one sex only: "Women taking antipsychotics during pregnancy …", "Men with …".
# (Not "mothers": a paediatric sentence advises the mother of a baby boy.)
_WOMEN = re.compile(r"\b(?:wom[ae]n|girls?|females?)\b", re.I)
_MEN = re.compile(r"\b(?:(?<!wo)m[ae]n|boys?|(?<!fe)males?)\b", re.I)


def sex_conflict(sex: str | None, age_years: float | None, sentence: str) -> bool:
    """True when the sentence is for a group this patient cannot be in: pregnancy, the weeks
    after birth, breastfeeding or women only for a man ("Women taking antipsychotics during
    pregnancy should be … monitored for blood glucose" for a 25-year-old man starting
    olanzapine), men only for a woman. Never a bottom line for them. (A boy may be breastfed.)"""
    women, men = bool(_WOMEN.search(sentence)), bool(_MEN.search(sentence))
    if sex == "male":
        if women and not men:
            return True
        adult = age_years is None or age_years >= 12
        return adult and bool(_POSTPARTUM.search(sentence) or mentions(sentence) & {"pregnancy", "lactation"})
    return sex == "female" and men and not women


def kind_conflict(question: str, sentence: str) -> bool:
    """True when the sentence is for another kind of the condition than the question names
    (chronic low back pain for "acute low back pain x 1 wk", severe CDI for "mild-mod CDI",
    haemodynamic instability for "BP stable"): a neighbouring population, never the bottom line
    when a sentence for the asked kind exists."""
    q, s = question.lower(), sentence.lower()
    for name, axis in _KINDS.items():
        asked = {k for k, p in axis.items() if p.search(q)}
        if name == "severity" and not asked:
            asked = _pain_score_severity(q)
        said = {k for k, p in axis.items() if p.search(s)}
        if asked and said and not asked & said:
            return True
    return False


# A test or finding the question reports normal ("MCA PI normal", "anatomy scan was normal") and
# one a sentence is for when abnormal ("an abnormal middle cerebral artery Doppler", "If MCA
# Doppler is abnormal"): the words naming it, at most four.
_NORMAL_FINDING = re.compile(r"((?:[\w/-]+\s+){0,3}[\w/-]+)\s+(?:(?:was|is|are|were|came back)\s+)?"
                             r"(?:normal|nl|wnl|unremarkable)\b", re.I)
_ABNORMAL_FINDING = re.compile(r"\babnormal\s+((?:[\w/-]+\s+){0,3}[\w/-]+)|"
                               r"\b((?:[\w/-]+\s+){0,3}[\w/-]+)\s+(?:is|are|was|were|becomes?)\s+abnormal\b", re.I)
# Words that say how a finding is measured, not which one it is.
_MEASURE_WORDS = frozenset(analyze("doppler pi pulsatility index scan scans test tests result results study level levels "
                                   "value values finding findings reading if when with the a an in of"))


def _finding_stems(words: str, abbreviations: dict[str, tuple[str, ...]]) -> set[str]:
    """The stems naming a finding, an abbreviation also by what it may stand for ("MCA")."""
    out: set[str] = set()
    for word in words.split():
        out |= set(analyze(word))
        for expansion in abbreviations.get(word, ()):
            out |= set(analyze(expansion))
    return out - _MEASURE_WORDS


@functools.lru_cache(maxsize=64)
def _reported_normal(question: str) -> frozenset[str]:
    """The stems of the findings ``question`` reports normal (read once per question, not once
    per candidate sentence)."""
    table = load_abbreviations()
    return frozenset().union(*(_finding_stems(m.group(1), table) for m in _NORMAL_FINDING.finditer(question[:4000])))


def normal_finding_conflict(question: str, sentence: str) -> bool:
    """True when the sentence is for a finding being abnormal that the question reports normal
    ("MCA PI normal" and "In the term SGA fetus …, an abnormal middle cerebral artery Doppler …
    should be used to time delivery"): another patient's recommendation."""
    if "abnormal" not in sentence.lower():
        return False
    normal = _reported_normal(question)
    if not normal:
        return False
    table = load_abbreviations()
    for m in _ABNORMAL_FINDING.finditer(sentence[:2000]):
        said = _finding_stems(m.group(1) or m.group(2), table)
        if said and said <= normal:
            return True
    return False


# A measurement the question states: "PMN 410/mm3", "plt 35k", "Na 116", "eGFR 28" (the name, then
# its value; "k" for thousands).
_STATED_VALUE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9-]{1,11})\s?(?:of |= ?|: ?|was |is |now |at |~ ?)?"
                           r"(\d+(?:\.\d+)?)(k\b)?(?![\d.:/]*\d)(?!\s?(?:mg|mcg|g|units?|iu|ml|mL|tabs?|x|y|yo|yrs?|"
                           r"years?|wks?|weeks?|d|days?|mo|months?|h|hrs?|hours?|min)\b)")
# ... and the range a sentence restricts itself to: "PMN counts less than 250 cells/mm3", "a
# platelet count ≥ 50 × 10⁹/L"
_BOUND = (r"(?:\w+\s){0,2}?(?:of\s)?(less than or equal to|less than|lower than|below|under|fewer than|<|≤|=<|"
          r"greater than or equal to|at least|≥|>=|greater than|more than|higher than|above|over|exceeding|>)\s?"
          r"(\d+(?:[.,]\d+)?)")
_BELOW = frozenset({"less than", "lower than", "below", "under", "fewer than", "<"})
_AT_MOST = frozenset({"less than or equal to", "≤", "=<"})
_AT_LEAST = frozenset({"greater than or equal to", "at least", "≥", ">="})
# Bare words that name no measurement ("age 70" is the patient's age; "grade 3", "stage 2" kinds)
_NOT_MEASURED = frozenset("age aged grade stage type class day days week weeks year years g p gravida para "
                          "since for in on at x and or".split())


def value_fit(question: str, sentence: str) -> bool | None:
    """Whether the question's stated value of a measurement falls in the range the sentence
    restricts itself to ("PMN 410/mm3" and "… PMN counts greater than or equal to 250 cells/mm3 …":
    True; "… less than 250 …": False); None when the sentence bounds none of the measurements the
    question states. Values more than twentyfold apart are taken for other units and not compared."""
    low = sentence[:2000]
    fit: bool | None = None
    for m in _STATED_VALUE.finditer(question[:4000]):
        name = m.group(1)
        if name.lower() in _NOT_MEASURED or name.isdigit():
            continue
        value = float(m.group(2)) * (1000 if m.group(3) else 1)
        for b in re.finditer(rf"(?<![\w-]){re.escape(name)}s?\b\s?" + _BOUND, low, re.I):
            op, bound = b.group(1).lower(), float(b.group(2).replace(",", ""))
            if not bound or not 0.05 <= value / bound <= 20:
                continue
            inside = (value < bound if op in _BELOW else value <= bound if op in _AT_MOST
                      else value >= bound if op in _AT_LEAST else value > bound)
            if not inside:
                return False
            fit = True
    return fit


# Groups a recommendation can be restricted to that the special-population table does not
# cover: a sentence for people living with HIV or transplant recipients is another population's
# for a question that names neither.
_RESTRICTED = re.compile(r"\b(?:HIV(?:\+|-positive| positive|-infected| infected)|(?:people|persons|patients|women|men|adults)"
                         r" (?:living )?with HIV|(?:solid[- ]organ |renal |kidney |liver )?transplant recipients|"
                         r"immunocompromised|immunosuppressed)", re.I)
_RESTRICTED_ASKED = re.compile(r"\b(?:HIV|transplant\w*|immunocompromised|immunosuppress\w*|on (?:tacrolimus|"
                               r"cyclosporine|mycophenolate))\b", re.I)


def restricted_elsewhere(question: str, sentence: str) -> bool:
    """Whether ``sentence`` is restricted to a group (HIV, transplant recipients,
    immunocompromised patients) that ``question`` does not name."""
    return bool(_RESTRICTED.search(sentence)) and not _RESTRICTED_ASKED.search(question)


# "For patients with diabetes or end organ damage (e.g., renal insufficiency, …), …": the group a
# recommendation is for, named by its conditions.
# ("Be aware that people with asthma who also have nasal polyps …": the group a remark is about)
# ("… recommended that those patients grafted for PSC … have an annual colonoscopy")
_WITH_GROUP = re.compile(r"\b(?:for|in|among|if|that)\s+(?:all\s+|an?\s+|those\s+|these\s+)?(?:patients?|people|persons?|"
                         r"individuals?|adults?|wom[ae]n|m[ae]n|child(?:ren)?|those)\s+(?:who have|with|(?:grafted|"
                         r"transplanted|operated on|listed) for)\s+([^.;:]{3,160})", re.I)


def _group_words(m: re.Match[str]) -> set[str]:
    """The stemmed words of a group ``_WITH_GROUP`` matched, up to the clause that says what to
    do for it."""
    return set(analyze(re.split(r",\s+(?!(?:or|and)\b)(?=[a-z]+\s)|\)\s*,", m.group(1))[0]))


def restricted_to_ruled_out(ruled_out: Sequence[tuple[str, ...]], text: str) -> bool:
    """Whether ``text`` is a recommendation for people with a condition the question rules out
    ("68M, essential HTN, no DM, no CKD" and "For patients with diabetes or end organ damage
    (e.g., renal insufficiency …), … Recommended BP targets are …"). ``ruled_out``: the negated
    conditions as stemmed phrases; a phrase is named by its telling words ("diabetes" names
    diabetes mellitus, "chronic" alone does not name chronic kidney disease)."""
    telling = [frozenset(key) - NAME_GENERIC for key in ruled_out]
    telling = [key for key in telling if key]
    if not telling:
        return False
    for m in _WITH_GROUP.finditer(text[-1500:]):
        group = _group_words(m)
        if any(key <= group for key in telling):
            return True
    # what it treats: "Offer methylphenidate … for the management of ADHD in children … with conduct
    # disorder" is for ADHD, which "ADHD screen neg" rules out
    for m in _TREATING.finditer(text[-1500:]):
        treated = set(analyze(m.group(1)))
        if any(key <= treated for key in telling):
            return True
    return False


_TREATING = re.compile(r"\bfor (?:the )?(?:management|treatment|treating|managing) of ((?:[\w-]+ ){0,3}[\w-]+)", re.I)


def opens_for_unasked_group(said: frozenset[str], text: str, generic: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` opens with the group it is for ("In patients with CH requiring changes in
    estrogen therapy, …") and the group shares no telling word with ``said`` (the question's
    stemmed terms): a recommendation for a situation the question does not describe."""
    m = _WITH_GROUP.match(text.strip())
    if not m:
        return False
    telling = _group_words(m) - NAME_GENERIC - generic
    return bool(telling) and not telling & said


# Words of a condition's name that do not name it alone.
NAME_GENERIC = frozenset(analyze("chronic acute disease disorder syndrome mellitus severe mild moderate type "
                                 "primary secondary infection failure"))


# Age ranges a sentence is restricted to, in years: "aged 21 to 29 years", "women 65 years and
# older", "≥ 75 years", "younger than 30 years", "under 18 years of age".
_NUM = r"(\d{1,3})"
_YEARS = r"(?:years?|yrs?|y)(?:\s+of\s+age|\s+old)?"
_MONTHS = 1 / 12  # what a number of months is in years
# (pattern, kind, years per unit of its first number, of its second)
_AGE_RANGES = (
    (re.compile(rf"\b(?:aged|ages?|between)\s+{_NUM}\s*(?:–|-|to|and)\s*{_NUM}\s*{_YEARS}?", re.I), "between", 1, 1),
    (re.compile(rf"\b{_NUM}\s*(?:–|-|to)\s*{_NUM}\s+{_YEARS}", re.I), "between", 1, 1),
    (re.compile(rf"\b(?:aged\s+)?{_NUM}\s+{_YEARS}\s+(?:and|or)\s+(?:older|over|above)", re.I), "from", 1, 1),
    (re.compile(rf"(?:≥|>=|>)\s*{_NUM}\s*{_YEARS}", re.I), "from", 1, 1),
    (re.compile(rf"\b(?:older than|over the age of|aged over)\s+{_NUM}(?:\s+{_YEARS})?", re.I), "from", 1, 1),
    (re.compile(rf"\b(?:younger than|under(?: the age of)?|less than|aged under|<)\s*{_NUM}\s*{_YEARS}", re.I), "below",
     1, 1),
    # "children age eleven years to skeletal maturity"
    (re.compile(rf"\b{_NUM}\s*{_YEARS}\s+(?:to|until|through)\s+(?:skeletal maturity|adulthood|maturity)", re.I), "from",
     1, 1),
    # "infants six months and younger", "younger than 3 months"
    (re.compile(rf"\b{_NUM}\s+months?(?:\s+of\s+age)?\s+(?:and|or)\s+(?:younger|under|less)|"
                rf"\b(?:younger than|under|less than|<)\s*{_NUM}\s*months?", re.I), "below", _MONTHS, _MONTHS),
    # "children age six months to five years": months to years
    (re.compile(rf"\b(?:aged?|ages)\s+{_NUM}\s+months?\s*(?:–|-|to)\s*{_NUM}\s*{_YEARS}", re.I), "between", _MONTHS, 1),
)


_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty").split()
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def age_conflict(age_years: float | None, sentence: str) -> bool:
    """Whether ``sentence`` is restricted to ages in years that exclude a patient of
    ``age_years`` ("For women aged 65 years and older, …" for a 29-year-old). False when the
    age is unknown or the sentence states no age range in years."""
    if age_years is None:
        return False
    # "children age five to eleven years": ages written in words are ages
    sentence = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS.index(m.group(0).lower())), sentence)
    ranges: list[tuple[float, float]] = []
    for pattern, kind, unit, second_unit in _AGE_RANGES:
        for m in pattern.finditer(sentence):
            a = float(next(g for g in m.groups() if g is not None)) * unit
            if kind == "between":
                b = float(m.group(2)) * second_unit
                if a <= b <= 120:
                    ranges.append((a, b + 1))
            elif kind == "from" and a <= 120:
                ranges.append((a, 200.0))
            elif kind == "below" and a <= 120:
                ranges.append((0.0, a))
    if _FOR_OLDER.search(sentence):
        ranges.append((60.0, 200.0))  # "… in older people with focal-onset seizures" is not for a 38-year-old
    return _outside(age_years, ranges)


_FOR_OLDER = re.compile(r"\b(?:in|for|among) (?:the )?(?:older|elderly) (?:people|adults|patients|persons|individuals|"
                        r"women|men)\b|\b(?:in|for) the elderly\b", re.I)


def _outside(value: float, ranges: list[tuple[float, float]]) -> bool:
    """Whether a sentence restricted to ``ranges`` (none: unrestricted) excludes ``value``."""
    return bool(ranges) and not any(lo <= value < hi for lo, hi in ranges)


# Gestations a sentence is restricted to: "From 42 weeks", "before 34+0 weeks", "between 24 and
# 34 weeks", ">41+0 weeks", "at or beyond 41 weeks" - read only in a sentence about pregnancy or
# birth, where weeks are a gestation and not a course ("continue for 6 weeks").
_WK = r"(\d{1,2})(?:\+([0-6]))?"
_WEEKS = r"(?:weeks?|wks?)(?:['’]?\s*(?:of\s+)?gestation(?:al age)?)?"
_GESTATION_RANGES = (
    (re.compile(rf"\b(?:between|from)\s+{_WK}(?:\s*{_WEEKS})?\s*(?:–|-|to|and)\s*{_WK}\s*{_WEEKS}", re.I), "between"),
    (re.compile(rf"\b{_WK}\s*(?:–|-|to)\s*{_WK}\s*{_WEEKS}", re.I), "between"),
    (re.compile(rf"(?:\b(?:from|after|beyond|past|over|at or (?:after|beyond))\s+|(?:≥|>=|>)\s*){_WK}\s*{_WEEKS}", re.I), "from"),
    (re.compile(rf"(?:\b(?:before|under|less than|earlier than)\s+|(?:<|≤|<=)\s*){_WK}\s*{_WEEKS}", re.I), "below"),
)
_ABOUT_PREGNANCY = re.compile(r"\b(?:gestation|pregnan|antenatal|prenatal|labou?r|induction|deliver|birth|fetal|foetal|"
                              r"fetus|trimester|women|woman|mothers?)", re.I)


def gestation_conflict(weeks: float | None, sentence: str) -> bool:
    """Whether ``sentence`` is restricted to gestations that exclude a pregnancy of ``weeks``
    ("From 42 weeks, women who decline induction …" at 41+2). False when the gestation is
    unknown or the sentence states no range of gestation."""
    if weeks is None or not _ABOUT_PREGNANCY.search(sentence):
        return False
    ranges: list[tuple[float, float]] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _GESTATION_RANGES:
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # "between 24 and 34 weeks" is not also "… 34 weeks"
            taken.append(m.span())
            a = int(m.group(1)) + int(m.group(2) or 0) / 7
            if kind == "between":
                b = int(m.group(3)) + int(m.group(4) or 0) / 7
                if a <= b <= 44:
                    ranges.append((a, b + 1 / 7))
            elif kind == "from" and a <= 44:
                ranges.append((a, 99.0))
            elif kind == "below" and a <= 44:
                ranges.append((0.0, a))
    return _outside(weeks, ranges)
