"""What each document is about — its scope — as a lexicon of conditions and a small index.

A guideline's scope is its title, the diseases or conditions it covers, its target
population and the interventions it considers (the NGC summaries carry these fields); a
label's is its product names and indications; a consumer page's its focus; an article's
its title and MeSH terms. The conditions named in scopes are the lexicon by which a
question's condition is recognised ("febrile neutropenia", "Guillain-Barré syndrome (GBS)",
"celiac" for "Celiac disease"). BM25 over the scope fields ranks the documents naming a
phrase, which resolves an ambiguous abbreviation by the question's other words ("HD" beside
"phos" and "binder" is haemodialysis). Ranking the documents for a question on their scope
was measured too, alone and fused with passage retrieval, and did not beat passage retrieval
on the clinical question set (docs/benchmarks.md), so answers do not use it.

The index is built from ``store.document_scopes()`` once per process and store version.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..clinical.drug_classes import drug_classes
from .analyze import analyze

FIELD_WEIGHTS = {"title": 1.0, "conditions": 1.3, "population": 0.4, "interventions": 0.7}
_SPLIT = re.compile(r"\s*(?:;|\n|•)\s*")
_PAREN = re.compile(r"\s*\(([^()]{1,60})\)\s*")
_LEAD = re.compile(r"^(?:including|such as|e\.g\.,?|and|or|other|any|all)\s+", re.I)
_MAX_PHRASE_TOKENS = 8
_MAX_PHRASES_PER_DOC = 60
_HEAD_STEMS = frozenset({"diseas", "syndrom", "disord"})
# Everyday words an eponym shares (stemmed): "Brown syndrome" is not named by "blood chocolate-brown
# in the syringe", nor "Young syndrome" by "young".
_EVERYDAY = frozenset(analyze("brown white black green grey gray yellow orange purple young short small large "
                              "sweet happy stiff hand foot", unique=True))
# Tests and imaging some scopes list among their conditions: never a condition of a question.
_TESTS = frozenset({"mri", "ct", "pet", "pet/ct", "ecg", "ekg", "eeg", "emg", "x-ray", "ultrasound", "ultrasonography",
                    "mammography", "colonoscopy", "endoscopy", "biopsy", "magnetic resonance imaging",
                    "computed tomography", "igm", "igg", "iga", "ige", "pcr", "hba1c", "a1c", "inr", "liver function tests",
                    "liver function test", "lfts", "lft"})
# How a drug is given, and the numerals of a grade or a class ("IV" in "class IV", "(IV)" for
# intravenous): "IV vanc" names no condition.
_NOT_CONDITIONS = frozenset({"iv", "im", "sc", "sq", "po", "pr", "sl", "ii", "iii", "vi", "vii", "viii", "ix", "xi", "xii"})
_NAMED_HEADS = frozenset({"disease", "diseases", "syndrome", "syndromes", "disorder", "disorders"})
_ALIAS_MAX_LEADS = 3  # a word that begins this many other condition names is a qualifier
_COMMON_SHARE = 0.01  # a one-word condition named in more scopes than this is a category
_RARE_SHARE = 0.002  # a consumer page's one-word topic this rare is a condition ("Pheochromocytoma")


@dataclass(frozen=True)
class Scope:
    """The fields a document is ranked on, as plain text, and the condition phrases it names."""

    doc_id: str
    source_type: str
    title: str
    conditions: tuple[str, ...]
    population: str
    interventions: tuple[str, ...]


def _items(value: Any) -> list[str]:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if not isinstance(value, str):
        return []
    out = []
    for raw in _SPLIT.split(value):
        item = _LEAD.sub("", raw.strip(" .,:"))
        if item and len(item) <= 200:
            out.append(item)
    return out


def scope_of(doc_id: str, source_type: str, title: str, meta: dict[str, Any], mesh: Sequence[str]) -> Scope:
    """A document's scope from its stored fields (pure)."""
    conditions: list[str] = []
    population = ""
    interventions: list[str] = []
    if source_type == "guideline":
        conditions = _items(meta.get("diseases"))
        population = str(meta.get("target_population") or "")
        interventions = _items(meta.get("interventions"))
    elif source_type == "label":
        names = [*_items(meta.get("brand_names")), *_items(meta.get("generic_names"))]
        indications = str(meta.get("indications") or "")
        # "Rheumatoid Arthritis: HUMIRA is indicated for …": the headings name the conditions.
        heads = re.findall(r"(?:^|\.\s)([A-Z][\w’' -]{2,60}):\s", indications)
        conditions = [*heads, indications[:600]] if indications else []
        interventions = names
    elif source_type == "consumer":
        conditions = [str(meta.get("focus") or title)]
    else:
        conditions = [str(t) for t in mesh]
    return Scope(doc_id, source_type, title, tuple(conditions), population, tuple(interventions))


_QUALIFIERS = frozenset("acute chronic peripheral central primary secondary recurrent idiopathic unilateral bilateral "
                        "severe mild moderate early advanced refractory persistent suspicious suspected".split())


def condition_phrases(scope: Scope) -> list[str]:
    """The phrases by which a scope names its conditions (with their abbreviations)."""
    if scope.source_type not in ("guideline", "label", "consumer"):
        return []  # an article's MeSH terms are indexing terms ("Humans", "Plasma"), not its topic
    out: list[str] = []
    for item in _named_apart(scope.conditions[:_MAX_PHRASES_PER_DOC]):
        bare = _PAREN.sub(" ", item).strip()
        # "Macular oedema secondary to branch or central retinal vein occlusion": the cause is a
        # condition the item names too, as are the kinds of it the item coordinates (the effect
        # is often a broad name of its own - "Ascites due to cirrhosis" - and is not added)
        cause = _SECONDARY_TO.match(bare)
        if cause:
            out += [cause.group(2), *_coordinated_parts(cause.group(2))]
        qualified = _QUALIFIED.match(bare)
        if qualified:
            # "Renovascular hypertension with either normal or decreased renal function": the
            # condition is what the qualifier qualifies
            out.append(qualified.group(1))
        if bare and len(bare.split()) <= _MAX_PHRASE_TOKENS:
            out.append(bare)
            out += _pair_parts(bare)
            out += _coordinated_parts(bare)
            words = bare.split()
            if len(words) >= 3 and words[0].lower() in _QUALIFIERS:
                # "Peripheral vestibular hypofunction" also names "unilateral vestibular
                # hypofunction"'s condition: the qualifier is one kind of it.
                out.append(" ".join(words[1:]))
            elif len(words) >= 3 and words[-1].lower() in ("infection", "infections"):
                # "Clostridium difficile infection": the organism's name alone names it ("C diff
                # toxin +"), as clinicians write it.
                out.append(" ".join(words[:-1]))
            elif len(words) >= 4 and words[-1].lower() in _NAMED_HEADS:
                # "Monoclonal mast cell activation syndrome" is one kind of "mast cell activation
                # syndrome": a long name's first word narrows it.
                out.append(" ".join(words[1:]))
        # "Acute lateral ligament ankle sprains and ankle instability": an injury is named by
        # where it is ("lat ankle sprain", "vertebral fracture"), whatever qualifies it before.
        out += [m.group(1) for m in _INJURY.finditer(bare)]
        # An abbreviation in brackets names the item when it closes the item or a list in it
        # ("Guillain-Barré syndrome (GBS)"); inside a name it abbreviates a part of it ("Hormone
        # receptor (HR)–positive metastatic breast cancer": HR is no condition).
        out += [short for short, _ in _abbreviated(item)]
        joined = _JOINED_ABBREVIATION.match(item)
        if joined:
            out.append(joined.group(1) + joined.group(2))
        out += [name for name, _ in _other_names(item)]
    out += [part for item in scope.conditions[:_MAX_PHRASES_PER_DOC] for part in _included(item)]
    if scope.source_type == "consumer" and scope.title and len(scope.title.split()) <= _MAX_PHRASE_TOKENS:
        out.append(scope.title)
    if scope.source_type == "consumer":
        # "Pyelonephritis: Kidney Infection": each side of a page's colon names its topic
        for item in (*scope.conditions[:1], scope.title):
            if ": " in item:
                out += [part.strip() for part in item.split(": ") if 0 < len(part.split()) <= _MAX_PHRASE_TOKENS]
    return out


_QUALIFIED = re.compile(r"^((?!(?:patients?|people|persons?|adults?|children|women|men|individuals?|infants?|those)\b)"
                        r"[\w'’-]+(?: [\w'’-]+){1,4}) (?:with|without|in) \w", re.I)
_SECONDARY_TO = re.compile(r"^([\w'’-]+(?: [\w'’-]+){0,3}) (?:secondary to|due to|caused by) ([\w'’-]+(?: [\w'’-]+){0,6})$",
                           re.I)
# The injury with the word before it, after at least one more word of a longer name
_INJURY = re.compile(r"(?i)(?<=\w )([\w'’-]+ (?:sprains?|strains?|fractures?))\b(?! of)")


_ALSO_KNOWN = re.compile(r",?\s+(?:also known as|also called|otherwise known as|aka|formerly(?: known as| called)?)\s+",
                         re.I)


def _named_apart(items: Sequence[str]) -> list[str]:
    """Scope items with each other name an item gives ("Large hemispheric infarction (LHI), also
    known as malignant middle cerebral infarction") as an item of its own."""
    return [_before_qualifying_tail(part.strip()) for item in items for part in _ALSO_KNOWN.split(item)
            if part.strip()]


# ", either symptomatic or asymptomatic": what follows the name only qualifies it ("Rotator cuff
# syndrome, specifically degenerative rotator cuff syndrome which has occurred …", "Metabolic bone
# disease, with resulting delayed bone growth, osteopenia, and rickets")
_QUALIFYING_TAIL = re.compile(r",\s+(?:either|whether|including)\b.*$", re.I)
# (after a name, not after a sentence: "Note: CKD is kidney damage …, with or without decreased GFR")
_NAME_TAIL = re.compile(r"^((?:\S+\s+){0,7}\S+?),\s+(?:specifically|particularly|especially|mainly|primarily|"
                        r"in particular|with|without|resulting|due to|caused by)\b.*$", re.I)
# "Anti-neutrophil cytoplasmic antibody (ANCA)-associated vasculitis": the abbreviation joined to
# the rest of the name, which clinicians write with it ("ANCA-associated vasculitis")
_JOINED_ABBREVIATION = re.compile(r"^(?:[\w'’-]+ ){1,5}\(([A-Z][A-Za-z0-9]{1,9})\)(-[\w'’-]+(?: [\w'’-]+){0,3})$")


_INCLUDING = re.compile(r",?\s+including\s+(.+)$", re.I)


def _included(item: str) -> list[str]:
    """The conditions an item lists after "including" ("Complications of anesthesia, including
    nausea and vomiting, respiratory and cardiovascular complications, shivering, and
    hypothermia" names shivering and hypothermia), each of at most three words."""
    m = _INCLUDING.search(_PAREN.sub(" ", item))
    if not m:
        return []
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+(?=[\w-]+$)", m.group(1).strip(" .;"))
    return [p.strip() for p in parts if 0 < len(p.split()) <= 3 and p.strip().lower() not in _QUALIFIERS]


def _before_qualifying_tail(item: str) -> str:
    """``item`` without a tail that only qualifies its name ("Suspicious adnexal mass, either
    symptomatic or asymptomatic" names a suspicious adnexal mass; "Tuberculosis (TB), including
    latent TB infection" names tuberculosis)."""
    return _NAME_TAIL.sub(r"\1", _QUALIFYING_TAIL.sub("", item)).strip() or item


def _abbreviated(item: str) -> list[tuple[str, str]]:
    """(abbreviation, the name it abbreviates) for each abbreviation in brackets that closes a
    scope item or a list in it ("Guillain-Barré syndrome (GBS)"); inside a name it abbreviates
    a part of it ("Hormone receptor (HR)–positive metastatic breast cancer": HR is no condition)."""
    closing = {m.group(1) for m in re.finditer(r"\(([^()]{1,60})\)\s*(?=$|[,;]|\s(?:and|or)\s)", item)}
    bare = _PAREN.sub(" ", item).strip()
    return [(x, bare) for x in _PAREN.findall(item) if 2 <= len(x) <= 12 and any(c.isupper() for c in x) and x in closing]


_PAIR = re.compile(r"^([\w'’-]+(?: [\w'’-]+){0,2}) and ([\w'’-]+(?: [\w'’-]+){0,2})(?:,? (?:including|e\.g\.?|such as))?$")


def _pair_parts(item: str) -> list[str]:
    """Each side of a scope item that names two conditions ("Psychosis and schizophrenia,
    including"): "first-episode psychosis" names the first."""
    m = _PAIR.match(item)
    if (not m or not any(_CONDITION_HEAD.search(side) for side in m.groups())
            or any(re.search(r"(?i)\b(?:diagnosis|prognosis)$", side) for side in m.groups())):
        return []  # "Diagnosis and management" ends like "psychosis" but names no condition
    first, second = m.groups()
    if " " not in first and not _CONDITION_HEAD.search(first) and _CONDITION_HEAD.search(second.split()[-1]):
        # "Head and neck cancer", "Breast and ovarian cancer": the first side shares the second's
        # head noun ("head" alone is no condition).
        first = f"{first} {second.split()[-1]}"
    return [side for side in (first, second) if side.lower() not in _QUALIFIERS]


_COORDINATED = re.compile(r"^([\w'’-]+),? (?:and|or|and/or) ([\w'’-]+) ((?!(?:of|in|for|with|to|and|or)\b)"
                          r"[\w'’-]+(?: [\w'’-]+){1,3})$", re.I)


def _coordinated_parts(item: str) -> list[str]:
    """The condition two qualifiers share ("Dysplastic and non-dysplastic Barrett's esophagus"
    names Barrett's esophagus), and each qualified kind of it. Only a head of two words or more:
    "Head and neck cancer" names no "cancer" of its own."""
    m = _COORDINATED.match(item)
    if not m:
        return []
    first, second, head = m.groups()
    return [f"{first} {head}", f"{second} {head}", head]


_OTHER_NAME = re.compile(r"^([^()]{3,80}?)\s*\(([A-Za-z][A-Za-z'’ -]{4,60})\)\s*$")


def _other_names(item: str) -> list[tuple[str, str]]:
    """(other name, name) when a scope's condition item gives its other name in closing brackets
    ("Primary adrenal insufficiency (Addison's disease)"), not an acronym, a list or a remark; or
    after "also known as" ("Large hemispheric infarction (LHI), also known as malignant middle
    cerebral infarction")."""
    parts = [p.strip() for p in _ALSO_KNOWN.split(item) if p.strip()]
    if len(parts) == 2:
        return [(parts[1], _PAREN.sub(" ", parts[0]).strip())]
    m = _OTHER_NAME.match(item.strip())
    if not m:
        return []
    name, other = m.group(1).strip(), m.group(2).strip()
    other = re.sub(r"(?i)^(?:formerly|previously|also) (?:(?:referred to|known) as |called )?", "", other)
    if (len(other.split()) > 6 or other.isupper() or re.search(r"(?i)\b(?:or|and|grade|e\.g|i\.e|see|including|not)\b", other)
            or not _CONDITION_HEAD.search(other) or not _CONDITION_HEAD.search(name)):
        return []
    return [(other, name)]


# The last word of a condition's name: "… disease", "… syndrome", "… fractures", "…itis".
_CONDITION_HEAD = re.compile(r"(?i)(?:disease|syndrome|disorder|fracture|cough|failure|insufficiency|dysfunction|"
                             r"infection|tumou?r|"
                             r"cancer|carcinoma|sarcoma|lymphoma|leuka?emia|palsy|deficiency|spasms|stenosis|"
                             r"[a-z]+itis|[a-z]+osis|[a-z]+a?emia|[a-z]+pathy|[a-z]+toxicity|[a-z]{3,}oma)s?$")


@functools.cache
def _drug_stems() -> frozenset[str]:
    """Stems of one-word generic drug names (the drug-class table's)."""
    return frozenset(st[0] for d in drug_classes() if len(st := analyze(d)) == 1)


class ScopeIndex:
    """BM25 over documents' weighted scope fields, and the lexicon of condition phrases."""

    def __init__(self, scopes: Sequence[Scope], generic: frozenset[str] = frozenset()) -> None:
        self.doc_ids = [s.doc_id for s in scopes]
        self._position = {d: i for i, d in enumerate(self.doc_ids)}
        self.source_types = [s.source_type for s in scopes]
        self.titles = [s.title for s in scopes]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.lengths: list[float] = []
        self.doc_terms: list[frozenset[str]] = []
        # stemmed phrase -> documents whose scope names it
        self.phrases: dict[tuple[str, ...], set[int]] = defaultdict(set)
        self.surface: dict[tuple[str, ...], str] = {}
        # Keys written in capitals in every scope ("MG", "CO"): matched only where the question
        # writes them in capitals too, or "mg" and "co-" would be conditions.
        self.capitals: set[tuple[str, ...]] = set()
        # One-word names made by dropping the head noun ("celiac" for "Celiac disease").
        self.aliases: set[tuple[str, ...]] = set()
        # A condition's other name as a scope gives it, both ways ("Addison's disease" <->
        # "Primary adrenal insufficiency"): what retrieval also looks for.
        self.also_named: dict[tuple[str, ...], set[str]] = defaultdict(set)
        # What an abbreviation a scope gives in brackets stands for there ("Acquired brain injury
        # (ABI)"): a question that reads it otherwise ("ABI 0.55": ankle-brachial index) does
        # not name that condition.
        self.abbreviates: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        lower_seen: set[tuple[str, ...]] = set()
        consumer_words: set[tuple[str, ...]] = set()
        for i, s in enumerate(scopes):
            tf: dict[str, float] = defaultdict(float)
            fields = {"title": s.title, "conditions": " ; ".join(s.conditions), "population": s.population,
                      "interventions": " ; ".join(s.interventions)}
            length = 0.0
            for name, text in fields.items():
                for term in analyze(text):
                    tf[term] += FIELD_WEIGHTS[name]
                    length += FIELD_WEIGHTS[name]
            for term, w in tf.items():
                self.postings[term].append((i, w))
            self.doc_terms.append(frozenset(tf))
            self.lengths.append(length)
            for item in _named_apart(s.conditions[:_MAX_PHRASES_PER_DOC]) if s.source_type in ("guideline", "label",
                                                                                                "consumer") else ():
                for short, name in _abbreviated(item):
                    self.abbreviates[tuple(analyze(short))].add(tuple(analyze(name)))
            if s.source_type in ("guideline", "label"):
                for item in s.conditions[:_MAX_PHRASES_PER_DOC]:
                    for other, name in _other_names(item):
                        self.also_named[tuple(analyze(other))].add(name)
                        self.also_named[tuple(analyze(name))].add(other)
            for phrase in condition_phrases(s):
                key = tuple(analyze(phrase))
                if not key or (len(key) == 1 and key[0] in generic) or len(key) > _MAX_PHRASE_TOKENS:
                    continue
                if phrase.strip().lower() in _TESTS or phrase.strip().lower() in _NOT_CONDITIONS:
                    continue  # "MRI" in an imaging guideline's scope is how, not what
                if len(key) == 1 and len(phrase.split()) > 1:
                    # "grade I-V", "Q fever", "After Surgery": the analyser dropped the word
                    # that made it a name, and what is left ("grade", "fever") is no condition.
                    continue
                # One word is a condition when a guideline or a label lists it as one ("Gout");
                # a consumer page's one-word topic is often a category ("Antibiotics", "Blood"),
                # kept only when rare (checked below, once all scopes are counted).
                if len(key) == 1 and s.source_type == "consumer" and not phrase.isupper():
                    consumer_words.add(key)
                self.phrases[key].add(i)
                self.surface.setdefault(key, phrase)
                if len(key) == 1 and phrase.isupper() and len(phrase) <= 6:
                    self.capitals.add(key)
                else:
                    lower_seen.add(key)
        self.capitals -= lower_seen
        # "celiac" for "Celiac disease", "Kawasaki" for "Kawasaki disease": clinicians drop the
        # head noun; the distinctive word alone names the same condition.
        # A word that begins several other condition names ("renal cancer", "renal artery
        # stenosis", "renal colic") qualifies them: "Renal disease" gives no alias "renal".
        leads: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for key in self.phrases:
            if len(key) >= 2 and key[1] not in _HEAD_STEMS:
                leads[key[0]].add(key[1:])
        for key in [k for k in self.phrases if len(k) == 2 and k[1] in _HEAD_STEMS]:
            alias = (key[0],)
            words = self.surface[key].split()
            # Only a two-word name: "Triple A syndrome" is not "triple" (the "A" was dropped).
            # Nor a drug's name: "Warfarin syndrome" does not make warfarin a condition. Nor a
            # category ("Rectal Disorders", "Heart Diseases"): a plural head names a group.
            if (len(key[0]) >= 5 and key[0] not in generic and alias not in self.phrases
                    and (key[0] not in _EVERYDAY or words[0].isupper())
                    and len(words) == 2 and key[0] not in _drug_stems()
                    and not words[1].lower().endswith("s") and len(leads[key[0]]) < _ALIAS_MAX_LEADS):
                self.phrases[alias] = set(self.phrases[key])
                self.surface[alias] = self.surface[key]
                self.aliases.add(alias)
                if key in self.also_named:
                    self.also_named[alias] = set(self.also_named[key])
                word = self.surface[key].split()[0]
                if word.isupper():
                    # "SHORT syndrome": the word alone is the condition only in capitals, or
                    # "shortness of breath" would name it.
                    self.capitals.add(alias)
                    self.surface[alias] = word
        # Words every other scope mentions ("bleeding", "infection") anchor nothing.
        n_docs = max(1, len(scopes))
        for key in consumer_words:
            others = {i for i in self.phrases.get(key, ()) if self.source_types[i] != "consumer"}
            if not others and len(self.postings.get(key[0], ())) > _RARE_SHARE * n_docs:
                del self.phrases[key]  # a category only consumer pages name, and common
        for key in [k for k in self.phrases if len(k) == 1 and k not in self.capitals]:
            if len(self.postings.get(key[0], ())) > _COMMON_SHARE * n_docs:
                del self.phrases[key]
        self.n = max(1, len(scopes))
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        self.longest = max((len(k) for k in self.phrases), default=1)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def rank(self, weighted_terms: Iterable[tuple[str, float]], k: int = 20, k1: float = 1.2,
             b: float = 0.5) -> list[tuple[str, float]]:
        """Documents by BM25 over their scope for (stemmed term, weight) pairs, best first."""
        scores: dict[int, float] = defaultdict(float)
        for term, weight in weighted_terms:
            postings = self.postings.get(term)
            if not postings or weight <= 0:
                continue
            idf = self.idf(term)
            for i, tf in postings:
                norm = tf + k1 * (1 - b + b * self.lengths[i] / self.avg_length)
                scores[i] += weight * idf * tf * (k1 + 1) / norm
        best = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
        return [(self.doc_ids[i], s) for i, s in best]

    def terms_of(self, doc_id: str) -> frozenset[str]:
        """The stemmed words of a document's scope (empty for one not indexed)."""
        i = self._position.get(doc_id)
        return self.doc_terms[i] if i is not None else frozenset()

    def lists(self, doc_id: str, key: tuple[str, ...]) -> bool:
        """Whether the document's scope lists the condition phrase ``key`` itself."""
        i = self._position.get(doc_id)
        return i is not None and i in self.phrases.get(key, ())

    def names(self, doc_id: str, key: tuple[str, ...]) -> bool:
        """Whether the document's scope names the condition phrase ``key`` (or holds all its
        words: "Acute heart failure" names heart failure)."""
        i = self._position.get(doc_id)
        return i is not None and (i in self.phrases.get(key, ()) or set(key) <= self.doc_terms[i])

    def find_phrases(self, stems: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Condition phrases of the lexicon in a stemmed token sequence: (start, end, key),
        longest match first at each position, non-overlapping."""
        out: list[tuple[int, int, tuple[str, ...]]] = []
        i = 0
        while i < len(stems):
            for n in range(min(self.longest, len(stems) - i), 0, -1):
                key = tuple(stems[i:i + n])
                if key in self.phrases:
                    out.append((i, i + n, key))
                    i += n
                    break
            else:
                i += 1
        return out

    def context_score(self, phrase_stems: Sequence[str], context: set[str], k: int = 10) -> float:
        """How much the documents naming a phrase share a question's other words: the idf of
        each context word found in the scopes of the top ``k`` documents for the phrase."""
        words: set[str] = set()
        for doc_id, _ in self.rank([(t, 1.0) for t in phrase_stems], k=k):
            words |= self.doc_terms[self._position[doc_id]]
        own = set(phrase_stems)
        return sum(self.idf(t) for t in context - own if t in words)


_CACHE: dict[str, tuple[str, ScopeIndex]] = {}
_LOCK = threading.Lock()


def load(store: Any, generic: frozenset[str] = frozenset()) -> ScopeIndex:
    """The store's scope index, built once per process and store version."""
    path = str(getattr(store, "path", id(store)))
    stamp = store.passage_stamp()
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with _LOCK:
        cached = _CACHE.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        index = ScopeIndex([scope_of(*row) for row in store.document_scopes()], generic)
        _CACHE[path] = (stamp, index)
        return index
