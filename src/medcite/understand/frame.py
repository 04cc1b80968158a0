"""``understand()``: a clinical question read once, into a typed ``Frame`` later stages only read.

The frame holds what the question is about — its condition(s), as the index's scopes
name them, and its drug(s) or intervention —, what it asks (the aspect), where (the
setting), for whom (the asked population and the patient details typed into it, merged
with ``--patient``), the stemmed terms that decide relevance, the text to search for,
and, when its main condition is in no indexed document's scope, that condition's name.

Bedside shorthand is handled here: patient details (ages, labs, times) are set apart,
abbreviations are expanded (the packaged table and those the indexed documents define),
and brand names become generic names, so a vignette and its textbook paraphrase come to
the same frame.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..clinical.drug_classes import class_names, classes_of
from ..retrieve.analyze import analyze
from ..retrieve.query import ExpandedQuery, expand
from ..retrieve.scope import ScopeIndex
from ..types import PatientContext
from .aspect import Aspect, alternative_reasons, asked_aspects, only_a_bare_question
from .findings import implied_conditions, measured_condition_names, measured_conditions, named_by_signs
from .vignette import CHATTER, ask_clause, clauses, detail_spans, expand_shorthand, last_question

_SETTINGS = (
    ("emergency department", re.compile(r"\b(?:ED|ER|A&E|emergency (?:department|room|dept)|trauma bay|triage)\b")),
    ("intensive care", re.compile(r"\b(?:[MSNPC]?ICU|CCU|intensive care|critical care)\b")),
    ("inpatient", re.compile(r"\b(?:inpatient|admitted|on the ward|ward|hospitali[sz]ed)\b", re.I)),
    ("perioperative", re.compile(r"\b(?:pre-?op|post-?op|perioperative|intraoperative|OR)\b")),
    ("outpatient", re.compile(r"\b(?:outpatient|clinic|primary care|GP|office|community)\b")),
)
_PREGNANT = re.compile(r"\bG\d{1,2}\s?P\d|\b(?:at|@)\s*\d{1,2}(?:\+\d)?\s*(?:wks?|weeks?)\b(?!\s*old)|\bpregnan|\bGA\s*\d", re.I)
# A drug's non-proprietary name; chemical names ("3'-phospho-5'-adenylyl sulfate", matched by
# "Paps") come from the lexicon's synonyms of laboratory compounds, not from prescribing.
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z -]{2,40}")


@dataclass(frozen=True)
class Frame:
    """What a question asks, about what, for whom. Built by ``understand``; read-only after."""

    question: str
    aspect: Aspect  # the most specific aspect asked
    conditions: tuple[str, ...]  # as the index's scopes name them, the asked one first
    drugs: tuple[str, ...]  # generic names
    setting: str
    population: str  # "adults", "children", "pregnancy", "older adults" or ""
    patient: PatientContext
    terms: tuple[str, ...]  # stemmed terms that decide relevance: conditions, drugs, the asked words
    focus_terms: tuple[str, ...]  # those of the clause that asks (and the one before it)
    query: str  # the text retrieval searches for
    unknown: str = ""  # the asked condition when no indexed scope names it
    expanded: ExpandedQuery | None = field(default=None, compare=False, repr=False)
    condition_keys: tuple[tuple[str, ...], ...] = ()  # stemmed phrases of ``conditions``
    # What the asking clause names (the rest of a vignette is the patient's history): stemmed
    # condition phrases and drug names; all of them when the question is one clause.
    focus_keys: tuple[tuple[str, ...], ...] = ()
    focus_drugs: tuple[str, ...] = ()
    aspects: tuple[Aspect, ...] = ()  # every aspect the asking clause names, ``aspect`` first
    # For an alternative: why first-line cannot be used ("allergy", "intolerance", "failure",
    # "contraindication"), as the question tells it.
    reasons: frozenset[str] = frozenset()
    # the conditions the question rules out ("no DM, no CKD"), as stemmed phrases
    ruled_out: tuple[tuple[str, ...], ...] = ()
    # treatments the question says cannot be had ("formula fed so no breastfeeding", "declines
    # surgery"), stemmed: a recommendation of one is no answer
    declined: frozenset[str] = frozenset()
    # The asking clause itself ("CT head? how soon?"): its own content words, and whether it
    # names one of the question's conditions or drugs (when it does not, the subject came
    # from the vignette's history, and an answer must also speak to these words).
    ask_terms: tuple[str, ...] = ()
    ask_names_subject: bool = True
    # "which med do I start?", "wants a tablet": a drug is asked for, not any treatment
    asks_for_drug: bool = False
    # "first test to look for a pheo?", "what do we do initially?": the first step is asked for
    asks_first: bool = False
    # What the vignette shows without naming it: conditions its lab values and vital signs
    # imply ("Na 116": hyponatremia) and the patient's group when the words are not written
    # (a 6-week-old: infants; G1 at 30 weeks: pregnancy). Guidelines are indexed by these names.
    hints: tuple[str, ...] = ()
    # What each ambiguous abbreviation was read as ("HD" beside "dialysis": hemodialysis):
    # retrieval expands it to every sense, and a page using "HD" for Huntington disease matches
    # it as typed.
    senses: tuple[str, ...] = ()
    # The asked condition's other name as a guideline's scope gives it ("Addison's" …
    # "Primary adrenal insufficiency (Addison's disease)"): guidelines are written under it.
    other_names: tuple[str, ...] = ()

    @property
    def search_text(self) -> str:
        """The question as typed with its hints, the senses of its ambiguous abbreviations and
        its condition's other names: what retrieval looks for."""
        extra = (*self.hints, *self.senses, *self.other_names)
        return f"{self.question} {' '.join(extra)}" if extra else self.question

    @property
    def subject_terms(self) -> tuple[str, ...]:
        """Stemmed words of what the asking clause names, its conditions then its drugs, in
        order (an order that does not depend on string hashing keeps answers reproducible)."""
        return tuple(dict.fromkeys([*(t for key in self.focus_keys for t in key), *analyze(" ".join(self.focus_drugs))]))

    @property
    def asked_condition(self) -> str:
        """The condition the asking clause names ("" when it names only a drug and the
        conditions are the history's: "… seizure … how much hypertonic saline?")."""
        asked = [name for name, key in zip(self.conditions, self.condition_keys, strict=False) if key in self.focus_keys]
        return (asked or ([] if self.focus_drugs else list(self.conditions)) or [""])[0]

    @property
    def asked_drug(self) -> str:
        """The drug the asking clause names, else the question's first (none when it asks
        about a named condition only)."""
        asked = self.focus_keys and any(key in self.focus_keys for key in self.condition_keys)
        return (list(self.focus_drugs) or ([] if asked else list(self.drugs)) or [""])[0]

    @property
    def topic(self) -> str:
        """What the question asks about, as evidence gaps and follow-ups name it: the asking
        clause's condition and drug ("hypertonic saline", not the seizure the history tells)."""
        parts = [p for p in (self.asked_condition, self.asked_drug) if p]
        return " and ".join(parts) if parts else self.unknown


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    out = text
    for s, e in sorted(spans, reverse=True):
        out = out[:s] + " , " + out[e:]
    return out


_SHORT_CAPS = re.compile(r"[A-Z]{2,5}")
_ORGAN_DISEASE = re.compile(
    r"\b(?:ckd|eskd|esrd|aki|chronic kidney|kidney (?:disease|failure|impairment|injury)|renal (?:disease|failure|"
    r"impairment|insufficiency)|cirrhos[ie]s|liver (?:disease|failure|impairment)|hepatic (?:impairment|"
    r"insufficiency|failure))\b", re.I)


def _spelled_out(text: str, expanded: ExpandedQuery, scopes: ScopeIndex | None, surfaces: set[str]) -> str:
    """``text`` with each abbreviation of ``surfaces`` replaced by its expansion (the sense the
    question's other words point to, as ``_substituted`` picks it)."""
    senses: dict[str, list[str]] = {}
    for surface, expansion in expanded.abbreviations:
        if surface in surfaces:
            senses.setdefault(surface, []).append(expansion)
    context = set(analyze(text))
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(senses, key=len, reverse=True))
                         + r")(?![\w-])")
    return pattern.sub(lambda m: _sense(senses[m.group(1)], context, scopes), text) if senses else text


def _sense(options: list[str], context: set[str], scopes: ScopeIndex | None, valued: bool = False) -> str:
    """Of an abbreviation's expansions, the one the question's other words (stems ``context``)
    point to. An abbreviation ``valued`` (written with a number after it: "GBS 10") is a score
    or a measurement when it has such a sense."""
    if valued:
        options = [o for o in options if _SCALE.search(o) or _MEASUREMENT.search(o)] or options
    if scopes is None or len(options) == 1:
        return options[0]
    # "HD pt 3x/wk … phos … binder": the sense whose documents share the question's other
    # words (dialysis guidelines), not the first sense in the table (Huntington disease);
    # "propofol PSA … capnography" is a procedure, though no scope lists it as a condition
    # (a condition the scopes name wins ties). Table order breaks what remains.
    # (Scores within a tenth of the best are a tie: "worried re MBD … feeds … bones" scores the
    # CKD mineral and bone disorder about as high as metabolic bone disease, which a scope lists.)
    order = {o: i for i, o in enumerate(options)}
    score = {o: scopes.context_score(analyze(o), context) for o in options}
    best = max(score.values())
    return max(options, key=lambda o: (_said_within(o, context), score[o] >= 0.9 * best,
                                       tuple(analyze(o)) in scopes.phrases, score[o], -order[o]))


def _said_within(sense: str, context: set[str]) -> bool:
    """The question writes a long word of the sense, or the word it is made of ("HD … on
    dialysis": hemodialysis)."""
    return any(len(t) >= 6 and t not in _HEAD_WORDS and any(t in w for w in analyze(sense)) for t in context)


_HEAD_WORDS = frozenset({"diseas", "disord", "syndrom", "infect", "deficienc"})


def _other_names(keys: Sequence[tuple[str, ...]], scopes: ScopeIndex | None, question: str) -> tuple[str, ...]:
    """The other names scopes give the conditions ``keys`` that the question does not write."""
    if scopes is None:
        return ()
    written = set(analyze(question))
    return tuple(dict.fromkeys(name for key in keys for name in sorted(scopes.also_named.get(key, ()))
                               if not set(analyze(name)) <= written))


def _better_known(conditions: Sequence[tuple[bool, float, str, tuple[str, ...]]], scopes: ScopeIndex,
                  called: Callable[[str], list[str]]) -> list[tuple[str, str]]:
    """(name as written, other name) for each condition that at most one scope lists by the
    question's name while indexed text calls it by another that more guidelines and labels list."""
    out: list[tuple[str, str]] = []
    for _, _, surface, key in conditions[:4]:
        if len(key) < 2 or _clinical_listings(scopes, key) > 1:
            continue
        for other in called(surface):
            words = other.split()
            for i in range(len(words)):  # the longest name the lexicon lists, ending the phrase
                alt = tuple(analyze(" ".join(words[i:])))
                if len(alt) >= 2 and alt != key and _clinical_listings(scopes, alt) > _clinical_listings(scopes, key):
                    out.append((surface, " ".join(words[i:])))
                    break
    return list(dict.fromkeys(out))[:2]


def _clinical_listings(scopes: ScopeIndex, key: tuple[str, ...]) -> int:
    """How many guidelines and labels list the condition phrase ``key``."""
    return sum(1 for i in scopes.phrases.get(key, ()) if scopes.source_types[i] in ("guideline", "label"))


def abbreviation_senses(expanded: ExpandedQuery) -> dict[str, list[str]]:
    """Each abbreviation of the question -> its expansions, in order (the chosen sense first once
    ``understand`` has ordered them)."""
    by_surface: dict[str, list[str]] = {}
    for surface, expansion in expanded.abbreviations:
        by_surface.setdefault(surface, []).append(expansion)
    return by_surface


def _chosen_senses_first(expanded: ExpandedQuery, context: set[str], scopes: ScopeIndex | None,
                         text: str = "") -> ExpandedQuery:
    """``expanded`` with each ambiguous abbreviation's chosen sense first ("HD" beside
    "thrice-weekly … Kt/V" is hemodialysis), the sense the question's concepts are built on."""
    chosen = {s: _sense(options, context, scopes, _valued(s, text)) for s, options in abbreviation_senses(expanded).items()
              if len(options) > 1}
    if not chosen:
        return expanded
    ordered = sorted(expanded.abbreviations, key=lambda pair: pair[0] in chosen and pair[1] != chosen[pair[0]])
    return dataclasses.replace(expanded, abbreviations=tuple(ordered))


def _substituted(text: str, expanded: ExpandedQuery, scopes: ScopeIndex | None) -> str:
    """``text`` with each abbreviation followed by its expansion (the one an indexed scope
    names, when the table gives several) and each brand followed by its generic name."""
    by_surface = abbreviation_senses(expanded)
    for surface, generic in expanded.drugs:
        by_surface.setdefault(surface, []).append(generic)
    if not by_surface:
        return text

    context = set(analyze(text))
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(by_surface, key=len, reverse=True))
                         + r")(?![\w-])")
    return pattern.sub(lambda m: f"{m.group(1)} ({_sense(by_surface[m.group(1)], context, scopes, _valued(m.group(1), text))})",
                       text)


def _valued(surface: str, text: str) -> bool:
    """``surface`` is written with a number after it ("GBS 10", "CIRS 9")."""
    return bool(re.search(rf"(?<![\w-]){re.escape(surface)}\s?(?:of\s+|[=:]\s*)?\d", text))


_PAST = re.compile(r"\b(?:prior|previous|remote|old) ((?:[^,.;:?()\s]+ ?){1,3}?)(?=\s*[,.;:?()]|$)"
                   # "had ITP yrs ago", "had a DVT 10 years ago"
                   r"|\bhad (?:an? )?((?:[^,.;:?()\s]+ ?){1,3}?) (?:\d+\s*|many |some |a few |several )?"
                   r"(?:yrs?|years?|mos?|months?|decades?) ago\b", re.I)
_TAKEN_FOR = re.compile(r"\bon ((?:[^,.;:?()]|\.\d){2,40}?) for ((?:[^,.;:?()\s]+ ?){1,5})", re.I)


_FAMILY = re.compile(r"\b(?:FHx|FH|famhx|family (?:history|hx))\s+(?:of\s+)?((?:[^,.;:?()]|\([^()]{1,40}\)){1,80})", re.I)


# A vignette's opening: an optional setting ("renal clinic:"), then the age and sex ("66M",
# "42F", "3-wk-old", "72 yo F"), up to the end of its first sentence.
_OPENER = re.compile(r"^\s*(?:[\w /&'-]{1,30}:\s*)?\d{1,3}\s?(?:[MF]\b|yo\b|y/o\b|yrs?\b|-?(?:yr|year|wk|week|mo|"
                     r"month|day)s?-?old\b)[^.?!]*?[.?!](?=\s|$)")


def _opener_end(q: str) -> int:
    """Where a vignette's opening sentence of age, sex and background ends; 0 when the question
    does not open so, or the opening is all of it."""
    m = _OPENER.match(q)
    return m.end() if m and q[m.end():].strip() else 0


def _family_history_stems(text: str) -> set[str]:
    """Stems of the conditions a family history names ("no FHx of early heart disease")."""
    return {t for m in _FAMILY.finditer(text) for t in analyze(m.group(1))}


def _history_stems(text: str) -> set[str]:
    """Stems of what current drugs are taken for ("on warfarin for AF (atrial fibrillation)",
    "on risperidone 0.5 mg bid for aggression") and of past events ("prior NSTEMI")."""
    out: set[str] = set()
    # what happened before: "(BMI 51, prior NSTEMI, EF 40%)"
    for m in [*_PAST.finditer(text), *_TAKEN_FOR.finditer(text)]:
        out |= set(analyze(m.group(m.lastindex or 1)))
        # the expansion an abbreviation was given in brackets right after it
        after = text[m.end():m.end() + 60]
        if after.lstrip().startswith("("):
            out |= set(analyze(after[:after.find(")") + 1]))
    return out


# "failed fluoxetine 80, sertraline 300 …", "tried and stopped amitriptyline", "no response to X"
_TRIED = re.compile(r"\b(?:failed|tried|no (?:response|improvement) (?:to|with|on)|intolerant (?:of|to)|"
                    r"refractory to)\b([^.;?]{0,200})", re.I)


_STARTED = re.compile(r"\b(?:started|starting|start(?:ed)? on|began|begun|commenced|initiated|new(?:ly)? on|just on)\b"
                      r"((?:\s+[\w/-]+){1,4})", re.I)


# "FCR is out", "bendamustine is too much for her", "unfit for FCR", "not a candidate for surgery"
_RULED_OUT_BEFORE = re.compile(r"(?:^|[\s(,;])([\w/+-]{2,40}(?: [\w/+-]{2,30})?)\s+(?:is|are|'s|seems?|would be)\s+"
                               r"(?:out|off the table|not an option|not suitable|unsuitable|too (?:much|toxic|intensive|"
                               r"aggressive|risky|strong))\b", re.I)
_RULED_OUT_AFTER = re.compile(r"\b(?:unfit|not fit|too frail|not a candidate|not suitable|unsuitable|ineligible|"
                              r"not eligible) for ([\w/+-]{2,40}(?: [\w/+-]{2,30})?)", re.I)


def _ruled_out_treatments(text: str, drugs: Sequence[str], expanded: ExpandedQuery) -> list[str]:
    """The drugs (or regimens of them) the telling says cannot be used: "FCR is out", "we think
    bendamustine is too much for her", "unfit for fludarabine"."""
    said = [m.group(1) for pattern in (_RULED_OUT_BEFORE, _RULED_OUT_AFTER) for m in pattern.finditer(text)]
    if not said:
        return []
    stems = {t for phrase in said for t in analyze(phrase)}

    def forms(drug: str) -> list[str]:  # its written forms, and a regimen's short form holding it ("FCR")
        return [*written_forms(drug, expanded),
                *(surface for surface, long in expanded.abbreviations if re.search(rf"\b{re.escape(drug)}\b", long, re.I))]

    return [d for d in drugs if any(analyze(form) and set(analyze(form)) <= stems for form in forms(d))]


def _treated_by(ruled: Sequence[str], treated: Sequence[tuple[str, ...]], scopes: ScopeIndex) -> list[tuple[str, ...]]:
    """Of the conditions ``treated``, the one whose guidelines and labels most often name the
    treatments ``ruled`` out (the first when none does)."""
    stems = {t for d in ruled for t in analyze(d)}

    def named_with(key: tuple[str, ...]) -> int:
        return sum(1 for i in scopes.phrases.get(key, ()) if stems & scopes.doc_terms[i])

    best = max(treated, key=named_with, default=None)
    return [best] if best is not None and named_with(best) else list(treated[:1])


def _drugs_after(pattern: re.Pattern[str], text: str, drugs: Sequence[str]) -> list[str]:
    """The drugs of ``drugs`` named in what ``pattern``'s first group captures."""
    spans = " ".join(m.group(1).lower() for m in pattern.finditer(text[:4000]))
    return [d for d in drugs if d.lower() in spans]


def written_forms(drug: str, expanded: ExpandedQuery) -> list[str]:
    """How the question writes ``drug``: its name, and the short forms or brands it expands ("pred")."""
    return [drug, *(surface for surface, long in [*expanded.abbreviations, *expanded.drugs]
                    if long.lower() == drug.lower())]


def _started_drugs(text: str, drugs: Sequence[str]) -> list[str]:
    """The drugs of ``drugs`` the question says were just begun ("started labetalol")."""
    return _drugs_after(_STARTED, text, drugs)


def _tried_drugs(text: str, drugs: Sequence[str]) -> list[str]:
    """The drugs of ``drugs`` the question says were tried and did not work."""
    return _drugs_after(_TRIED, text, drugs)


@functools.cache
def _class_stems() -> tuple[frozenset[str], ...]:
    """The stems of each drug class name ("loop diuretic" -> {"loop", "diuret"})."""
    return tuple(frozenset(analyze(c)) for c in class_names() if analyze(c))


# An abbreviation that stands for a scale or a score names what it measures, not a condition.
_SCALE = re.compile(r"\b(?:scales?|scores?|questionnaires?|inventory|index|criteria|classification|grading|"
                    r"assessment tool|checklist)\s*$", re.I)
_MEASUREMENT = re.compile(r"\b(?:time|level|levels|test|count|ratio|score|index|concentration|activity|titre|titer|"
                          r"saturation|tension|rate|clearance|pressure)$|^(?:fraction|partial pressure) of\b",
                          re.I)  # "FiO2": no oxygen given


def _drugs(text: str, expanded: ExpandedQuery) -> list[str]:
    from ..clinical.drugs import drug_lexicon as _drug_lexicon

    out = [g.lower() for _, g in expanded.drugs if _PLAIN_NAME.fullmatch(g)]
    words = re.findall(r"[A-Za-z][A-Za-z-]{3,}", text)
    # Treatments named in two words that the dictionary lacks ("hypertonic saline"), then drugs.
    # (The dictionary's own two-word names - "polyethylene glycol" for "PEG", "isosorbide
    # mononitrate" - are left to their one-word parts: as a subject they outweighed the condition
    # in "PEG for constipation - when to stop?", measured on the clinical set.)
    pairs = {f"{a} {b}".lower() for a, b in itertools.pairwise(words)}
    out += sorted(p for p in pairs if p in _INTERVENTIONS)
    out += sorted({w.lower() for w in words if w.lower() in _INTERVENTION_WORDS})
    if _IODINATED_CONTRAST.search(text):
        # "CT abdo/pelvis with IV contrast": given like a drug, and guidelines say what to do around it
        out.append("iodinated contrast")
    lex = _drug_lexicon()
    if lex is not None:
        # "zoledronic acid", "tranexamic acid": a drug whose name is an acid has no one-word part
        out += sorted(p for p in pairs if p.endswith(" acid") and p in lex.generic_names)
    if lex is not None:
        named = {w for p in out for w in p.split()}
        for word in words:
            low = word.lower()
            if low in lex.generic_names and low not in CHATTER and low not in named and not (
                    low in _ORGAN_DRUGS and not re.search(rf"\b(?:desiccated|armour|porcine) {low}\b|\b{low} "
                                                          r"(?:extract|tablets?|tabs|grains?)\b", text, re.I)):
                out.append(low)
    return list(dict.fromkeys(out))


# Organs the drug dictionary also lists as drugs (desiccated thyroid): "a screening thyroid US"
# names the gland.
_ORGAN_DRUGS = frozenset({"thyroid", "pancreatin"})
# Treatments given like drugs that the drug dictionary does not list under these names.
_INTERVENTION_WORDS = frozenset({"surfactant", "antivenom", "antivenin"})
# Treatments a question may say the patient cannot have (stemmed)
_DECLINABLE = frozenset(analyze("breastfeeding breastfed breastfeed surgery operation transfusion dialysis intubation "
                                "CPAP ventilation catheterisation catheterization", unique=True))
_IODINATED_CONTRAST = re.compile(r"\b(?:IV|i\.v\.|intravenous|iodinated|intra-arterial) contrast\b|\bcontrast[- ]enhanced CT\b|"
                                 r"\bCT\b[^.;?]{0,40}\bwith (?:IV )?contrast\b|\bcontrast (?:media|medium|agents?)\b", re.I)
_INTERVENTIONS = frozenset({"hypertonic saline", "normal saline", "isotonic saline", "half-isotonic saline",
                            "intravenous fluids", "fresh frozen plasma", "activated charcoal",
                            "prothrombin complex", "packed cells", "parenteral nutrition", "enteral nutrition"})


# A negated word may carry its expansion ("no DM (diabetes mellitus) or CKD (chronic kidney
# disease)"); "HBV neg" puts the negation after the word, or words ("C diff neg", written out
# "Clostridium difficile neg").
# A negation word starts its own negated list ("not bleeding, stable, no chest pain").
# ("no FHx of thyroid ca": a family's history rules out nothing the patient is asked about)
_NEGATED_WORD = (r"(?!(?:no|not|without|denies|never|started|starting|on|taking|takes|had|has|with|but|now|then|"
                 r"given|got|just|still|so|and then|fhx|fh|family|famhx)\b)[\w'-]+(?:\s*\([^()]{1,60}\))?")
_NEGATION = re.compile(r"\b(?:no|not|without|denies|denied|negative for|neg for|ruled out|r/o|never had|"
                       r"declines|declined|refuses|refused|doesn't want|does not want|won't have)\s+"
                       rf"((?:{_NEGATED_WORD}(?:\s+or\s+|\s*,\s*|\s*/\s*|\s+)){{0,3}}{_NEGATED_WORD})"
                       # "HBsAg neg", "source HIV + HBsAg neg"
                       rf"|((?:{_NEGATED_WORD}(?:\s*[+&/]\s*|\s+and\s+|\s+)){{0,2}}{_NEGATED_WORD})\s+(?:neg|negative)\b"
                       # results that came back normal: "bloods incl TFTs, B12, HIV, syphilis nl"
                       rf"|\b(?:bloods?|labs?|tests?|serolog\w*|screen\w*|panel|work-?up)\s+(?:incl\w*\s+|for\s+)?"
                       rf"((?:{_NEGATED_WORD}(?:\s*,\s*|\s+and\s+|\s+)){{0,5}}{_NEGATED_WORD})\s+"
                       r"(?:neg|negative|nl|normal|wnl|unremarkable)\b"
                       # a list of tests reported normal: "K, Mg, Ca, TSH, CK, glucose nl"
                       rf"|((?:{_NEGATED_WORD}\s*,\s*){{2,7}}(?:and\s+)?{_NEGATED_WORD})\s+(?:all\s+)?"
                       r"(?:nl|normal|wnl|unremarkable)\b"
                       # immunity is no infection: "she's HBV-immune", "immune to hep B"
                       rf"|\b({_NEGATED_WORD})[- ]immune\b|\bimmune to ({_NEGATED_WORD})", re.I)


def _negated_terms(text: str) -> set[str]:
    """Stemmed words a negation governs ("no lymphoma", "no DM or CKD", "denies chest pain")."""
    return _negations(text)[0]


def _negations(text: str) -> tuple[set[str], set[str]]:
    """The stemmed words negations govern, and those ``text`` writes outside them ("no previous
    fractures … worth starting just to prevent fractures?" also names fractures as what it asks
    about): one pass over the negations."""
    negated: set[str] = set()
    kept: list[str] = []
    last = 0
    for m in _NEGATION.finditer(text):
        group = next((i for i, g in enumerate(m.groups(), 1) if g), 0)
        if group:
            negated |= set(analyze(m.group(group)))
            kept.append(text[last:m.start(group)])
            last = m.end(group)
    kept.append(text[last:])
    return negated, set(analyze(" ".join(kept)))


def _setting(text: str) -> str:
    for name, pattern in _SETTINGS:
        if pattern.search(text):
            return name
    return ""


def _population(question: str, patient: PatientContext) -> str:
    from .populations import asked_population
    from .question import topic_and_population

    _, said = topic_and_population(question)
    asked = asked_population(said) if said else ""
    if asked:
        return asked
    pops = patient.populations()
    for key in ("pregnancy", "children", "older adults"):
        if key in pops:
            return key
    return "adults" if patient.age_years is not None and patient.age_years >= 18 else ""


def _patient(question: str, details: list[tuple[int, int]], given: PatientContext | None) -> PatientContext:
    from .patient import merge, parse_patient, population_from_question

    from_question = population_from_question(question)
    # Bedside forms ("68F", "pt in her 50s", "6-wk-old") are read from the detail spans only,
    # where a loose reading cannot mistake "10-year risk" for an age.
    bedside = parse_patient(" ; ".join(question[s:e] for s, e in details))
    ctx = merge(bedside, from_question)
    # ("29M … catheter out at 6 wks": a man's "at 6 wks" dates an event, not a pregnancy)
    # (nor a baby's: "9-mo-old ex-27wker, NEC at 3 wks")
    # (and "not pregnant" is no pregnancy)
    if (not ctx.pregnant and ctx.sex != "male" and not (ctx.age_years is not None and ctx.age_years < 10)
            and any(not re.search(r"\b(?:not|no|non|never|neg)\W*$", question[max(0, m.start() - 8):m.start()], re.I)
                    for m in _PREGNANT.finditer(question))
            and not re.search(r"\b(?:born|preterm infant|neonate)\b", question, re.I)):
        ctx = ctx.model_copy(update={"pregnant": True, "sex": "female"})
    ctx = ctx.model_copy(update={"raw": ""})  # the patient line shows only what was given as one
    return merge(ctx, given) if given is not None else ctx


def understand(question: str, store: Any = None, patient: PatientContext | None = None,
               scopes: ScopeIndex | None = None, generic: frozenset[str] = frozenset(),
               idf: Any = None, occurs: Callable[[str], bool] | None = None,
               ordinary: Callable[[str], bool] | None = None,
               called: Callable[[str], list[str]] | None = None) -> Frame:
    """The frame of ``question``; never raises on odd text. ``store`` gives vocabulary
    synonyms, ``scopes`` the condition lexicon, ``idf`` the rarity of a stemmed term,
    ``occurs`` whether a word or phrase occurs anywhere in the index, ``ordinary``
    whether the indexed text uses a capitalised abbreviation mostly as a plain word and
    ``called`` the other names indexed text gives a condition."""
    q = expand_shorthand((question or "")[:2000])
    details = detail_spans(q)
    masked = _mask(q, details)
    expanded = expand(masked, store)
    if ordinary is not None:
        # "72F CAP, CURB-65 1": an abbreviation the indexed text mostly uses as a plain word
        # ("do not remove the gray cap") is read as what it stands for, everywhere after this.
        plain = {s for s, _ in expanded.abbreviations if _SHORT_CAPS.fullmatch(s) and ordinary(s)}
        if plain:
            q = _spelled_out(q, expanded, scopes, plain)
            details = detail_spans(q)
            masked = _mask(q, details)
            expanded = expand(masked, store)
    text = _substituted(masked, expanded, scopes)
    expanded = _chosen_senses_first(expanded, set(analyze(masked)), scopes, masked)
    # A telling finding names its condition as its name would ("ulcer over L medial malleolus").
    signs = [name for name in named_by_signs(q) if not set(analyze(name)) <= set(analyze(text))]
    # (one written out too - "PFUI" is "pelvic fracture urethral injury" - is still one when no
    # scope lists it by that name)
    written_signs = [name for name in named_by_signs(q) if name not in signs]
    unsigned = analyze(text)
    if signs:
        text = f"{text} ; {' ; '.join(signs)}"
        # and by the short form sources write for it ("EoE"), as if the question had named it
        short = expand(" ; ".join(signs), store).abbreviations
        expanded = dataclasses.replace(expanded, abbreviations=tuple(dict.fromkeys([*expanded.abbreviations, *short])))
    stems = analyze(text)
    a, b = ask_clause(q)
    focus_text = _focus_text(q, a, b, details, expanded, scopes)
    focus = set(analyze(focus_text))
    # ("non-ST-elevation myocardial infarction" names no ST-elevation myocardial infarction)
    phrase_keys = ([key for start, _, key in scopes.find_phrases(stems) if not (start and stems[start - 1] == "non")]
                   if scopes is not None else [])
    if scopes is not None and expanded.abbreviations:
        # "?renovascular HTN": a name with an abbreviation inside it is whole once it is written out
        spelled = analyze(_spelled_out(masked, expanded, scopes, {s for s, _ in expanded.abbreviations}))
        phrase_keys += [key for start, _, key in scopes.find_phrases(spelled)
                        if len(key) > 1 and key not in phrase_keys and not (start and spelled[start - 1] == "non")]
    # Drugs as typed and as abbreviations stand for them ("MTX", "TDF/FTC"); of a drug class's name
    # only its head ("LMWH": heparin; "SSRI": selective serotonin reuptake inhibitor names no drug
    # "serotonin").
    classes = {c.lower() for c in class_names()}
    # An ambiguous abbreviation names the drug of its chosen sense only ("levo 88 mcg … TSH":
    # levothyroxine, not levofloxacin).
    # A sense that names a measurement names no drug ("PT": prothrombin time is no prothrombin).
    chosen = [options[0] for options in abbreviation_senses(expanded).values()
              if not _MEASUREMENT.search(options[0])]
    drugs = _drugs(" ".join([masked, *(e.split()[-1] if e.lower() in classes else e for e in chosen)]), expanded)
    # An abbreviation read as a measurement or a scale does not make the clause after a dash its
    # own ("?renovascular HTN - which imaging test … given his GFR?": the glomerular filtration rate)
    readings = {tuple(analyze(surface)) for surface, options in abbreviation_senses(expanded).items()
                if _SCALE.search(options[0]) or _MEASUREMENT.search(options[0])}
    if scopes is not None:
        # "70F new DLBCL, … T2DM + CKD3 - primary G-CSF ppx from cycle 1?": after a dash, the
        # clause that asks is about what it names; one that names no condition or drug ("mild-mod
        # CDI - what do I start and for how long") keeps the sentence it is part of.
        dash_text = _focus_text(q, a, b, details, expanded, scopes, dash=True)
        after_dash = set(analyze(dash_text))
        if after_dash != focus and (any(set(key) <= after_dash for key in phrase_keys if key not in readings)
                                    or any(set(analyze(d)) <= after_dash for d in drugs)):
            focus_text, focus = dash_text, after_dash

    conditions: list[tuple[bool, float, str, tuple[str, ...]]] = []
    negated, affirmed = _negations(text)
    # A drug the question rules out ("no new rifampicin/phenytoin/PPI") is not what it is about.
    ruled_drugs = ({g.lower() for surface, g in expanded.drugs if analyze(surface) and set(analyze(surface)) <= negated}
                   | {d for d in drugs if set(analyze(d)) <= negated})
    drugs = [d for d in drugs if d not in ruled_drugs or d in focus_text.lower()]
    typed = set(analyze(masked))
    # The sense each abbreviation was read in ("ABI" beside a value and "compression": the
    # ankle-brachial index), by the abbreviation's stems.
    read_as = {tuple(analyze(surface)): options[0] for surface, options in abbreviation_senses(expanded).items()}
    scales = {t for sense in read_as.values() if _SCALE.search(sense) for t in analyze(sense)}
    if scopes is not None:
        for key in phrase_keys:
            if (key in read_as and scopes.abbreviates.get(key)
                    and not any(set(analyze(read_as[key])) & set(name) for name in scopes.abbreviates[key])):
                continue  # what scopes abbreviate so is another name ("Acquired brain injury (ABI)")
            if all(t in generic for t in key) or (set(key) <= negated and not set(key) <= affirmed):
                continue  # "no lymphoma", "no DM or CKD": ruled out, not what is asked about
            if key in scopes.capitals and not re.search(rf"\b{re.escape(scopes.surface[key])}\b", text):
                continue
            if len(key) == 1 and _participle_only(key[0], scopes.surface[key], text):
                continue  # "burning feet" is no burn, "swelling" no "Swell", "tearful" no "Tears"
            if len(key) == 1 and "-" in scopes.surface[key] and scopes.surface[key].lower() not in text.lower():
                continue  # "15 cigarettes/day" names no "E-Cigarettes"
            if len(key) == 1 and _phrasal_only(key[0], text):
                continue  # "can't fall asleep" names no falls
            consumer_word = len(key) == 1 and all(scopes.source_types[i] == "consumer" for i in scopes.phrases.get(key, ()))
            if (key in scopes.aliases or consumer_word) and _plural_only(key[0], scopes.surface[key], text):
                # "transfuse platelets" names platelets, not "Platelet disorders"; "drenching sweats"
                # are a finding, not the consumer page "Sweat"
                continue
            if _names_a_service(key, text, scopes):
                continue  # "back in metabolic clinic", "picked up on newborn screen": where, not what
            if set(key) <= scales and not set(key) <= typed:
                continue  # "RASS -1" is a sedation scale's score: it names no agitation
            if key in read_as and _SCALE.search(read_as[key]):
                continue  # "melaena, … GBS 10": the Glasgow-Blatchford score, no Guillain-Barré syndrome
            if key in scopes.aliases and not set(key) <= typed:
                # "eGFR" is "estimated glomerular filtration rate": an expansion is a whole name,
                # and "glomerular" in it does not name "Glomerular diseases".
                continue
            weight = max((idf(t) for t in key), default=1.0) if idf else 1.0
            conditions.append((set(key) <= focus, weight, scopes.surface[key], key))
        # A condition a telling finding names is one, though no scope lists it by that name
        # ("forceful non-bilious vomiting … firm mass in the RUQ": pyloric stenosis, which the ACR
        # guideline on vomiting infants writes as "HPS").
        listed = {key for *_, key in conditions}
        for name in [*signs, *written_signs]:
            key = tuple(analyze(name))
            if key and key not in listed and key not in scopes.phrases:
                conditions.append((False, max((idf(t) for t in key), default=1.0) if idf else 1.0, name, key))
    renamed: list[tuple[str, str]] = []
    if called is not None and scopes is not None:
        # A condition the lexicon lists rarely under the name the question uses ("acoustic neuroma",
        # one page) is also what indexed text calls it otherwise ("vestibular schwannoma", eight
        # guidelines): one concept under both names, and retrieval looks for both.
        renamed = _better_known(conditions, scopes, called)
        if renamed:
            expanded = dataclasses.replace(expanded, abbreviations=tuple(dict.fromkeys([*expanded.abbreviations,
                                                                                       *renamed])))
    conditions.sort(key=lambda c: (not c[0], -c[1]))
    seen_keys: list[tuple[str, ...]] = []
    focus_keys: list[tuple[str, ...]] = []
    names: list[str] = []
    for in_focus, _, surface, key in conditions:
        if key not in seen_keys:
            seen_keys.append(key)
            names.append(surface)
            if in_focus:
                focus_keys.append(key)

    # "on dabigatran for AF": the condition a current drug is taken for is the patient's
    # history; when the question names another condition (the ICH), that one is asked about.
    history = _history_stems(text)
    current = [k for k in seen_keys if not set(k) <= history]
    if current and len(current) < len(seen_keys):
        focus_keys = [k for k in focus_keys if not set(k) <= history] or ([] if focus_keys else current)
    # "66M, HTN, T2DM diet-controlled, eGFR 58. sup-temp BRVO R eye …": the conditions a vignette
    # lists with the patient's age and sex before it tells its story are the background, when the
    # story names another, rarer condition (two or more, each commoner than the story's).
    end = _opener_end(q)
    listed_only: list[tuple[str, ...]] = []
    if end:
        opener = set(analyze(_substituted(q[:end], expanded, scopes)))
        story = set(analyze(_substituted(q[end:], expanded, scopes))) | {t for n in signs for t in analyze(n)}
        listed_only = [k for k in seen_keys if set(k) <= opener and not set(k) <= story]
        # (a background is commoner than the story's condition: "31M Marfan (FBN1 +ve), on
        # losartan … trivial AR" opens with what the question is about)
        if scopes is not None:
            def listing(key: tuple[str, ...]) -> int:  # the documents whose scope names it
                return len(scopes.phrases.get(key, set()).union(
                    *(scopes.phrases.get(name, set()) for name in scopes.abbreviates.get(key, ()))))
            rarest_told = min((listing(k) for k in seen_keys if k not in listed_only), default=0)
            listed_only = [k for k in listed_only if listing(k) > rarest_told]
            # (a list of them: one condition before the story is as often what it is about)
            if len({frozenset(scopes.abbreviates.get(k) or {k}) for k in listed_only}) < 2:
                listed_only = []
        else:
            listed_only = []
        focus_keys = [k for k in focus_keys if k not in listed_only] or focus_keys
    # "no FHx of early heart disease": the family's history is not what the patient is asked about
    # (unless the asking clause names it)
    family = _family_history_stems(text)
    asking = set(analyze(q[a:b]))
    focus_keys = [k for k in focus_keys if not (set(k) <= family and not set(k) <= asking)]

    # A drug of several words is asked about when the clause says most of its name: "does the IUD
    # need to come out?" shares only "intrauterine" with "levonorgestrel intrauterine system".
    focus_drugs = [d for d in drugs if 2 * len(set(analyze(d)) & focus) >= len(set(analyze(d)))
                   or d in focus_text.lower()]
    pronoun = re.search(r"\b(?:stop|discontinue|come off|drop|d/c)\s+(?:it|this|that|them)\b", q[a:b], re.I)
    if pronoun:
        # "he's fed up with the naproxen … can he stop it and stay on etanercept alone?": the drug
        # the pronoun stands for, named just before the clause, is asked about too
        before = q[max(0, a - 300):a].lower()
        before_pronoun = q[max(0, a - 300):a + pronoun.start()].lower()
        # (not a rescue course counted since: "started omalizumab 18 wks ago … 2 more pred bursts
        # since starting … push on or stop it?")
        rescue = {d for d in drugs for surface in written_forms(d, expanded)
                  if re.search(rf"\b{re.escape(surface.lower())}\w* (?:bursts?|courses?|rescues?)\b", before_pronoun)}
        last_named = {d: max(before.rfind(surface.lower()) for surface in written_forms(d, expanded)) for d in drugs}
        meant = max((d for d in drugs if last_named[d] >= 0 and d not in rescue), key=lambda d: last_named[d], default="")
        if meant and rescue & set(focus_drugs):
            focus_drugs = [meant]  # the drug to stop, not the rescue courses the telling counts
        elif meant and meant not in focus_drugs:
            focus_drugs = [meant, *focus_drugs]
    generic_all = generic | frozenset(analyze(" ".join(CHATTER)))
    # Relevance terms come from the words as typed: an expansion is another form of its
    # abbreviation (``concepts`` pairs them), not a concept of its own.
    # (a word negated in the telling but written again outside it is asked about: "ECG no ischaemic
    # changes, hs-TnT 9 … when do I repeat the trop?")
    content = [t for t in analyze(masked) if t not in generic_all and not t.isdigit() and len(t) > 1
               and (t not in negated or t in affirmed) and t not in _PREFIXES
               and not _EVERY_HOURS.fullmatch(t)]
    # An abbreviation the asking clause writes in capitals that reads as a common word ("book
    # therapeutic US sessions": ultrasound, not "us") is asked about by what it stands for.
    spelled = [t for surface, long in expanded.abbreviations
               if surface.isupper() and analyze(surface) and set(analyze(surface)) <= generic_all
               and re.search(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", q[a:b])
               for t in analyze(long) if t not in generic_all]
    content = list(dict.fromkeys([*content, *spelled]))
    terms = list(dict.fromkeys([*(t for k in seen_keys for t in k), *analyze(" ".join(drugs)), *content]))
    focus_typed = _focus_text(q, a, b, details, expanded, None)  # without expansions
    typed_focus = set(analyze(focus_typed)) | set(spelled)
    focus_terms = tuple(t for t in terms if t in typed_focus)
    ask_text = _substituted(q[a:b], expanded, scopes)
    ask_stems = set(analyze(ask_text))
    ask_terms = tuple(dict.fromkeys([*(t for t in analyze(q[a:b]) if t in set(content)), *spelled]))
    ask_names_subject = (any(set(k) <= ask_stems for k in focus_keys)
                         or any(set(analyze(d)) <= ask_stems for d in focus_drugs))
    # What the last question asks, alone ("... switching to pegvisomant. LFT monitoring
    # schedule?" asks for monitoring), else with the clause it leans on, else anywhere.
    qs, qe = last_question(q)
    aspects = asked_aspects(q[qs:qe]) if qe else ("general",)
    if (qe and re.search(r"[-–—:]\s*$", q[:qs]) and only_a_bare_question(q[qs:qe])
            and asked_aspects(q[a:b]) != ("general",)):
        # "what do I send to confirm - western blot?": a bare question after a dash names what the
        # clause asks (a bare question of its own - "… how long is the total course? steroids?" -
        # asks whether to give them)
        aspects = asked_aspects(q[a:b])
    if aspects == ("general",):
        aspects = asked_aspects(q[a:b])
    if aspects == ("general",):
        aspects = asked_aspects(q)
    if aspects == ("general",) and q != (question or "")[:2000]:
        # Written out, a ward's shorthand is no longer the short choice it was: "D5 1/2NS or D5NS?"
        raw = (question or "")[:2000]
        rs, re_ = last_question(raw)
        aspects = asked_aspects(raw[rs:re_] if re_ else raw)
    if aspects[0] == "first-line" and focus_drugs and re.search(
            r"\b(?:" + "|".join(re.escape(d) for d in focus_drugs) + r")\s+(?:regimen|dosing|schedule)\b"
            r"[^?]{0,30}\b(?:start|begin|initiate|put)\b",
            q[qs:qe] if qe else q, re.I):
        # "what octreotide regimen do I start him on?": the drug is chosen; its dosing is asked
        # ("what basal insulin regimen is recommended?" asks which regimen)
        aspects = ("starting-dose", *(x for x in aspects if x not in ("starting-dose", "first-line")))
    # "FCR is out and we think bendamustine is too much for her … what first-line regimen?": the
    # usual choice cannot be used, so what is asked is the alternative to it
    ruled_told = _ruled_out_treatments(q, drugs, expanded)
    if ruled_told and aspects[0] == "first-line":
        aspects = ("alternative", *(x for x in aspects if x != "alternative"))
    aspect = aspects[0]
    # the last question's own content words, when it names no condition or drug of the question
    last = set(analyze(q[qs:qe]))
    named = any(set(k) <= last for k in seen_keys) or any(set(analyze(d)) <= last for d in drugs)
    own_words = set() if named else {t for t in last if t in set(content)}
    tried = _tried_drugs(q, drugs)
    if aspect != "alternative" and tried and not any(d.lower() in q[a:b].lower() for d in tried):
        # "failed fluoxetine 80, sertraline 300, clomipramine 250 … DBS - which target has the best
        # evidence?": what was tried is the history the question starts from, not what it asks about
        focus_drugs = [d for d in focus_drugs if d not in tried]
        if not focus_drugs and not focus_keys:
            focus_keys = list(current)  # … and the condition they were tried for is
    # the patient's conditions a guideline or a label is about
    treated = [k for k in current if scopes is not None and any(
        scopes.source_types[i] in ("guideline", "label") for i in scopes.phrases.get(k, ()))]
    # ... or that its telling findings name, when no scope lists it ("CIWA-Ar 11 … detox": alcohol
    # withdrawal, which guidelines treat inside substance use disorders)
    treated = treated or [k for k in current if any(tuple(analyze(n)) == k for n in signs)]
    if aspect == "alternative" and ruled_told and not focus_keys and scopes is not None:
        # … about the condition those treatments are for, of those a guideline or a label is about
        # (the leukaemia, not the heart failure or the COPD the telling lists)
        focus_keys, focus_drugs = _treated_by(ruled_told, treated, scopes), []
    elif aspect == "alternative" and focus_keys:
        # "chancroid in pregnancy when ciprofloxacin is contraindicated", "allergic to PCN -
        # what instead?": the drug named is what cannot be used, not what the answer is about.
        focus_drugs = []
    elif ((aspect == "alternative" and len(focus_drugs) >= 2) or (_OR_ELSE.search(q[a:b]) and focus_drugs)) and treated:
        # "WM … too frail for BR or DRC - what's a gentler option?": the clause names only the
        # regimens that cannot be used, which the answer need not repeat ("Chlorambucil remains
        # suitable therapy in elderly frail patients"); it is about the condition they were for
        # (one a guideline or a label is about: "8 watery BMs" are no bowel-movement condition).
        # One drug ruled out is named by the answer ("in whom budesonide therapy is not feasible"),
        # so it stays asked about (below).
        # A drug offered as one option among others ("first-line tx here - zolpidem or something
        # else?") asks for the condition's treatment likewise.
        focus_keys, focus_drugs = treated, []
    elif aspect == "alternative" and len(focus_drugs) == 1 and treated:
        # "… pauci-immune crescentic GN … scared of cyclophosphamide - what can we induce with
        # instead?": the condition it was for is asked about too, whose guideline names the
        # alternative without the drug ruled out (the first condition only: haemoptysis is how
        # the vasculitis showed)
        focus_keys = treated[:1]
    if not focus_keys and not focus_drugs:
        # "… painful diabetic neuropathy. what first for the pain?": a clause that names no
        # condition whole asks about the one that shares its words.
        # (not the family's history it tells: "no FHx of early heart disease")
        unfamily = set(analyze(_FAMILY.sub(" ", focus_text)))
        clause = {t for t in focus if t not in generic_all and not t.isdigit() and t in unfamily}
        # ("… metastatic prostate ca … what A1c should I be aiming for now?": the diabetes, whose
        # measure the clause names)
        measured = measured_conditions(clause)
        focus_keys = [k for k in seen_keys if set(k) & (clause | measured)]
        if measured and focus_keys:
            # … and the drug just begun for it ("started allopurinol 100 last month. what serum
            # urate am I aiming for?"), not what the patient has long taken
            focus_drugs = _started_drugs(q, drugs)
    if not focus_keys and not focus_drugs:
        # ... else the condition its telling findings name, rather than one of the findings
        focus_keys = [k for k in seen_keys if any(tuple(analyze(name)) == k for name in signs)]
    ctx = _patient(q, details, patient)
    hints = _hints(q, unsigned, ctx)
    if occurs and not focus_keys and not focus_drugs:
        # A question that names no condition or drug is about the operation it tells ("end of
        # primary open septorhinoplasty … are we packing both sides?"), by the name sources use,
        # or about the condition whose measure its asking clause names ("BP 118/74 … how often
        # should I be rechecking BP in someone like her?": hypertension, screened for)
        # (a measure with its reading - "HR 94 BP 126/78" - is the telling, not what is asked)
        read = re.sub(r"\b[A-Za-z][\w-]*\s*[:=]?\s*[<>≤≥~]?\s*\d[\d./%]*", " ", q[qs:qe] if qe else q[a:b])
        measured_names = measured_condition_names(set(analyze(read)))
        hints = (*hints, *(p for p in (*_procedures(masked, occurs), *measured_names) if p not in hints))
    # (not for an abbreviation the question rules out: "no DM or CKD" searches for no diabetes)
    senses = tuple(options[0] for surface, options in abbreviation_senses(expanded).items()
                   if len(options) > 1 and not set(analyze(options[0])) <= set(analyze(q)) and options[0] not in hints
                   and not (analyze(surface) and set(analyze(surface)) <= negated))
    present = set(stems)
    asked_drugs = focus_drugs if focus_keys or focus_drugs else drugs  # as the frame reports them
    if (aspect != "alternative" and not seen_keys and len(asked_drugs) == 1 and not implied_conditions(q)
            and not any(c <= present for c in _class_stems())):
        # One drug asked about and no condition named or shown ("remitted on sertraline … how do I stop
        # it?"): guidelines file it under its class, so the class joins the search. (Two drugs,
        # or a drug and a class - "sildenafil … taking organic nitrates" - ask how they interact:
        # their labels answer that, not their classes.)
        for d in asked_drugs:
            cls = classes_of(d)
            if cls and not set(analyze(cls[0])) <= present and cls[0] not in hints:
                hints = (*hints, cls[0])
    elif aspect == "stop" and asked_drugs:
        # Whether to stop a drug is written for its class ("Older people on psychotropic medications
        # should have their medication reviewed … and discontinued if possible"): the broadest
        # class the drugs asked about share joins the search.
        shared = set.intersection(*(set(classes_of(d)) for d in asked_drugs))
        broadest = [c for d in asked_drugs[:1] for c in reversed(classes_of(d)) if c in shared][:1]
        hints = (*hints, *(c for c in broadest if not set(analyze(c)) <= present and c not in hints))
    unknown = _unknown(focus_typed, expanded, drugs,
                       bool(focus_keys or focus_drugs), occurs) if occurs else ""
    clause_drugs = [d for d in drugs if set(analyze(d)) <= set(analyze(q[a:b]))]
    if occurs and not unknown and aspect in _DRUG_ASPECTS and not clause_drugs:
        # The clause names no drug but asks how a treatment is given ("… just finished 4 monthly
        # faricimab loading injections. when can I start extending the interval?"): it asks about
        # the drug the question gives, and when no passage names that drug, the index does not
        # hold the answer. (A drug on the patient's list beside an asked target is the telling.)
        # Of several drugs, the one named last is the one asked about: those before it are what
        # was tried ("no better on mebeverine + loperamide. want to try amitriptyline - what
        # dose do I start?").
        latest = max(drugs, key=lambda d: q.lower().rfind(d.lower()), default="")
        unknown = latest if latest and not occurs(latest) else ""
    known_abbrev = {s for s, _ in expanded.abbreviations}
    if occurs and not unknown and aspect in ("starting-dose", "titration") and not clause_drugs and not drugs:
        # "… blood bank only stocks Fibryga. what mg/kg dose do I give?": the dose asked is of the
        # product the telling names, and no indexed passage names it
        unknown = _absent_product(q, known_abbrev, occurs, _BRAND)
    if occurs and not unknown:
        # A drug of the patient's list the clause does not ask about ("on gliclazide +
        # linagliptin … at what A1c?") and what the question rules out ("never had invasive
        # pneumococcal infxn") are the telling, not the subject.
        told = {w for d in drugs for w in d.split()} | {w for w in re.findall(r"[a-z]+", masked) if analyze(w) and
                                                         set(analyze(w)) <= negated}
        unknown = _absent_substance(masked, known_abbrev | told, occurs)
    if occurs and not unknown:
        unknown = _stated_diagnosis(q, occurs, known_abbrev)
    if occurs and not unknown:
        unknown = _named_variant(q, names, occurs)
    if occurs and not unknown and re.search(r"\b(?:those|these|them|it|this|that)\b", q[a:b], re.I):
        # "… wants me to use his Aktiia cuffless bracelet readings instead … can I use those to rule
        # HTN in or out?": the clause asks about a product the sentence before it names
        unknown = _absent_product(q[max(0, a - 200):a], known_abbrev, occurs)
    # Retrieval looks for what the question is about: the asking sentence's words, with the
    # conditions and drugs the rest of a vignette names (its other details describe the patient).
    query_words = [w for w in re.findall(r"[\w'-]+", focus_text) if w.lower() not in CHATTER]
    query = " ".join([*names[:3], *drugs[:3], *query_words])
    return Frame(
        question=q, aspect=aspect, conditions=tuple(names), drugs=tuple(drugs), setting=_setting(q),
        population=_population(q, ctx), patient=ctx, aspects=aspects, unknown=unknown,
        reasons=alternative_reasons(q) if aspect == "alternative" else frozenset(),
        ruled_out=tuple(dict.fromkeys(key for key in phrase_keys if set(key) <= negated and not set(key) <= affirmed)),
        declined=frozenset(negated & _DECLINABLE),
        ask_terms=ask_terms, hints=hints, senses=senses, other_names=tuple(dict.fromkeys([
            *_other_names(focus_keys or seen_keys, scopes, q), *(other for _, other in renamed)])),
        # A clause that names no condition or drug but two words of its own or more ("at what fibrinogen
        # level should I give prophylactic cryo?") asks about those, for the patient the history
        # describes ("steroids?" or "ok to watch and wait?" leans on the history's condition).
        ask_names_subject=ask_names_subject or not (focus_keys or focus_drugs or len(own_words) >= 2),
        asks_for_drug=aspect in ("first-line", "alternative") and bool(_ASKS_FOR_DRUG.search(q[qs:qe] or q[a:b])),
        asks_first=bool(_ASKS_FIRST.search(q[qs:qe] or q[a:b])),
        terms=tuple(terms), focus_terms=focus_terms,
        query=query[:1000], expanded=expanded, condition_keys=tuple(seen_keys),
        # A clause that names nothing ("what now?") leaves the whole question in focus (but for a
        # family's history).
        focus_keys=_beside_organ_disease(tuple(focus_keys if focus_keys or focus_drugs
                                               else [k for k in seen_keys if not set(k) <= family
                                                     and k not in listed_only]
                                               or [k for k in seen_keys if not set(k) <= family]),
                                         scopes, set(analyze(q[a:b])), bool(_ORGAN_FAILURE_CARE.search(q))),
        focus_drugs=tuple(focus_drugs if focus_keys or focus_drugs else drugs),
    )


def _written_as(stem: str, text: str) -> list[str]:
    """The words of ``text`` (lower-cased) whose stem is ``stem``."""
    return [w.lower() for w in re.findall(r"[A-Za-z][\w'-]*", text) if analyze(w) == [stem]]


_SERVICES = frozenset(analyze("clinic clinics unit ward team service department dept programme program"))
_ADJECTIVE = re.compile(r"^[A-Za-z]+(?:ic|al|ary|ive|ous)$")
_PROGRAMMES = _SERVICES | frozenset(analyze("screen screening"))


def _names_a_service(key: tuple[str, ...], text: str, scopes: ScopeIndex) -> bool:
    """Whether the scope item ``key`` names a service or a screening programme of no condition
    ("Newborn Screening" in "picked up on newborn screen"; "Tuberculosis screening" names
    tuberculosis), or is an adjective that ``text`` writes only before one ("Metabolic" in "back
    in metabolic clinic"; a patient "seen in diabetes clinic" still has diabetes)."""
    if key[-1] in _PROGRAMMES:
        return len(key) > 1 and key[:-1] not in scopes.surface
    if len(key) > 1 or not _ADJECTIVE.search(scopes.surface.get(key, "")):
        return False
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    stems = [(analyze(w) or [""])[0] for w in words]
    at = [i for i, st in enumerate(stems) if st == key[-1]]
    return bool(at) and all(i + 1 < len(stems) and stems[i + 1] in _SERVICES for i in at)


def _participle_only(stem: str, surface: str, text: str) -> bool:
    """Whether ``text`` writes the one-word condition ``surface`` only as an -ing word that the
    condition's name is not ("burning feet" for "Burns"; "vomiting" stays "Vomiting"), or only as
    an adjective in -ful ("flat and tearful" for "Tears")."""
    words = _written_as(stem, text)
    derived = ("ing", "ful")
    return (not surface.lower().endswith(derived) and bool(words)
            and all(w.endswith(derived) for w in words))


_OR_ELSE = re.compile(r"\bor (?:something|anything) (?:else|better)\b|\bor (?:another|other) (?:option|drug|med\w*|agent)s?\b|"
                      r"\bor what\b", re.I)
_PHRASAL = re.compile(r"([A-Za-z]+)\s+(?:asleep|apart|behind|short|through)\b", re.I)


def _phrasal_only(stem: str, text: str) -> bool:
    """Whether ``text`` writes a one-word condition's word only in a phrasal verb ("can't fall
    asleep", "falls behind")."""
    words = _written_as(stem, text)
    phrasal = [m.group(1).lower() for m in _PHRASAL.finditer(text) if analyze(m.group(1)) == [stem]]
    return bool(words) and len(phrasal) == len(words)


def _plural_only(stem: str, surface: str, text: str) -> bool:
    """Whether ``text`` writes a head-dropped condition name ("Platelet" of "Platelet disorders")
    only in the plural: the things themselves ("platelets"), not the disease."""
    head = surface.split()[0].lower() if surface.split() else ""
    words = _written_as(stem, text)
    return bool(words) and all(w.endswith("s") and w[:-1] == head for w in words)


# What an organ's failure comes to: a question that speaks of it is about the organ's disease
# ("… CKD G4 … how likely mum is to need dialysis … which progression risk calculator …?").
_ORGAN_FAILURE_CARE = re.compile(r"\b(?:dialysis|RRT|renal replacement|kidney transplant\w*|renal transplant\w*|"
                                 r"kidney failure risk|progression to (?:kidney|renal|ESKD|ESRD|dialysis)|"
                                 r"liver transplant\w*|transplant list)\b", re.I)


def _beside_organ_disease(keys: tuple[tuple[str, ...], ...], scopes: ScopeIndex | None,
                          asked: set[str], failure_care: bool = False) -> tuple[tuple[str, ...], ...]:
    """``keys`` without kidney or liver disease when another condition is named beside it and
    the asking clause (stems ``asked``) does not name it: "66M acute gout flare, CKD 3 (eGFR 45)
    … what do I treat the flare with?" asks about gout; the kidney disease describes the
    patient (the dose and the Special populations section use it). A question that speaks of
    where the organ's failure leads (dialysis, a transplant) is about it: all are kept."""
    if scopes is None or len(keys) < 2 or failure_care:
        return keys
    organ = {k for k in keys if _ORGAN_DISEASE.search(scopes.surface.get(k, " ".join(k))) and not set(k) <= asked}
    return tuple(k for k in keys if k not in organ) if organ and len(organ) < len(keys) else keys


_CHILD_WORDS = re.compile(r"\b(?:child|children|infant|infants|newborn|neonat\w*|p(?:a)?ediatric|kids?|baby|babies|"
                          r"toddler|adolescent|teen\w*|boy|girl)\b", re.I)


_PROCEDURE = re.compile(r"(?<![\w-])([a-z]{4,}(?:plasty|ectomy|otomy|ostomy|oscopy|pexy|rrhaphy))(?![\w-])", re.I)


# Operations combined with another: "septorhinoplasty" is a rhinoplasty with a septoplasty,
# "adenotonsillectomy" a tonsillectomy, "hemicolectomy" a colectomy.
_COMBINED = re.compile(r"^(?:septo|adeno|hemi)(?=[a-z]{8})")


def _procedures(text: str, occurs: Callable[[str], bool]) -> list[str]:
    """The operations ``text`` names that indexed passages write, and for a combined one the
    operation guidelines are written for ("septorhinoplasty": rhinoplasty too)."""
    out = []
    for m in _PROCEDURE.finditer(text[:4000]):
        word = m.group(1).lower()
        out += [w for w in (word, _COMBINED.sub("", word)) if occurs(w)]
    return list(dict.fromkeys(out))


def _hints(q: str, stems: list[str], patient: PatientContext) -> tuple[str, ...]:
    """Conditions the question's findings imply and the patient's group, when unwritten."""
    present = set(stems)
    out = [name for name in implied_conditions(q) if not set(analyze(name)) <= present]
    if patient.pregnant and not re.search(r"\bpregnan|\bantenatal|\bgestation", q, re.I):
        out.append("pregnancy")
    age = patient.age_years
    if age is not None and age < 18 and not _CHILD_WORDS.search(q):
        out.append("infants" if age < 1 else "children")
    return tuple(out)


_SPECIES = r"(?:[A-Z][a-z]{3,}|[A-Z]\.)\s(?!(?:virus|disease|fever|infection)\b)[a-z]{2,}(?:ae|us|is|um|ii|i)\b"
# Words that never begin or continue a condition's name ("people with cirrhosis").
_PLAIN = r"(?:with|without|where|against|after|before|from|into|have|having|people|adults|children|women|" \
         r"patients|settings?|routine|about|other|their|which|what|when|should|during|among|while)"
# Conditions named by where they are ("popliteal aneurysm", "splenic infarct")
_SITED_HEADS = r"(?:aneurysms?|infarcts?|fistula[es]?|dissections?|abscess(?:es)?|hernias?)"
# Words that end the name of a condition ("Kikuchi disease", "Kounis syndrome").
_HEADS = r"(?:disease|syndrome|disorder|infection|fever|virus|deficiency|tumou?r|cancer|carcinoma|lymphoma|" \
         r"[a-z]+itis|myopathy|neuropathy|dystrophy|anemia|anaemia|sarcoma|palsy|sign|toxicity|[a-z]+osis|" \
         rf"{_SITED_HEADS}|ulcers?|entrapment)"
_NAME = re.compile(
    rf"\b({_SPECIES}"  # a species: "Candida auris", "C. auris"
    rf"|[A-Z][\w'-]*(?:[- ][A-Z][\w'-]*)*(?:\s+{_HEADS})?"  # a name: "Kikuchi disease", "MIS-C", "VEXAS"
    rf"|(?:(?!{_PLAIN}\b)[a-z][a-z-]{{3,}}\s+){{1,3}}{_HEADS})(?![\w-])")  # "histiocytic necrotizing lymphadenitis"


_ASKS_FOR_DRUG = re.compile(r"\b(?:meds?|medications?|medicines?|drugs?|tablets?|tabs|pills?|pharmacolog\w*|"
                            r"prescri\w+)\b", re.I)

# "first test", "initial workup", "what do I do first?" (not "first episode", "first trimester")
_ASKS_FIRST = re.compile(r"\b(?:first|initial(?:ly)?)\b(?![- ](?:episodes?|trimester|pregnancy|degree|time|visit|dose|child|"
                         r"born|year|week|day|month|line))", re.I)

# Aspects that ask how a treatment is given: its dose, titration, course or end.
_DRUG_ASPECTS = frozenset({"starting-dose", "titration", "duration", "stop"})


def _unknown(focus: str, expanded: ExpandedQuery, drugs: list[str], has_condition: bool,
             occurs: Callable[[str], bool]) -> str:
    """The name of what the asking clause is about when no indexed document mentions it:
    a drug the index never names ("tirzepatide"), or a named condition ("Kikuchi disease",
    "MIS-C") that occurs nowhere. Abbreviations the table expands, words of bedside
    shorthand and names beside a recognised condition (a rating scale, a test) are not
    taken for the subject."""
    low = focus.lower()
    for d in drugs:
        if d in low and not occurs(d):
            return d
    # "bempedoic acid", "obeticholic acid": a drug named "X acid" that no passage names.
    for m in re.finditer(r"(?<![\w-])([a-z]{4,})\s+acid\b", focus, re.I):
        if not occurs(m.group(1)):
            return f"{m.group(1)} acid"
    known_abbrev = {s for s, _ in expanded.abbreviations}
    # "thinking Cobenfy (xanomeline-trospium) - starting dose?", "Heplisav-B (HepB-CpG)": a
    # capitalised name with another name in brackets after it is a product, whatever condition
    # the question also names; when no passage names it, the index does not hold it.
    if product := _absent_product(focus, known_abbrev, occurs):
        return product
    # "a LINX magnetic sphincter augmentation device": a device named in capitals
    for m in _DEVICE.finditer(focus):
        if m.group(1) not in known_abbrev and not occurs(m.group(1)):
            return m.group(1)
    # "inhaled liposomal cyclosporine (L-CsA-i)": a form of a drug with its own short name, which no
    # passage names (the drug alone is indexed; this form of it is not)
    for m in _FORMULATION.finditer(focus):
        if m.group(2) not in known_abbrev and not occurs(m.group(1)):
            return m.group(1)
    for m in _NAME.finditer(focus):
        name = m.group(1)
        words = name.split()
        head = bool(re.fullmatch(_HEADS, words[-1], re.I)) and len(words) > 1
        species = bool(re.fullmatch(_SPECIES, name))
        first = words[0].strip("'-")
        if first in known_abbrev or first.lower() in CHATTER or (len(first) < 3 and not species):
            continue
        queried = focus[:m.start(1)].rstrip().endswith("?")  # "?EVALI": the working diagnosis
        if re.fullmatch(r"[A-Z]{2,5}(?:s|\d{1,2}[a-z]?)?", name) and not head and not queried:
            continue  # an acronym the tables do not know ("BPO", "CKD4") is shorthand, not a new disease
        if has_condition and not (species or (head and name[:1].isupper()) or _site_variant(words, occurs)):
            continue  # "Vanderbilts c/w ADHD": the condition is what the question is about
        if not (head or species or first[:1].isupper() or "-" in first):
            continue  # ordinary lower-case words are the question's wording, not a name
        if species:
            # "C. auris": the epithet alone, as the genus is not written out
            if not occurs(words[-1] if words[0].endswith(".") else name):
                return name
        elif head and name[:1].islower():
            # "routine cervical cancer", "histiocytic necrotizing lymphadenitis": known when the
            # head with any of the words before it occurs ("cervical cancer").
            # A named syndrome, disease or disorder is known only with its naming words: only
            # describing words may be left off ("multisystem inflammatory syndrome" is not known
            # by "inflammatory syndrome"; "routine cervical cancer" is by "cervical cancer").
            named = words[-1].lower() in ("syndrome", "disease", "disorder")
            shown = [i for i in range(len(words) - 2, -1, -1)
                     if not named or all(_describes(w) for w in words[:i])]
            if not any(occurs(" ".join(words[i:])) for i in shown):
                return name
        elif not occurs(name if head else first):
            return name
    # A plain word no indexed passage contains ("kratom", "mpox") in a clause that names no
    # indexed condition or drug: a substance or condition the index does not hold. (Beside one,
    # such a word is more often bedside spelling - "tachypneic" - than the subject.)
    if not has_condition:
        for word in re.findall(r"(?<![\w-])[a-z]{5,}(?![\w-])", focus):
            # ("mum is terrified of needles and asks for neffy": a participle is the story)
            # ("prosthetist writing the definitive limb Rx": a person who does something is no subject)
            if (word not in CHATTER and word not in known_abbrev and not word.endswith(("ed", "ing", "ist", "ian"))
                    and not _indexed_form(word, occurs)):
                return word
    return ""


# What "re-weigh" or "co-trimoxazole" split off: a prefix, no concept of its own ("anti-D", "non-PCI"
# and "ex-smoker" keep theirs: they change what the word names).
_EVERY_HOURS = re.compile(r"q\d{1,2}h?")  # "q4h": how often a dose is given, no concept
_PREFIXES = frozenset({"re", "co", "de", "un", "semi", "multi", "sub"})
_DEVICE = re.compile(r"(?<![\w-])([A-Z]{3,}[A-Za-z0-9]*)\s+(?:[a-z-]+\s+){0,3}(?:device|implant|system|pump|stent|balloon|"
                     r"catheter|sensor)\b")
_FORMULATION = re.compile(r"(?<![\w-])((?:liposomal|inhaled|nebuli[sz]ed|intranasal|transdermal|depot|extended-release|"
                          r"long-acting|pegylated|sublingual|buccal|topical|intravitreal|intrathecal)\s+[a-z][a-z-]{3,})"
                          r"\s*\(((?=[^)]*[A-Z][^)]*[A-Z])[A-Za-z][\w-]{1,15})\)")
_PRODUCT_KIND = (r"(?:therapy|treatment|injections?|infusions?|vaccine|device|implant|procedure|system|pump|patch|"
                 r"inhaler|bracelet|watch|wearable|monitor|app|tracker|ring|sensor|stimulator)")
# "Cobenfy (xanomeline-trospium)", "his Aktiia cuffless bracelet", "eXciteOSA, the daytime tongue
# stim device" (a name with a capital inside it, as device makers write theirs)
_PRODUCT = re.compile(r"(?<![\w-])([A-Z][a-z][A-Za-z]{2,}(?:-[A-Z0-9]{1,3})?|[a-z]{1,3}[A-Z][A-Za-z]{2,})"
                      r"(?:\s*\((?=[A-Za-z][\w-]{2,}[)/ -])|"
                      rf"\s+(?:[a-z]+\s+){{0,2}}{_PRODUCT_KIND}\b|,\s+(?:the|a|an)\s+(?:[\w-]+\s+){{0,3}}{_PRODUCT_KIND}\b)")


# Endings of words that describe (the patient, a finding) or name a person ("hiker",
# "smoker") rather than name a substance or a condition.
_DESCRIBING = re.compile(r"(?:ic|ous|al|ed|ing|ly|ive|ful|less|able|ible|ness|ish|ant|ent|ary|ory|er|ers|ist|ian)$")


# A capitalised name inside a sentence, after a word (not its first word): "only stocks Fibryga"
_BRAND = re.compile(r"(?<=[\w,;)]\s)([A-Z][a-z]{4,}[A-Za-z]*)(?![\w-])")


def _absent_product(text: str, known_abbrev: set[str], occurs: Callable[[str], bool],
                    pattern: re.Pattern[str] = _PRODUCT) -> str:
    """A product named in ``text`` ("Cobenfy (xanomeline-trospium)", "his Aktiia cuffless
    bracelet"; with ``_BRAND``, any capitalised name) that no indexed passage names; "" when none."""
    return next((m.group(1) for m in pattern.finditer(text)
                 if m.group(1) not in known_abbrev and m.group(1).lower() not in CHATTER
                 and not occurs(m.group(1))), "")


# the diagnosis a vignette states: "core bx: … IGRA neg -> idiopathic granulomatous mastitis."
# ("SLT thinks sarcopenic dysphagia": a working diagnosis said by whoever made it)
# ("looks like first bite syndrome", "calls it a Kennedy terminal ulcer": a working diagnosis)
# The words that state one: "->", "dx", "c/w", "looks like"
_SAID = r"(?:->|=>|→|\bdx(?:'d)?(?: (?:of|with|as))?|\bdiagnosed (?:with|as)|\bc/w|\b(?:looks?|sounds?|seems?) like(?: an?)?)"
_STATED = re.compile(rf"(?:{_SAID}|\bconsistent with|"
                     r"\b(?:calls?|called|labell?ed) (?:it|this)(?: as)?(?: an?)?|"
                     # what a test showed: "provocative duplex + MR angio: popliteal artery entrapment, …"
                     r"\b(?:angio(?:gram|graphy)?|MRA|CTA|MRI|CT|duplex|US|USS|biopsy|bx|histology|path(?:ology)?|"
                     r"scan|EMG|EEG|echo)\s*:|"
                     r"\b(?:thinks?|suspects?|suspected|wonders? about|query|querying)(?: (?:it'?s|this is|it is))?)\s+"
                     r"((?:[a-z][a-z'-]+\s+){1,3}(?:" + _HEADS + r"|[a-z]+(?:phagia|plegia|algia|pathy)))(?![\w-])", re.I)


# ... or one of several words after a dash, closing its sentence: "diagnostic block into the sinus tarsi
# took the pain away for a day - sinus tarsi syndrome."
_STATED_DASH = re.compile(r"\s[-–—]+\s*((?:[a-z][a-z'-]+\s+){1,3}(?:" + _HEADS + r"))(?=\s*(?:[.?!;]|$))", re.I)


# a one-word diagnosis a vignette states at the end of its telling: "… chest tightness every
# Monday back at work that eases by midweek - byssinosis."
_STATED_ONE = re.compile(r"(?:\s[-–—]+\s*|->\s*|→\s*|\bdx(?:'d)?(?: (?:of|with|as))?\s+|\bc/w\s+)"
                         r"([a-z]{5,}(?:osis|iasis|itis|aemia|emia|pathy|oma))(?=\s*(?:[.?!;]|$))", re.I)


_CONCLUDED = re.compile(r"(?:,|;)\s*so\s+((?:[a-z][a-z'-]{2,}\s+){1,2}[a-z][a-z'-]{3,})\s*[.;]", re.I)


# Words that say how big, on which side, how many or how sure: they qualify any condition and
# make no variant of it ("small aneurysm", "bilateral effusions").
_SIZE_SIDE = frozenset("small large big tiny huge giant left right bilateral unilateral single multiple solitary "
                       "known suspected presumed incidental symptomatic asymptomatic stable unstable ruptured "
                       "untreated treated residual".split())


def _site_variant(words: list[str], occurs: Callable[[str], bool]) -> bool:
    """Two lower-case words naming where a known kind of condition is ("popliteal aneurysms")
    that no indexed passage holds together: a variant the index does not cover, however well
    it covers the condition elsewhere (abdominal aortic aneurysm)."""
    if len(words) != 2 or not re.fullmatch(_SITED_HEADS, words[1], re.I):
        return False
    site = words[0].lower()
    return (site.isalpha() and len(site) >= 5 and site not in _SIZE_SIDE and site not in _WORKING_QUALIFIERS
            and site not in CHATTER and occurs(site) and not occurs(" ".join(words)))


# ... or as a short form the tables do not know: "dx FPIES to rice."
_STATED_SHORT = re.compile(rf"{_SAID}\s+([A-Z][A-Z0-9-]{{2,7}})s?(?![\w-])")


def _stated_diagnosis(question: str, occurs: Callable[[str], bool],
                      known_abbrev: set[str] | frozenset[str] = frozenset()) -> str:
    """The diagnosis the vignette states (after "->", "dx", "c/w", "looks like") when no indexed passage names it,
    nor its head with the word before it: "idiopathic granulomatous mastitis" is not the
    "granulomatous disease" the index holds, and its treatment is not that disease's. (A name the
    index holds with a describing word left off - "acute otitis media" as "otitis media" - is
    known.)"""
    for m in [*_STATED.finditer(question[:4000]), *_STATED_DASH.finditer(question[:4000])]:
        words = m.group(1).split()
        if not any(occurs(" ".join(words[i:])) for i in range(len(words) - 1)):
            return m.group(1)
    for m in _CONCLUDED.finditer(question[:4000]):
        # "EP study: atria won't capture even at max output, so atrial standstill.": what the telling
        # concludes, which no passage names
        # (nor a phrase whose head the index holds: "…, so likely viral URTI." is a URTI)
        words = m.group(1).split()
        if (not any(w.lower() in CHATTER or w.lower() in _WORKING_QUALIFIERS for w in words)
                and not any(occurs(" ".join(words[i:])) for i in range(len(words)))):
            return m.group(1)
    for m in _STATED_ONE.finditer(question[:4000]):
        if not _indexed_form(m.group(1).lower(), occurs):
            return m.group(1)
    for m in _STATED_SHORT.finditer(question[:4000]):
        if m.group(1) not in known_abbrev and not occurs(m.group(1)):
            return m.group(1)
    return ""


def _describes(word: str) -> bool:
    """A word that qualifies a condition's name rather than names it ("routine", "recurrent",
    "mild-to-moderate", "necrotizing")."""
    parts = word.lower().split("-")
    return bool(_DESCRIBING.search(word.lower())) or any(p in _WORKING_QUALIFIERS or p == "routine" for p in parts)


_WORKING_QUALIFIERS = frozenset("new acute chronic early late mild moderate severe possible probable likely "
                                "recurrent atypical viral bacterial".split())


# The Latin of a named variant: "acne keloidalis nuchae", "lichen planopilaris", "tinea capitis".
_LATIN = re.compile(r"[a-z]{3,}(?:is|ae|um|us|ii|ica|osa|alis|aris)$")


def _named_variant(question: str, conditions: Sequence[str], occurs: Callable[[str], bool]) -> str:
    """A condition named with Latin words after it that no indexed passage holds ("derm dx acne
    keloidalis nuchae"): a variant the index does not cover, however well it covers the plain
    condition (acne) - never answered with the plain condition's treatment."""
    for name in conditions:
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}((?:\s+[a-z]{{5,}}){{1,2}})(?![\w-])", question[:4000], re.I):
            extra = m.group(1).split()
            if any(_LATIN.fullmatch(w.lower()) and w.lower() not in CHATTER and not _indexed_form(w.lower(), occurs)
                   for w in extra) and not occurs(m.group(0)):
                return m.group(0).strip()
    return ""


def _indexed_form(word: str, occurs: Callable[[str], bool]) -> bool:
    """Whether an indexed passage holds ``word`` or a word it begins: bedside shorthand and
    other forms of an indexed word ("pyelo", "chole", "simva") begin like one; a substance the
    index never names ("kratom") does not."""
    return occurs(word) or occurs(word[:max(4, len(word) - 1)] + "*")


def _absent_substance(text: str, known_abbrev: set[str], occurs: Callable[[str], bool]) -> str:
    """A plain noun anywhere in the question that no indexed passage contains ("38M using
    kratom daily ... can I use buprenorphine?"): what the question is about is then not in
    the index, whatever else it names. Describing words ("tachypneic", "mottled") are the
    patient's, not the subject. ``occurs`` answers a trailing "*" as a prefix query."""
    for m in re.finditer(rf"\b{_SPECIES}", text):
        # A species ("C. auris") is its epithet exactly: "auri*" would find "auricular".
        words = m.group().split()
        if not occurs(words[-1] if words[0].endswith(".") else m.group()):
            return m.group()
    for m in re.finditer(r"(?<![\w?])\?\s?([A-Za-z][\w'-]{2,}(?: [A-Za-z][\w'-]+){0,2})", text):
        # The working diagnosis a bedside note marks with "?" ("?Osgood-Schlatter", "?scombroid",
        # "?pityriasis rosea"), an eponym's hyphenated name included: its first word, as a
        # prefix, and the whole name as a phrase must occur somewhere.
        words = re.split(r" (?:vs|or|and|with|in|after|from|on|but)\b", m.group(1))[0].split()
        while words and words[0].lower() in _WORKING_QUALIFIERS:
            words = words[1:]  # "?new HF", "?acute mountain sickness"
        if not words or any(w in known_abbrev or w.lower() in CHATTER for w in words) or len(words[0]) < 4:
            continue
        first = words[0].split("-")[0]
        name = " ".join(words)
        if not occurs(first[:max(4, len(first) - 1)] + "*") or (len(words) > 1 and not occurs(name)) \
                or ("-" in words[0] and not occurs(words[0])):
            return name
    # Only a word the patient takes ("using kratom daily", "smokes spice"): an everyday word no
    # medical text uses ("night-shift lorry driver") is the patient's story, not a substance.
    for m in _TAKEN_WORD.finditer(text):
        if _ACTIVITY.search(m.group(1)):
            continue  # "starting varsity basketball", "started uni": what the patient does, not takes
        for word in re.findall(r"(?<![\w-])[a-z]{5,}(?![\w-])", m.group(1)):
            if word in CHATTER or word in known_abbrev or _DESCRIBING.search(word):
                continue
            if not _indexed_form(word, occurs):
                return word
    return ""


_ACTIVITY = re.compile(r"\b(?:basketball|football|soccer|rugby|netball|hockey|tennis|cricket|baseball|volleyball|"
                       r"swimming|running|athletics|sports?|season|team|league|training|practice|gym|school|college|"
                       r"uni|university|nursery|daycare|kindergarten|work|job|shifts?)\b", re.I)
_TAKEN_WORD = re.compile(r"\b(?:using|uses|used|use|taking|takes|took|take|on|started|starting|smok\w*|drink\w*|"
                         # what a test found: "lab later confirms bromazolam"
                         r"confirms|confirmed|detected|detects|positive for|\+ve for|"
                         r"inject\w*|chew\w*|vap\w*|snort\w*|tried|trying|bought|buys|ordered|abus\w*|"
                         r"misus\w*|(?:some|a|an|the|this|that|his|her|their)\b(?= \w+ (?:daily|every|for|since|"
                         r"supplement|tea|gumm|pill|tablet|capsule|powder|drops|oil|extract)))"
                         r"\s+((?:[\w-]+\s+)?[\w-]+)")


def _focus_text(q: str, a: int, b: int, details: list[tuple[int, int]], expanded: ExpandedQuery,
                scopes: ScopeIndex | None, dash: bool = False) -> str:
    """The clause that asks and the one before it (where a short question's subject is),
    abbreviations expanded when ``scopes`` is given."""
    # The sentence that holds the asking clause ("starting tirzepatide - 2.5 mg weekly? how fast
    # can I titrate?"), and the one before it when the question is a bare "what now?".
    # With ``dash``, a dash between spaces ends the telling as a full stop does.
    stops = r"(?<!\d)(?<!\b[A-Z])[.;:\n](?!\d)" + (r"|\s[-–—]+\s" if dash else "")
    ends = [m.end() for m in re.finditer(stops, q[:a])]
    start = ends[-1] if ends else 0
    if len(q[start:b].split()) <= 4:
        before = [s for s in clauses(q) if s[1] <= start]
        start = before[-1][0] if before else start
    inside = [(max(s, start), min(e, b)) for s, e in details if e > start and s < b]
    masked = _mask(q[start:b], [(s - start, e - start) for s, e in inside])
    return _substituted(masked, expanded, scopes) if scopes is not None else masked
