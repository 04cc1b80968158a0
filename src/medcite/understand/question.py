"""Reading a clinical question: what it asks (intent), about what (topic and key
concepts), for whom (populations), and the title an answer page gets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..retrieve.analyze import analyze

Intent = str  # treatment | dosing | diagnosis | prognosis | cause | prevention | adverse | definition | general

# Ordered: the first pattern that matches decides the intent.
_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("dosing", re.compile(r"\b(dos(e|es|age|ing)|how much|how many (mg|milligrams)|mg/kg)\b", re.I)),
    ("adverse", re.compile(r"\b(side[- ]effects?|adverse|toxicit\w*|safe(ty)?|risks? of|contraindicat\w*|interact\w*)\b", re.I)),
    ("treatment", re.compile(
        r"\b(treat\w*|therap\w*|manag\w*|drug of choice|first[- ]line|medication\w*|cure[sd]?|"
        r"regimen|how (is|are|should) .{0,60}(treated|managed)|what (drug|medicine)s?)\b", re.I)),
    ("diagnosis", re.compile(r"\b(diagnos\w*|test(s|ing)?|screen\w*|detect\w*|biomarker\w*|imaging|work-?up)\b", re.I)),
    ("prognosis", re.compile(r"\b(prognos\w*|outcome\w*|surviv\w*|mortality|life expectancy|recover\w*)\b", re.I)),
    ("prevention", re.compile(r"\b(prevent\w*|prophyla\w*|vaccin\w*|avoid)\b", re.I)),
    ("cause", re.compile(r"\b(caus\w*|etiolog\w*|aetiolog\w*|risk factors?|mechanism\w*|why does|pathogen\w*|genetic)\b", re.I)),
    ("definition", re.compile(r"^\s*(what (is|are)|describe|define|explain)\b", re.I)),
)

_TITLE_NOUN = {
    "treatment": "Treatment of", "dosing": "Dosing of", "diagnosis": "Diagnosis of",
    "prognosis": "Prognosis of", "prevention": "Prevention of", "cause": "Causes of",
    "adverse": "Adverse effects of",
}

# Words that say what kind of answer is wanted, not what it is about: they never decide
# whether the sources cover a question.
GENERIC_WORDS = frozenset(
    """
    what which who whom whose when where why how is are was were be been being do does did
    can could should would will shall may might must the a an of in on for to with without
    and or by at from as about into than then that this these those there their its it
    best recommended recommendation recommendations current currently standard usual
    common commonly available known new latest role use used using effect effects
    treatment treatments treat treated treating therapy therapies therapeutic management
    manage managed option options approach approaches first line first-line choice
    dose doses dosage dosing drug drugs medication medications medicine medicines
    patient patients people person adult adults adulthood man men woman women
    diagnosis diagnose diagnosed test tests testing prognosis outcome outcomes
    cause causes caused prevention prevent risk risks factor factors symptom symptoms sign signs
    describe define explain list main major type types kind kinds side associated association
    relationship role affect affects affected function functions application applications mix
    correlation correlated relation related link linked involved involvement play plays
    difference differences compare compared work works mean means used
    evidence guideline guidelines indicated indication indications
    disease diseases disorder disorders condition conditions syndrome
    """.split()
)

_LEAD_IN = re.compile(
    r"^\s*(?:(?:what|which|how|who|when|why)\s+(?:is|are|was|were|do|does|should|can|would)\s+"
    r"(?:the\s+)?(?:(?:current|best|recommended|standard|first[- ]line|usual|preferred|main)\s+)*"
    r"|describe\s+|define\s+|explain\s+|list\s+(?:the\s+)?)", re.I)
_INTENT_HEAD = re.compile(
    r"^(?:treatments?|therapy|therapies|management|options?|dos(?:e|es|age|ing)|diagnosis|"
    r"prognosis|prevention|causes?|side effects?|adverse effects?|drugs? of choice)"
    r"(?:\s+(?:options?|strategies))?\s+(?:for|of|in)\s+", re.I)
_POP_HEAD = re.compile(r"^(?:(?:adults?|children|adolescents?|patients?|people|women|men|infants?)\s+"
                       r"(?:with|who have|having)\s+)", re.I)
_POP_TAIL = re.compile(r"\s+(?:in|for|among)\s+((?:adults?|children|pregnan\w+|(?:older|elderly)\s+\w+|"
                       r"infants?|neonates?|adolescents?|women|men|patients with [\w\s-]+))$", re.I)


@dataclass(frozen=True)
class QuestionFrame:
    text: str
    intent: Intent
    topic: str  # "Guillain-Barré syndrome"
    population: str  # "adults", "pregnancy", "" (as the question says it)
    key_terms: tuple[str, ...]  # stemmed concept terms (no generic words), in order
    title: str


def intent_of(question: str) -> Intent:
    for intent, pattern in _INTENTS:
        if pattern.search(question):
            return intent
    return "general"


_INTENT_WORD = re.compile(r"(?<=\w)\s+(?:dos(?:e|es|age|ing)|treatment|therapy|management)\b", re.I)
_HOW_IS = re.compile(r"^how (?:is|are|should|do you|can)\s+(.+?)\s+(?:be\s+)?(?:treated|managed|diagnosed|prevented|dosed)$", re.I)


def topic_and_population(question: str) -> tuple[str, str]:
    """The topic of a question and the population it names ("adults", "pregnancy", "")."""
    text = " ".join(question.strip().split()).rstrip("?.! ")
    how = _HOW_IS.match(text)
    if how:
        text = how.group(1)
    text = _LEAD_IN.sub("", text, count=1)
    text = _INTENT_HEAD.sub("", text, count=1)
    population = ""
    head = _POP_HEAD.match(text)
    if head:
        population = head.group(0).split()[0].lower()
        text = text[head.end():]
    tail = _POP_TAIL.search(text)
    if tail:
        population = tail.group(1).lower()
        text = text[: tail.start()]
    if not population and re.search(r"\badults?\b", text, re.I):
        population = "adults"
        # "stopped in adults with type 2 diabetes" -> "stopped in type 2 diabetes"
        text = re.sub(r"\b(in|for|among)\s+adults?\s+(?:with|who have|having)\s+", r"\1 ", text, flags=re.I)
        text = re.sub(r"\s*\b(?:(?:in|for|among)\s+)?adults?\b\s*", " ", text, flags=re.I)
    # "Humira dosing in rheumatoid arthritis": the intent word goes into the title's noun.
    text = _INTENT_WORD.sub(" ", text)
    return " ".join(text.split()).strip(" ,;:"), population


def key_terms(text: str) -> tuple[str, ...]:
    """Stemmed content terms of ``text`` without generic question words, in order, unique."""
    generic = set(analyze(" ".join(GENERIC_WORDS), unique=True))
    return tuple(t for t in analyze(text, unique=True) if t not in generic and not t.isdigit())


_STILL_A_QUESTION = re.compile(r"^(?:what|which|how|when|why|who|should|is|are|does|do|can)\b|\b(?:what|which|how)\b",
                               re.I)


def make_title(intent: Intent, topic: str, population: str, question: str) -> str:
    if not topic:
        topic = question.strip().rstrip("?") or "Untitled question"
    if _STILL_A_QUESTION.search(topic):
        # "What dose of IVIg …", "How to treat GBS …": not reduced to a topic; the question,
        # as asked, is a better title than "Dosing of What of IVIg".
        asked = " ".join(question.split()).rstrip("?.! ") or "Untitled question"
        return (asked[0].upper() + asked[1:])[:200]
    noun = _TITLE_NOUN.get(intent)
    topic_cased = topic[0].upper() + topic[1:] if noun is None else topic
    if noun and topic_cased[:1].isupper() and not topic_cased[:2].isupper() and " " in topic_cased:
        first, rest = topic_cased.split(" ", 1)
        # "Treatment of the disease" reads better than "Treatment of The disease", but
        # proper names and abbreviations ("Guillain-Barré", "IVIg") keep their capitals.
        if first.istitle() and first.lower() in {"the", "a", "an"}:
            topic_cased = f"{first.lower()} {rest}"
    title = f"{noun} {topic_cased}" if noun else topic_cased
    if population:
        title += f" in {population}" if not population.startswith("pregnan") else " in pregnancy"
    return title[:200]


def frame(question: str) -> QuestionFrame:
    """Parse a question; never raises, whatever the text."""
    question = question if isinstance(question, str) else ""
    q = question[:2000]
    intent = intent_of(q)
    topic, population = topic_and_population(q)
    return QuestionFrame(
        text=q, intent=intent, topic=topic, population=population,
        key_terms=key_terms(topic) or key_terms(q), title=make_title(intent, topic, population, q),
    )
