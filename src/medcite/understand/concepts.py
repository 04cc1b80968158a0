"""The question's key concepts, and how well a text covers them.

A concept is one thing the question is about ("Guillain-Barré syndrome") with the
other ways sources write it ("GBS"): a text covers the concept when it contains any
one of its forms. Coverage weights concepts by rarity (BM25 idf from the store's
index), so "hemolacria" matters more than "blood". Coverage decides which sentences
are relevant and whether the sources cover the question at all (abstention).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..clinical.drug_classes import drug_classes
from ..clinical.drugs import other_names
from ..retrieve.analyze import analyze
from ..retrieve.query import ExpandedQuery, load_abbreviations
from .question import GENERIC_WORDS


@dataclass(frozen=True)
class Concept:
    label: str
    forms: tuple[frozenset[str], ...]  # each form: stemmed terms that must (mostly) co-occur
    weight: float

    def covered_by(self, terms: frozenset[str] | set[str]) -> bool:
        generic = _generic_stems()
        for form in self.forms:
            need = len(form) if len(form) <= 2 else math.ceil(0.67 * len(form))
            if len(form) == 2 and _REDUNDANT & form:
                need = 1 if (form - _REDUNDANT) <= terms else 2  # "stage II melanoma" is the malignant melanoma
            # a long name needs all its telling words ("advanced sleep-wake phase disorder" is
            # not "delayed sleep-wake phase disorder")
            if len(form) >= 4 and any(t not in terms and t not in generic for t in form):
                continue
            if sum(t in terms for t in form) >= need:
                return True
        return False


# A modifier a guideline drops once its subject is plain: "malignant melanoma" is "melanoma"
# (a longer name may already miss one word of three).
_REDUNDANT = frozenset({"malign"})


@functools.cache
def _generic_stems() -> frozenset[str]:
    return frozenset(analyze(" ".join(GENERIC_WORDS), unique=True))


@functools.cache
def _one_word_abbreviations() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(key, its one stem, the stems of each expansion) for every one-word key of the table."""
    out = []
    for key, expansions in load_abbreviations().items():
        short = analyze(key.replace("-", ""))
        if "#" not in key and len(short) == 1:
            out += [(key, short[0], tuple(analyze(expansion))) for expansion in expansions]
    return tuple(out)


@functools.cache
def _reverse_abbreviations() -> tuple[tuple[frozenset[str], str], ...]:
    """(stemmed content terms of an expansion, stemmed abbreviation) for the whole table, but
    bedside clippings ("vanc", "simva", "abx"), which are not how sources write, and drugs with a
    class."""
    generic = _generic_stems()
    # (nor a drug's letters, "LTG": a drug named in full is a drug, written also as its classes)
    drugs = {stem for name in drug_classes() for stem in analyze(name)}
    out = []
    for key, short, expansion in _one_word_abbreviations():
        terms = frozenset(t for t in expansion if t not in generic)
        if not key.islower() and terms and short not in terms and not (len(terms) == 1 and terms <= drugs):
            out.append((terms, short))
    return tuple(out)


@functools.cache
def _clippings() -> dict[str, tuple[frozenset[str], ...]]:
    """Stemmed one-word expansion -> the stemmed bedside clippings the table gives it ("voriconazol"
    -> {"vori"}): further forms of the word, which some sources write too ("VORI")."""
    out: dict[str, list[frozenset[str]]] = {}
    for key, short, expansion in _one_word_abbreviations():
        if key.islower() and len(expansion) == 1 and expansion[0] != short:
            out.setdefault(expansion[0], []).append(frozenset({short}))
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def _class_forms() -> dict[str, tuple[frozenset[str], ...]]:
    """Stemmed one-word drug name -> the stemmed forms of its classes ("sertralin" ->
    {"antidepress"}, {"ssri"}, {"select", "serotonin", "reuptak", "inhibitor"}, …)."""
    out: dict[str, tuple[frozenset[str], ...]] = {}
    for drug, classes in drug_classes().items():
        stems = analyze(drug)
        if len(stems) == 1:
            out[stems[0]] = tuple(frozenset(analyze(c)) for c in classes if analyze(c))
    return out


# What a clinician calls an act and what guidelines call it (stemmed): "how long do I need to
# observe her?" is answered by "… should be closely monitored for at least 6-8 h".
_ACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "observ": ("monitor",), "watch": ("monitor", "observ"), "monitor": ("observ",), "recheck": ("monitor",),
    "wean": ("taper",), "taper": ("wean",),
    # "when should phototherapy be discontinued?" and "Stop phototherapy once …"
    "stop": ("discontinu",), "discontinu": ("stop",),
    # "how often should I check lytes?" and "Measure plasma electrolyte concentrations … every 24 hours"
    "check": ("measur", "monitor"), "measur": ("check",),
    # "is there a validated questionnaire I should run on her?" and "… Emotional Lability Scale (CNS-LS)
    # … may be considered for screening"
    "questionnair": ("scale", "screen", "instrument", "inventori", "tool"),
}
ACT_WORDS = frozenset(_ACT_SYNONYMS)  # stems of the acts a question asks about, not what it is about
# One analyte or substance under two names ("what serum urate am I aiming for?" and "Serum uric
# acid must reach levels below 6.0 mg/dL"; "is iron worth a try? what dose?" and "… prescribing
# ferrous sulfate 325 mg"), as stemmed forms.
_SAME_ANALYTE: dict[str, tuple[frozenset[str], ...]] = {
    "urat": (frozenset({"uric", "acid"}),), "uric": (frozenset({"urat"}),),
    "iron": (frozenset({"ferrous"}), frozenset({"ferric"})),
    "thyroxin": (frozenset({"levothyroxin"}),), "levothyroxin": (frozenset({"thyroxin"}),),
    # one steroid prescribed under two names ("pred 30 mg" and "glucocorticoid doses (prednisone)")
    "prednisolon": (frozenset({"prednison"}),), "prednison": (frozenset({"prednisolon"}),),
}

# One condition in the other words sources use for it: a concept written one way is also covered
# by the other. How drug labels name the organ disease a guideline calls chronic kidney disease
# ("CKD stage 4 … starting atorvastatin - renally dose it?" and the label's "Renal Impairment: …
# no dose adjustment"):
_RENAL_IMPAIRMENT = (frozenset({"renal", "impair"}), frozenset({"renal", "insuffici"}), frozenset({"kidney", "impair"}))
_OTHER_WORDINGS: tuple[tuple[frozenset[str], tuple[frozenset[str], ...]], ...] = (
    (frozenset({"chronic", "kidney"}), _RENAL_IMPAIRMENT),
    (frozenset({"ckd"}), _RENAL_IMPAIRMENT),
    # … and how a guideline's title may name hypertension ("… management of high blood pressure
    # in adults", the JNC 8 report, for "72M, HTN … what's the goal BP?")
    (frozenset({"hypertens"}), (frozenset({"high", "blood", "pressur"}),)),
    (frozenset({"htn"}), (frozenset({"high", "blood", "pressur"}),)),
    # … and a major depressive episode by the disorder's name ("Practice guideline for the treatment
    # of patients with major depressive disorder", for "after remission of a first major depressive
    # episode")
    (frozenset({"major", "episod"}), (frozenset({"major", "depress", "disord"}),)),
    (frozenset({"mde"}), (frozenset({"major", "depress", "disord"}),)),
    # the everyday word and the clinical one: "8 faints in 3 mo" and "pediatric vasovagal syncope"
    (frozenset({"faint"}), (frozenset({"syncop"}),)),
    (frozenset({"syncop"}), (frozenset({"faint"}),)),
    # fluids given and what guidelines call giving them: "started s/c fluids 1 L/24h" and "For people
    # being started on clinically assisted hydration: Monitor at least every 12 hours …"
    (frozenset({"fluid"}), (frozenset({"hydrat"}),)),
    # the test and its record: "echo (echocardiography)" and "An echocardiogram may be performed …"
    (frozenset({"echocardiographi"}), (frozenset({"echocardiogram"}),)),
    (frozenset({"echocardiogram"}), (frozenset({"echocardiographi"}),)),
)

def _adjectival(form: frozenset[str]) -> frozenset[str]:
    """``form`` with each "-ia" noun as its adjective's stem ("thrombocytopenia" ->
    "thrombocytopen", the stem of "thrombocytopenic"; "ischemia" -> "ischem")."""
    return frozenset(t[:-2] if t.endswith("ia") and len(t) >= 6 else t for t in form)


_ONE_LETTER_PART = re.compile(r"-[A-Za-z0-9](?![\w])")


def concepts(key_terms: Iterable[str], expanded: ExpandedQuery | None,
             idf: Callable[[str], float], classed: frozenset[str] = frozenset(),
             phrases: Iterable[tuple[str, ...]] = ()) -> list[Concept]:
    """Concepts of a question from its key terms and the expansions found for it; a drug
    whose stem is in ``classed`` (what the question asks about) is also written as its classes;
    a condition's name of three words or more in ``phrases`` is one concept ("mast cell
    activation syndrome" is not covered by "mast cell stabilizers")."""
    generic = _generic_stems()
    remaining = list(dict.fromkeys(key_terms))
    out: list[Concept] = []

    def take(label: str, main: frozenset[str], others: Iterable[frozenset[str]], main_form: bool = True) -> None:
        named = [*([main] if main_form else []), *[o for o in others if o]]
        # one substance under another name, however the question wrote it ("T4": thyroxine, levothyroxine)
        named += [same for form in named if len(form) == 1 for same in _SAME_ANALYTE.get(next(iter(form)), ())]
        # the condition and its adjective stem apart: "thrombocytopenia" / "thrombocytopenic purpura"
        named += [adjectival for form in named if (adjectival := _adjectival(form)) != form]
        weight = max((idf(t) for t in main), default=1.0)
        out.append(Concept(label, tuple(dict.fromkeys(named)), weight))
        for t in main:
            if t in remaining:
                remaining.remove(t)

    present = frozenset(remaining)
    # A full name in the question ("Guillain-Barré syndrome") also matches its abbreviation.
    for terms, short in _reverse_abbreviations():
        main = terms & present
        if main and terms <= (present | generic) and main <= frozenset(remaining):
            take(" ".join(sorted(main)), frozenset(main), [frozenset({short})])
    if expanded is not None:
        for surface, expansion in (*expanded.abbreviations, *expanded.drugs):
            stems = frozenset(analyze(surface))
            main = stems & frozenset(remaining)
            if main:
                alt = frozenset(t for t in analyze(expansion) if t not in generic)
                # a brand's generic name, and that drug's classes ("Viagra": PDE5 inhibitor)
                classes = _class_forms().get(next(iter(alt)), ()) if len(alt) == 1 and main & classed else ()
                # "anti-D" is "anti" once its letter is dropped, which "anti-HBs" also is: such a
                # name is matched by what it stands for (anti-D immunoglobulin) only.
                clipped = bool(_ONE_LETTER_PART.search(surface)) and len(alt) > len(main)
                take(surface, frozenset(main), [alt, *classes], main_form=not clipped)
    for phrase in phrases:
        main = frozenset(t for t in phrase if t not in generic)
        if len(main) >= 3 and main <= frozenset(remaining):
            take(" ".join(phrase), main, [])
    for term in list(remaining):
        if term in generic and out:
            # "type" of "type 2 diabetes" (whose concept is "2 diabet" / "T2D"), "disease":
            # a generic word is no concept of its own beside the ones it came with.
            continue
        if term in remaining:
            # A generic name in the question also matches the brand a label uses ("HUMIRA").
            brands = [frozenset(analyze(b)) for b in other_names(term)] if len(term) >= 5 else []
            # ... and a drug's classes: guidelines say "taper antidepressants", not "sertraline".
            # A drug the patient merely takes stays itself: "on metformin" does not make every
            # sentence on glucose-lowering drugs relevant.
            classes = _class_forms().get(term, ()) if term in classed else ()
            acts = [*(frozenset({a}) for a in _ACT_SYNONYMS.get(term, ())), *_SAME_ANALYTE.get(term, ()),
                    *_clippings().get(term, ())]
            take(term, frozenset({term}), [*(b for b in brands if len(b) == 1), *classes, *acts])
    return [_with_other_wordings(c) for c in out]


def _with_other_wordings(concept: Concept) -> Concept:
    """``concept`` with the other wordings of what it names as further forms (a label's "renal
    impairment" for chronic kidney disease, "high blood pressure" for hypertension)."""
    extra = [f for form, others in _OTHER_WORDINGS if any(form <= own for own in concept.forms) for f in others]
    if not extra:
        return concept
    return Concept(concept.label, tuple(dict.fromkeys([*concept.forms, *extra])), concept.weight)


def coverage(found: list[Concept], terms: frozenset[str] | set[str]) -> float:
    """Weighted share of concepts covered by a text's stemmed terms (0 when none asked)."""
    total = sum(c.weight for c in found)
    if total <= 0:
        return 0.0
    return sum(c.weight for c in found if c.covered_by(terms)) / total
