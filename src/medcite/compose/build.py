"""The extractive composer: question -> retrieved passages -> cited, structured Answer.

Every claim is a sentence taken from a retrieved passage (trimmed at most), cited to
that passage's document. Nothing is written from memory: when no passage covers the
question's key concepts the answer says so and lists the nearest sources.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from ..clinical.abbreviations import plain_word_usage
from ..clinical.drug_classes import classes_of
from ..clinical.drugs import names_a_drug
from ..clinical.sentences import is_fragment
from ..retrieve import scope as scopes
from ..retrieve.analyze import analyze
from ..retrieve.search import Retriever
from ..store import EvidenceStore
from ..types import Answer, Hit, PatientContext, Section, Statement
from ..understand.aspect import alternative_reasons
from ..understand.concepts import ACT_WORDS, Concept, concepts, coverage
from ..understand.frame import Frame, abbreviation_senses, understand, written_forms
from ..understand.patient import merge, parse_patient
from ..understand.populations import (
    NAME_GENERIC,
    POPULATIONS,
    age_conflict,
    gestation_conflict,
    kind_conflict,
    maternity_conflict,
    mentions,
    mismatch,
    normal_finding_conflict,
    opens_for_unasked_group,
    restricted_elsewhere,
    restricted_to_ruled_out,
    sex_conflict,
    speaks_of_others,
    title_mismatch,
    value_fit,
)
from ..understand.question import GENERIC_WORDS, QuestionFrame, frame, intent_of
from ..understand.vignette import CHATTER
from . import audience as lay
from . import dosing
from .aspects import aspect_bonus, recommends_testing_for
from .facets import SECTIONS
from .judge import (
    MAX_SEPARATE_ITEMS,
    announces_values,
    bottom_line_material,
    directs,
    leans_on_previous,
    list_items,
    recommends,
)
from .references import Numbering
from .select import INTENT_FACETS, Budget, Candidate, ScoreWeights, candidates, pick, score, similar

DISCLAIMER = (
    "For healthcare professionals. This answer is assembled from the indexed sources it cites; "
    "it supplements, and does not replace, clinical judgement and current guidelines. Verify doses "
    "and recommendations against the primary sources before acting on them."
)
LAY_DISCLAIMER = (
    "This is general information from the sources listed, not medical advice. Talk to your doctor, "
    "nurse or pharmacist about your own situation before changing any treatment."
)


@dataclass(frozen=True)
class ComposeConfig:
    passages: int = 30  # retrieved for the main question
    population_passages: int = 15
    abstain_cover: float = 0.4  # best concept coverage under which the answer abstains
    # ... unless a guideline or label whose scope lists the asked condition has a sentence on it
    # covering this much: a long telling spreads its words so that no passage holds 40% of them
    listed_cover: float = 0.25
    min_sentence_cover: float = 0.3  # context coverage a sentence needs to be used at all
    document_weight: float = 0.3  # bonus for sentences of the best-ranked documents (the first most)
    aspect_weight: float = 0.35  # bonus for a bottom line that states the asked aspect
    ask_weight: float = 0.2  # bonus for a sentence that says what the asking clause names
    # Within the chosen document (about the condition already), the concept coverage the
    # bottom-line sentence itself needs: "Stop metformin if the eGFR is below 30" need not
    # repeat "type 2 diabetes".
    document_sentence_cover: float = 0.15
    next_documents: int = 3  # further guidelines or labels searched for a sentence on the asked aspect
    aspect_extra: int = 5  # statements of the asked aspect from the best document, beyond the budget
    beside_bottom_line: int = 2  # recommendations next to the bottom line in its guideline or label
    aspect_sentences: int = 2  # more room in the body when a dose, target, duration … is asked
    guideline_sentences: int = 3  # more room when the answer comes from a guideline or a label
    list_items: int = 6  # items of a list nested under the chosen sentence that introduces it
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    budgets: dict[str, Budget] = field(default_factory=lambda: {
        "clinician": Budget(), "nurse": Budget(), "pharmacist": Budget(),
        "student": Budget(max_sentences=5, max_words=90),
        "patient": Budget(max_sentences=4, max_words=80),
    })


@dataclass
class _Context:
    question: str
    frame: QuestionFrame  # the title, intent and topic words of the question as typed
    understood: Frame  # conditions, drugs, aspect, population, relevance terms
    audience: str
    patient: PatientContext
    found: list[Concept]
    subject: list[Concept]  # what the asking clause names (its conditions and drugs)
    asked_terms: list[Concept]  # the asking clause's other words ("transfuse", "CT head", "pheo")
    ask_clause: list[Concept]  # the words of the asking clause itself, when it names no subject
    asked_population: str
    lay: bool
    # The senses not chosen for an ambiguous abbreviation of the question ("Huntington disease"
    # for "HD" beside "dialysis"), as stems: a source about one of them is about something else.
    other_senses: tuple[frozenset[str], ...] = ()
    # The list a lead-in ending its passage introduces, stored one item per passage after it
    # (by the lead-in's passage id): what that lead-in states.
    lists: dict[int, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def compose(
    question: str,
    store: EvidenceStore,
    audience: str = "clinician",
    patient: str = "",
    follow_up_of: Answer | None = None,
    retriever: Retriever | None = None,
    config: ComposeConfig | None = None,
) -> Answer:
    """An unverified answer to ``question`` from ``store`` (``medcite.ask`` verifies and saves)."""
    t0 = time.perf_counter()
    config = config or ComposeConfig()
    retriever = retriever or Retriever(store)
    question = (question or "").strip()[:2000]
    ctx = _context(question, audience, patient, follow_up_of, retriever, store)
    if ctx.understood.unknown:
        return _not_covered(ctx, retriever, store, t0)
    # The question as typed retrieves best (measured on the clinical set: the frame's
    # reduced query lost details that tell guidelines apart); the frame decides relevance.
    query = f"{follow_up_of.question} {question}" if follow_up_of else ctx.understood.search_text
    hits = retriever.search(query, k=config.passages, snippets=False) if ctx.found else []
    if hits and not follow_up_of:
        hits = _with_listing_document(hits, ctx, retriever, store, config)
        hits = _with_drug_document(hits, ctx, retriever, store, config)
    documents = _best_documents(_reranked(hits, ctx, store), ctx.lay) if ctx.found else {}
    hits = _merge_hits(hits, _siblings(store, hits, ctx.found, documents, population=ctx.asked_population,
                                       reasons=ctx.understood.reasons, aspect=ctx.understood.aspect))
    if ctx.lay:
        hits = _merge_hits(hits, retriever.search(query, k=10, source_types=["consumer"], snippets=False))
    ctx.timings["retrieve"] = _ms(t0)

    cands = candidates(hits, ctx.found, defined=store.definitions_of([h.doc_id for h in hits]))
    best_cover = max((c.context_cover for c in cands[:400]), default=0.0)
    if not cands or (best_cover < config.abstain_cover and not _listed_answers(cands[:400], ctx, store, config)):
        return _abstain(ctx, hits, store, t0)

    ctx.lists = _separate_lists(store, cands, list(documents))
    scored = score(cands, ctx.frame.intent, date.today().year, lay=ctx.lay, w=config.weights,
                   doc_bonus={d: config.document_weight * v for d, v in documents.items()})
    ranked = _prefer_asked(scored, ctx, config)
    budget = config.budgets.get(audience, Budget())
    kinds = {h.doc_id: h.source_type for h in hits}
    if not ctx.lay and kinds.get(next(iter(documents), "")) in ("guideline", "label"):
        # A guideline or a label answers with its several recommendations on the question (the
        # BioASQ-tuned budget is for summaries of abstracts): room for them.
        budget = replace(budget, max_sentences=budget.max_sentences + config.guideline_sentences,
                         max_words=budget.max_words + 20 * config.guideline_sentences,
                         per_document=budget.per_document + config.guideline_sentences)
    if not ctx.lay and ctx.understood.aspect in _STATED_ASPECTS:
        # A dose, a target, a duration: the guideline's several statements of it (for each
        # situation it distinguishes) are the answer, and they are short.
        budget = replace(budget, max_sentences=budget.max_sentences + config.aspect_sentences,
                         max_words=budget.max_words + 15 * config.aspect_sentences)
    # A sentence that leans on the one before it ("These could be signs of a serious condition.")
    # says nothing as a bullet of its own.
    chosen = pick([c for c in ranked if not leans_on_previous(c.text)], budget, min_cover=config.min_sentence_cover)
    chosen = [c for c in chosen if not (mismatch(c.text, ctx.asked_population)
                                        and c.facet != "populations")] or chosen
    top_doc = next(iter(documents), "")
    if not ctx.lay:
        chosen += _asked_statements(ranked, chosen, ctx, config, top_doc)
    # The guidelines and labels after the best document, asked when it has no answer
    following = _next_documents(ranked, config, top_doc, ctx.asked_population)
    bottom, listed = _bottom_line_with_list(ranked, chosen, ctx, config, store, [*documents], top_doc, following)
    aspect_gap = _aspect_gap(ctx, bottom) or ("" if bottom else _no_bottom_line(ctx))
    if aspect_gap and not any(_asked(ctx, c, listed=True) > 0 for c in bottom):
        bottom = []  # say what is missing rather than answer a neighbouring aspect
    body = [c for c in chosen if c not in bottom]
    body += _beside(store, ctx, config, bottom, body, ranked)
    for c in body:
        # Another population's recommendation is shown only as a subgroup, labelled as one.
        if c.facet not in ("populations", "subgroups") and _other_population(ctx, c.text):
            c.facet = "subgroups"

    # Doses come from dosing sentences only: a pharmacokinetics or trial sentence quotes
    # doses that were studied, not doses to give.
    # A regimen line ("Ceftriaxone 250 mg intramuscularly (IM) in a single dose") is no sentence
    # to show as a bullet, but it is exactly a row of the dosing table.
    rows_src = [c for c in scored if c.context_cover >= config.min_sentence_cover and c.facet == "dosing"][:120]
    if ctx.frame.intent in ("dosing", "treatment") and not dosing.has_doses(rows_src):
        extra = retriever.search(f"{ctx.frame.topic or query} dose", k=10, snippets=False)
        rows_src += [c for c in score(candidates(extra, ctx.found), "dosing", date.today().year)
                     if c.context_cover >= config.min_sentence_cover and c.facet == "dosing"]
    # Doses for exactly what was asked (the drug *and* the condition) when sources give
    # them; otherwise doses from sentences that cover most of the question.
    table = (dosing.rows([c for c in rows_src if c.context_cover >= 0.99], ctx.patient, ctx.asked_population)
             or dosing.rows([c for c in rows_src if c.context_cover >= 0.5], ctx.patient, ctx.asked_population))
    aspect = ctx.understood.aspect
    if aspect_gap and not bottom and ((aspect == "starting-dose" and table)
                                      or (aspect == "duration" and any(r.dose.duration for r in table))):
        # A label or a guideline gives its doses as a table ("children 6 to under 12 years | 2
        # teaspoonfuls", "Lyme disease arthritis | Oral doxycycline: 100 mg … for 28 days"): no
        # sentence states the dose or the course, but the answer's dosing table does.
        what = "starting dose" if aspect == "starting-dose" else "duration"
        aspect_gap = (f"No sentence of the indexed sources found states the {what} for {_gap_topic(ctx)}; "
                      f"the dosing table gives the {'doses' if what == 'starting dose' else 'courses'} they list.")

    pop_statements, pop_gaps = _special_populations(ctx, ranked, [*body, *bottom], retriever, config, table)
    # A sentence that introduces a list is shown with the list nested under it, or not at all.
    items = list_items([*body, *pop_statements], ctx.found, config.list_items,
                       following=lambda hit: _next_in_section(store, hit, MAX_SEPARATE_ITEMS + 1))
    led = {(i.under or i.hit.passage_id, i.facet) for i in items}
    body = [c for c in body if not c.is_lead or (c.hit.passage_id, c.facet) in led] + items
    pop_statements = [c for c in pop_statements if not c.is_lead or (c.hit.passage_id, c.facet) in led]
    ctx.timings["select"] = _ms(t0) - ctx.timings["retrieve"]

    numbering = Numbering()
    seen_terms: set[str] = set()

    def statement(c: Candidate) -> Statement:
        n = numbering.cite(c.hit, c.start, c.end, c.score)
        text = c.text
        if ctx.lay:
            text = lay.plain_trim(text, lay.SENTENCE_WORD_LIMIT.get(audience) or 40)
        s = Statement(text=text, citations=(n,), facet=c.facet, grade=c.grade,
                      passage_ids=(c.hit.passage_id,))
        return lay.gloss_statement(s, seen_terms) if ctx.lay else s

    bottom_line = tuple(_nest([*bottom, *(listed if bottom else [])], statement))
    grouped: dict[str, list[Candidate]] = {}
    for c in body:
        grouped.setdefault(c.facet, []).append(c)
    shown = {_said(c.text) for c in bottom}
    sections: list[Section] = []
    for key, title in SECTIONS:
        items = list(grouped.get(key, []))
        if key == "populations":
            items += [c for c in pop_statements if c not in items]
        items = _unrepeated(items, shown)
        # Numbers are given in reading order: the section's statements, then its conflict notes.
        statements = _nest(items, statement)
        if key == "dosing":
            statements += dosing.conflict_statements(table, statement)
        if key == "populations":
            # A population the patient or question names always gets its section: cited
            # statements, or a plain statement that the indexed sources say nothing on it.
            statements += [Statement(text=g, kind="gap", facet="populations") for g in pop_gaps]
        if statements:
            sections.append(Section(key=key, title=title, statements=tuple(statements)))
    dose_rows = dosing.cite_rows(table, numbering)

    meta = store.documents_meta(list(numbering.by_doc))
    now = _now()
    answer = Answer(
        id=_new_id(), question=question, title=_title(ctx, follow_up_of), audience=audience,  # type: ignore[arg-type]
        patient=ctx.patient, bottom_line=bottom_line, sections=tuple(sections), dosing=dose_rows,
        gaps=(Statement(text=aspect_gap, kind="gap"),) if aspect_gap else (),
        references=numbering.references(meta), evidence=numbering.evidence(),
        follow_ups=_follow_ups(ctx, sections, dose_rows),
        disclaimer=LAY_DISCLAIMER if ctx.lay else DISCLAIMER, created=now, updated=now,
        follow_up_of=follow_up_of.id if follow_up_of else None,
    )
    text = " ".join(s.text for s in answer.statements() if s.kind == "claim")
    answer = answer.model_copy(update={"readability_grade": round(lay.readability_grade(text), 1) if text else None})
    ctx.timings["compose"] = _ms(t0) - ctx.timings["retrieve"] - ctx.timings["select"]
    return answer.model_copy(update={"timings_ms": {k: round(v, 1) for k, v in ctx.timings.items()}})


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _new_id() -> str:
    return "a" + uuid.uuid4().hex[:15]


def _context(question: str, audience: str, patient: str, prior: Answer | None,
             retriever: Retriever, store: EvidenceStore) -> _Context:
    f = frame(question)
    if prior is not None:
        # A follow-up ("and in pregnancy?") keeps the earlier question's topic and intent
        # unless it asks something of its own.
        base = frame(prior.question)
        intent = intent_of(question)
        f = QuestionFrame(
            text=question, intent=base.intent if intent == "general" else intent, topic=base.topic,
            population=f.population or base.population, key_terms=base.key_terms, title=base.title,
        )
    idf = _idf(retriever)
    generic = _generic_stems()
    given = parse_patient(patient) if patient else None
    if prior is not None:
        given = merge(prior.patient, given) if given is not None else prior.patient
    understood = understand(f"{prior.question} {question}" if prior else question, store, given,
                            scopes.load(store, generic), generic, idf, _occurs(store), _ordinary(store),
                            _called_otherwise(store))
    if understood.aspect in ("starting-dose", "titration") and f.intent not in ("dosing", "adverse"):
        f = QuestionFrame(text=f.text, intent="dosing", topic=f.topic, population=f.population,
                          key_terms=f.key_terms, title=f.title)
    found = _concepts(understood, idf)
    strong = set(understood.subject_terms)
    history = _history_terms(understood)
    return _Context(question=question, frame=f, understood=understood, audience=audience,
                    patient=understood.patient, found=found,
                    subject=[c for c in found if _names_subject(c, strong, history)],
                    asked_terms=[c for c in found if any(form & (set(understood.focus_terms) - strong)
                                                         for form in c.forms)
                                 and not _names_subject(c, strong, history)],
                    ask_clause=[] if understood.ask_names_subject else
                    [c for c in found if any(form & set(understood.ask_terms) for form in c.forms)
                     and not _names_subject(c, strong, history)],
                    asked_population=understood.population, lay=audience in ("patient", "student"),
                    other_senses=_other_senses(understood, generic))


def _other_senses(u: Frame, generic: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Stems of the senses not chosen for each ambiguous abbreviation (the chosen one first); a
    drug of the chosen drug's classes is no other sense ("pred": prednisolone or prednisone, one
    glucocorticoid under two names; "levo": levothyroxine is no levofloxacin)."""
    senses = abbreviation_senses(u.expanded) if u.expanded else {}
    return tuple(frozenset(t for t in analyze(o) if t not in generic)
                 for options in senses.values() if len(options) > 1 for o in options[1:]
                 if not set(classes_of(o)) & set(classes_of(options[0])))


def _occurs(store: EvidenceStore) -> Callable[[str], bool]:
    """Whether a word or phrase occurs in any indexed passage (an FTS5 phrase query); with a
    trailing "*", whether any indexed word begins with it (a prefix query)."""
    from ..store.fts_query import tokens

    def occurs(text: str) -> bool:
        prefix = text.endswith("*")
        words = tokens(text.rstrip("*"))[:8]
        if not words:
            return True
        query = '"' + " ".join(words) + '"' + ("*" if prefix else "")
        owner = re.search(r"([A-Za-z]{3,})['’]s\b", text)
        if re.fullmatch(r"[A-Z][A-Z0-9-]{1,8}S", text):
            # A short form ending in S must be in the text itself: stemming makes "FPIES" "fpi".
            # ("4D-CHAINS" writes it too)
            short = re.compile(rf"(?<![A-Za-z0-9]){re.escape(text)}(?![A-Za-z0-9])")
            return any(short.search(h.text) for h in store.search(query, k=50, snippet_tokens=1))
        if owner is None:
            return bool(store.search(query, k=1, snippet_tokens=1))
        # An eponym's possessive must be in the text itself: stemming makes "Sever's disease"
        # "severe disease".
        name = re.compile(rf"\b{re.escape(owner.group(1))}(?:['’]s|s)?\b", re.I)
        return any(name.search(h.text) for h in store.search(query, k=50, snippet_tokens=1))

    return occurs


def _called_otherwise(store: EvidenceStore) -> Callable[[str], list[str]]:
    """The other names indexed text gives a condition ("vestibular schwannomas, also known as
    acoustic neuromas", "called vestibular schwannomas or acoustic neuromas"): up to three words
    each, as written, for the frame to keep those its lexicon lists."""

    def called(name: str) -> list[str]:
        from ..store.fts_query import tokens

        words = tokens(name)[:6]
        if not words:
            return []
        n = re.escape(name).replace(r"\ ", r"\s+")
        other = r"([A-Za-z][\w'’-]*(?:\s+[\w'’-]+){0,2})"
        patterns = [re.compile(p, re.I) for p in (
            rf"{other},?\s+(?:also known as|also called|otherwise known as|formerly (?:known as|called))\s+(?:an?\s+)?{n}s?\b",
            rf"\b{n}s?,?\s+(?:also known as|also called|otherwise known as|formerly (?:known as|called))\s+{other}",
            rf"\bcalled\s+{other}\s+or\s+{n}s?\b",
            rf"\bcalled\s+{n}s?\s+or\s+{other}",
        )]
        out: list[str] = []
        for hit in store.search('"' + " ".join(words) + '"', k=30, snippet_tokens=1):
            for pattern in patterns:
                out += [m.group(1) for m in pattern.finditer(hit.text)]
        return list(dict.fromkeys(out))

    return called


# (store, abbreviation) -> whether the store uses it as a plain word. How a corpus uses a word
# barely moves as documents are added, and the check costs 10-400 ms ("ALL" matches a tenth of
# the passages), so a process answers it once per store.
_PLAIN_WORDS: dict[tuple[str, str], bool] = {}


def _ordinary(store: EvidenceStore) -> Callable[[str], bool]:
    """Whether the indexed text uses a capitalised abbreviation ("CAP", "GAS") mostly as a
    plain word: judged on up to 100 passages that contain it."""
    where = str(getattr(store, "path", id(store)))

    def ordinary(surface: str) -> bool:
        key = (where, surface)
        if key not in _PLAIN_WORDS:
            if len(_PLAIN_WORDS) >= 4096:
                _PLAIN_WORDS.clear()
            hits = store.search('"' + surface.lower() + '"', k=100, snippet_tokens=1)
            _PLAIN_WORDS[key] = plain_word_usage(surface, [h.text for h in hits])
        return _PLAIN_WORDS[key]

    return ordinary


@functools.cache
def _generic_stems() -> frozenset[str]:
    """Words that say how a question is asked or how severe, never what it is about."""
    return frozenset(analyze(" ".join((*GENERIC_WORDS, *CHATTER, *_QUALIFIERS)), unique=True))


# A word of the question that names neither a condition nor a drug ("broke", "insurance",
# "tomorrow") weighs at most this (an idf): rare words of the telling outweighed the subject.
OTHER_CAP = 5.0


_GROUP_HINTS = frozenset({"pregnancy", "infants", "children"})  # hints that name the patient's group


def _concepts(u: Frame, idf) -> list[Concept]:  # type: ignore[no-untyped-def]
    """The concepts relevance is judged on: the asked clause's terms, the conditions and the
    drugs (a vignette's other details describe the patient, not the topic), the conditions
    and drugs weighing most."""
    ordered = u.subject_terms
    strong = set(ordered)
    named = [*(t for key in u.condition_keys for t in key), *analyze(" ".join(u.drugs))]
    history = [t for t in dict.fromkeys(named) if t not in strong]
    terms = list(dict.fromkeys([*ordered, *u.focus_terms, *history])) or list(u.terms)
    if not strong:
        # Nothing named: the condition the findings show is what the vignette is about ("dull
        # retracted TMs with air-fluid levels, type B tymps … abx or a steroid nose spray?").
        shown = [h for h in u.hints if h not in _GROUP_HINTS]
        terms = list(dict.fromkeys([*terms, *analyze(" ".join(shown))]))
    # The drug asked about also stands for its classes; in "what instead of X?" X is what
    # cannot be used, and its class would only bring sentences about X's relatives.
    classed = frozenset(analyze(" ".join(u.focus_drugs))) if u.aspect != "alternative" else frozenset()
    found = concepts(terms, u.expanded, idf, classed=classed, phrases=u.condition_keys)
    others = _history_terms(u)

    def weight(c: Concept) -> float:
        if _names_subject(c, strong, others):
            return c.weight * 2.0
        if any(f & set(history) for f in c.forms):
            return c.weight * 0.6  # named in the patient's history, not in what is asked
        # Other words of the asking clause: what it asks ("capnography", "binder") or how the
        # patient presents ("lethargic", "mottled"); they count, less than what it is about.
        return min(c.weight, OTHER_CAP) * (0.6 if strong else 1.0)

    return [Concept(c.label, c.forms, weight(c)) for c in found]


def _names_subject(c: Concept, strong: set[str], history: frozenset[str] = frozenset()) -> bool:
    """Whether a concept is what the question is about: one of its forms shares the subject's
    words more than those of the conditions in the patient's history ("58F T2DM … painful
    diabetic neuropathy. what first for the pain?": "diabetes mellitus" shares "diabetic" with
    the neuropathy but "mellitus" with the history's type 2 diabetes mellitus)."""
    return any(len(form & strong) > len(form & history) for form in c.forms)


def _history_terms(u: Frame) -> frozenset[str]:
    """Stemmed words of the conditions a question names but does not ask about."""
    strong = set(u.subject_terms)
    return frozenset(t for k in u.condition_keys if k not in u.focus_keys for t in k) - strong


def _idf(retriever: Retriever):  # type: ignore[no-untyped-def]
    import math

    index = retriever.passage_index()
    n = max(1, index.size().passages)
    seen: dict[str, float] = {}  # a remote index answers each term once per question

    def idf(term: str) -> float:
        if term not in seen:
            df = index.document_frequencies([term]).get(term, 0)
            seen[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        return seen[term]

    return idf


@functools.lru_cache(maxsize=8192)  # ~3 KB a passage: under 25 MB per process
def _passage_terms(section: str, text: str) -> frozenset[str]:
    # Cached: the same guidelines are the top sources for question after question on a topic.
    return frozenset(analyze(f"{section} {text}", unique=True))


_QUALIFIERS = ("acute", "chronic", "mild", "moderate", "severe", "early", "late", "advanced", "stable",
               "unstable", "recurrent", "primary", "secondary", "initial", "general", "other")
# How much each kind of document counts when choosing the one a clinician's bottom line comes
# from: a guideline or label a few places down outranks a consumer page or an abstract above it.
_SOURCE_PRIOR = {"guideline": 1.0, "label": 0.9, "consumer": 0.3, "research": 0.4}


def _best_documents(hits: Sequence[Hit], lay: bool = False, k: int = 3) -> dict[str, float]:
    """The documents of the best-ranked passages, best first (doc_id -> weight, the first 1):
    an answer's bottom line should come from the document that answers the question, not
    from a sentence of a lesser one that happens to share its words. For a clinician a
    guideline or a label near the top outranks a consumer page or an abstract."""
    prior = dict(_SOURCE_PRIOR, consumer=1.0) if lay else _SOURCE_PRIOR
    kinds = {h.doc_id: h.source_type for h in hits}
    docs = list(dict.fromkeys(h.doc_id for h in hits))[:k + 2]
    scored = sorted(((prior.get(kinds[d], 0.5) / (i + 1), d) for i, d in enumerate(docs)), reverse=True)[:k]
    top = scored[0][0] if scored else 1.0
    return {d: v / top for v, d in scored}


def _asked_condition_first(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with those of the first of the top ``k`` documents whose scope names the
    condition the question asks about moved to the front, when the best-ranked document's scope
    names none of them but the question names other conditions too: "35F iron deficiency
    anemia + bloating … best screening test for celiac?" asks about celiac disease, and the
    anaemia guideline that ranks first is about the patient's history."""
    u = ctx.understood
    asked = [key for key in u.focus_keys if key in u.condition_keys]
    if not asked or not hits:
        return list(hits)
    index = scopes.load(store, _generic_stems())
    ranked_docs = list(dict.fromkeys(h.doc_id for h in hits))
    docs = ranked_docs[:k]
    kinds = {h.doc_id: h.source_type for h in hits}
    # A clinician asking about the one condition a consumer page ranks first for is answered by
    # the guideline that lists it ("… penis started bending … which intralesional injection?":
    # the AUA Peyronie's disease guideline, not the NIDDK page).
    # (unless that guideline names none of the question's conditions: "… MCC … planning adjuvant RT
    # to the bed + nodal basin - what dose …?" ranks a DCIS guideline first on "adjuvant",
    # "margin" and "radiotherapy")
    if (set(asked) == set(u.condition_keys) and (ctx.lay or kinds[docs[0]] != "consumer")
            and (kinds[docs[0]] != "guideline" or _speaks_of(hits, docs[0], ctx, index))):
        return list(hits)
    naming = [d for d in docs if any(index.names(d, key) for key in asked)]
    # For a clinician, a guideline or a label whose scope lists the asked condition before one
    # that only holds its words, and before a consumer page ("… painful diabetic neuropathy.
    # what first for the pain?": the neuropathy guideline, not the diabetes one or a leaflet).
    clinical = [d for d in naming if kinds[d] in ("guideline", "label")]
    listing = [d for d in ranked_docs[:2 * k] if kinds[d] in ("guideline", "label")
               and any(index.lists(d, key) for key in asked)]
    better = next(iter([*listing, *clinical, *naming]), None)
    if better is None or better == docs[0]:
        return list(hits)
    return _moved_first(hits, better)


def _speaks_of(hits: Sequence[Hit], doc_id: str, ctx: _Context, index: scopes.ScopeIndex) -> bool:
    """Whether the document's scope names one of the question's conditions, or a passage of it
    retrieved names one of its conditions or drugs in any of their forms ("MCC", "Merkel cell
    carcinoma"; "darbepoetin"): a document that does neither was found by the question's other
    words ("adjuvant", "margin", "radiotherapy")."""
    u = ctx.understood
    if any(index.names(doc_id, key) for key in u.condition_keys):
        return True
    drugs = [frozenset(analyze(d)) for d in u.drugs]
    named = [c for c in ctx.found if any(set(key) <= set(form) or set(form) <= set(key)
                                         for key in [*u.condition_keys, *drugs] for form in c.forms)]
    return any(c.covered_by(_passage_terms("", h.text)) for h in hits if h.doc_id == doc_id for c in named)


def _listed_answers(cands: Sequence[Candidate], ctx: _Context, store: EvidenceStore, config: ComposeConfig) -> bool:
    """Whether a guideline or label whose scope lists the condition asked about has a sentence
    that names it and covers ``config.listed_cover`` of the question's concepts ("44F … allodynia,
    puffy, shiny, warmer … 16 wks hand therapy + graded motor imagery, gabapentin 900 tds … IV
    ketamine infusion - reasonable next step?": the CRPS guideline's ketamine sentence)."""
    u = ctx.understood
    keys = [k for k in u.focus_keys if k in u.condition_keys]
    if not keys or not ctx.subject:
        return False
    index = scopes.load(store, _generic_stems())
    for c in cands:
        if (c.context_cover >= config.listed_cover and c.hit.source_type in ("guideline", "label")
                and coverage(ctx.subject, c.terms) >= 1.0 and any(index.lists(c.hit.doc_id, k) for k in keys)):
            return True
    return False


def _with_listing_document(hits: list[Hit], ctx: _Context, retriever: Retriever, store: EvidenceStore,
                           config: ComposeConfig, k: int = 5) -> list[Hit]:
    """``hits`` with the passages of a guideline whose scope lists the asked condition placed
    second, when none of the top ``k`` documents names it: a vignette's history can fill
    retrieval with another topic ("… ascending cholangitis, CBD stone on MRCP, ERCP tomorrow …
    does his IE hx change what abx cover he needs?" retrieves gallstone guidelines, not the one on
    prophylaxis against infective endocarditis). Found by searching the asked condition's name
    with the asking clause."""
    u = ctx.understood
    # (only a condition the asking clause names, and not a reaction to a drug: "reports anaphylaxis
    # to penicillin … options?" asks about what the penicillin was for)
    asked = [(name, key) for name, key in zip(u.conditions, u.condition_keys, strict=False)
             if key in u.focus_keys and not alternative_reasons(name)]
    # (or one its findings name, which the question never writes: "sudden sobbing fits … she
    # doesn't actually feel sad" is pseudobulbar affect)
    signs = {h.lower() for h in u.hints}
    shown = any(name.lower() in signs for name, _ in asked)
    if ctx.lay or not asked or not (u.ask_names_subject or shown):
        return hits
    index = scopes.load(store, _generic_stems())
    # (a consumer page naming it does not answer a clinician: "… first test to look for a pheo?"
    # ranks a genetics page on hereditary paraganglioma-pheochromocytoma above the guideline)
    # (nor does an imaging guideline answer a treatment question: "… anterior vaginal wall comes down
    # … what do we offer first?" ranks the ACR's pelvic floor imaging criteria first)
    treating = u.aspect in ("first-line", "alternative", "starting-dose")
    clinical = {h.doc_id for h in hits if h.source_type in ("guideline", "label")
                and not (treating and _IMAGING_CRITERIA.search(h.title))}
    docs = [d for d in list(dict.fromkeys(h.doc_id for h in hits))[:k] if d in clinical]
    if any(index.names(d, key) for d in docs for _, key in asked):
        return hits
    query = " ".join([*(name for name, _ in asked), *u.ask_terms])
    listing = [h for h in retriever.search(query, k=config.passages, snippets=False)
               if h.source_type in ("guideline", "label") and any(index.lists(h.doc_id, key) for _, key in asked)
               and not (treating and _IMAGING_CRITERIA.search(h.title))]
    if not listing:
        return hits
    return _placed_second(hits, listing)


def _with_drug_document(hits: list[Hit], ctx: _Context, retriever: Retriever, store: EvidenceStore,
                        config: ComposeConfig, k: int = 5) -> list[Hit]:
    """``hits`` with the passages of a guideline or label whose scope names the drug the asking
    clause names (and one of the question's conditions) placed second, when none of the top ``k``
    documents' scopes names it: "6 aflibercept injections so far … can we switch him to Ozurdex?"
    retrieves the aflibercept appraisal, not the one on the dexamethasone implant. Found by
    searching the drug's name with the conditions."""
    u = ctx.understood
    # (an alternative the clause proposes: for a dose or a taper, the drug's own guideline was
    # measured to lose to the one retrieval ranks first)
    if ctx.lay or u.aspect != "alternative" or not u.focus_drugs or not u.ask_names_subject:
        return hits
    drugs = [frozenset(analyze(d)) for d in u.focus_drugs[:2]]
    index = scopes.load(store, _generic_stems())

    def names_drug(doc_id: str) -> bool:
        terms = index.terms_of(doc_id)
        return any(d and d <= terms for d in drugs)

    kinds = {h.doc_id: h.source_type for h in hits[:40]}  # in the order retrieval ranks them
    docs = [d for d, kind in kinds.items() if kind in ("guideline", "label")][:k]
    if any(names_drug(d) for d in docs):
        return hits
    # (the conditions in any of their forms: "DMO", "Diabetic macular oedema")
    query = " ".join([*u.focus_drugs[:2], *u.conditions[:2]])
    found = [h for h in retriever.search(query, k=config.passages, snippets=False)
             if h.source_type in ("guideline", "label") and names_drug(h.doc_id)
             and (not u.condition_keys or any(index.names(h.doc_id, key) for key in u.condition_keys))]
    return _placed_second(hits, found) if found else hits


def _placed_second(hits: list[Hit], found: list[Hit]) -> list[Hit]:
    """``hits`` with the passages of the first document of ``found`` (a second search) after
    those of the best-ranked document."""
    doc_id = found[0].doc_id
    first = [h for h in hits if h.doc_id == hits[0].doc_id]
    rest = [h for h in hits if h.doc_id != hits[0].doc_id and h.doc_id != doc_id]
    return [*first, *(h for h in found if h.doc_id == doc_id), *rest]


# An imaging society's criteria say which test to order, never which treatment
_IMAGING_CRITERIA = re.compile(r"\bAppropriateness Criteria\b", re.I)


def _ruled_out_later(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with the best-ranked document that is not about a condition the question rules
    out moved to the front, when the first is about one ("55M, no DM, no ASCVD, LDL 150 … does he
    need a statin?": the cholesterol guideline, not the diabetes one): its scope lists the
    ruled-out condition and names none of the question's other conditions."""
    u = ctx.understood
    if not u.ruled_out or not hits:
        return list(hits)
    index = scopes.load(store, _generic_stems())
    kept = [key for key in u.condition_keys if key not in u.ruled_out]

    def about_ruled_out(doc_id: str) -> bool:
        return (any(index.lists(doc_id, key) for key in u.ruled_out)
                and not any(index.names(doc_id, key) for key in kept))

    docs = list(dict.fromkeys(h.doc_id for h in hits))[:k]
    if not about_ruled_out(docs[0]):
        return list(hits)
    kinds = {h.doc_id: h.source_type for h in hits}
    others = [d for d in docs[1:] if not about_ruled_out(d) and kinds[d] in ("guideline", "label")]
    # one whose scope names a condition the question keeps first ("… conduct disorder … no
    # psychosis, ADHD screen neg … is there a med worth trying now?": the conduct disorder
    # guideline, not the tic disorder one ranked above it)
    better = next((d for d in others if any(index.names(d, key) for key in kept)), others[0] if others else None)
    return _moved_first(hits, better) if better else list(hits)


def _treated_first(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with the first of the top ``k`` guidelines whose scope names both the asked
    condition and a drug of the question (or its class) moved to the front, when the best-ranked
    document's scope names none of the question's drugs: "72M, HTN … on amlodipine. what's the
    goal BP?" is for the hypertension guideline that considers calcium channel blockers, not
    the dietitians' hypertension nutrition guideline."""
    u = ctx.understood
    if not u.drugs or not u.condition_keys or not hits:
        return list(hits)
    asked = [key for key in u.focus_keys if key in u.condition_keys] or list(u.condition_keys)
    forms = [frozenset(analyze(name)) for d in u.drugs for name in (d, *classes_of(d))]
    index = scopes.load(store, _generic_stems())
    docs = list(dict.fromkeys(h.doc_id for h in hits))[:k]
    kinds = {h.doc_id: h.source_type for h in hits}
    if kinds[docs[0]] != "guideline":
        return list(hits)  # a label or a page on the condition answers for itself
    meta = store.documents_meta(docs)

    def names_treatment(doc_id: str) -> bool:
        # the whole interventions field (the lexicon keeps only its short items)
        fields = (meta.get(doc_id) or {}).get("meta") or {}
        terms = index.terms_of(doc_id) | frozenset(analyze(str(fields.get("interventions") or "")))
        return any(form and form <= terms for form in forms)

    if names_treatment(docs[0]):
        return list(hits)
    treating = [d for d in docs[1:] if kinds[d] == "guideline" and names_treatment(d)
                and any(index.names(d, key) for key in asked)]
    if not treating:
        return list(hits)
    # the one that also names most of the patient's other conditions ("pancreatic ca … DVT": the
    # cancer VTE guideline before the general antithrombotic one); ties in retrieval order
    return _moved_first(hits, max(treating, key=lambda d: (sum(index.names(d, key) for key in u.condition_keys),
                                                           -docs.index(d))))


def _own_population_first(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with the first of the top ``k`` guidelines and labels whose title is not for
    another population moved to the front, when the best-ranked document's title is: a 48-year-old's
    maintenance fluids are in "Intravenous fluid therapy in adults in hospital", not in "… in
    hospitalized children and youth receiving maintenance intravenous fluids"; and a child's
    question goes to the guideline titled for children on what it asks about."""
    asked = ctx.asked_population
    if not asked or not hits:
        return list(hits)
    titles = {h.doc_id: (h.title, h.source_type) for h in hits}
    docs = list(titles)[:k]
    # (a question about a drug for a child is about the conditions it names: "11yo … comfort-focused
    # care … oral morphine - BNFc dose for his age band or per kg?")
    # (not when a label for the drug ranks first: it answers for the drug, children included)
    keys = ctx.understood.focus_keys or (ctx.understood.condition_keys if ctx.understood.focus_drugs
                                         and hits and hits[0].source_type != "label" else ())
    if not title_mismatch(hits[0].title, asked):
        if asked != "children" or asked in mentions(hits[0].title) or not keys:
            return list(hits)
        # A child's question is for the guideline written for children on what it asks about,
        # when one ranks near the top: "9yo … liver tx … on tac … what trough level?" is in "Long-term
        # medical management of the pediatric patient after liver transplantation", not in a drug
        # appraisal for adults that does not say so in its title.
        index = scopes.load(store, _generic_stems())
        own = next((d for d in docs[1:] if titles[d][1] == "guideline" and asked in mentions(titles[d][0])
                    and any(index.names(d, key) for key in keys)), None)
        return _moved_first(hits, own) if own else list(hits)
    better = next((d for d in docs[1:] if titles[d][1] in ("guideline", "label") and not title_mismatch(titles[d][0], asked)),
                  None)
    return _moved_first(hits, better) if better else list(hits)


def _reranked(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore) -> list[Hit]:
    """``hits`` with the document that should lead the answer first: each step below moves a
    better document of the top few ahead of the best-ranked one for one reason, in this order
    (what the question rules out, the drugs it treats with, the condition it asks about, the drug
    whose dose it asks, the patient's population)."""
    out = list(hits)
    for step in (_ruled_out_later, _treated_first, _asked_condition_first, _asked_drug_first, _own_population_first,
                 _screening_first):
        out = step(out, ctx, store)
    return out


_SCREENING = re.compile(r"\bscreening\b", re.I)


def _screening_first(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with the first of the top ``k`` guidelines titled for screening moved to the front,
    when the asking clause asks about screening and the best-ranked document is not titled so:
    "… pt wants a screening thyroid US. should I order it?" is answered by the USPSTF's thyroid
    cancer screening statement, not by a guideline on managing thyroid nodules and cancer."""
    u = ctx.understood
    if ctx.lay or not hits or "screen" not in set(u.ask_terms) | set(u.focus_terms):
        return list(hits)
    titles = {h.doc_id: h.title for h in hits}
    kinds = {h.doc_id: h.source_type for h in hits}
    docs = list(dict.fromkeys(h.doc_id for h in hits))[:k]
    if _SCREENING.search(titles[docs[0]]):
        return list(hits)
    index = scopes.load(store, _generic_stems())
    better = next((d for d in docs[1:] if kinds[d] == "guideline" and _SCREENING.search(titles[d])
                   and (not u.focus_keys or any(index.names(d, key) for key in u.focus_keys))), None)
    return _moved_first(hits, better) if better else list(hits)


def _moved_first(hits: Sequence[Hit], doc_id: str) -> list[Hit]:
    """``hits`` with the document ``doc_id``'s passages first, each part in its own order."""
    return [*(h for h in hits if h.doc_id == doc_id), *(h for h in hits if h.doc_id != doc_id)]


def _asked_drug_first(hits: Sequence[Hit], ctx: _Context, store: EvidenceStore, k: int = 5) -> list[Hit]:
    """``hits`` with those of the first of the top ``k`` documents whose scope names the drug
    whose dose is asked moved to the front, when the best-ranked document's scope does not name
    it: "CKD stage 4, starting atorvastatin - what dose to start?" is answered by the
    atorvastatin label, not by a guideline on kidney disease that never names the drug."""
    u = ctx.understood
    if u.aspect != "starting-dose" or not u.focus_drugs or not hits:
        return list(hits)
    # The drug itself: its class ("statins") is in many scopes that give no dose of it.
    drugs = [frozenset(analyze(d)) for d in u.focus_drugs]
    index = scopes.load(store, _generic_stems())
    docs = list(dict.fromkeys(h.doc_id for h in hits))[:k]
    kinds = {h.doc_id: h.source_type for h in hits}

    def names_drug(doc_id: str) -> bool:
        terms = index.terms_of(doc_id)
        return any(d and d <= terms for d in drugs)

    if names_drug(docs[0]):
        return list(hits)
    better = next((d for d in docs[1:] if kinds[d] in ("guideline", "label") and names_drug(d)), None)
    if better is None:
        return list(hits)
    return _moved_first(hits, better)


def _siblings(store: EvidenceStore, hits: Sequence[Hit], found: list[Concept],
              documents: dict[str, float] | None = None, docs: int = 3, population: str = "",
              reasons: frozenset[str] = frozenset(), aspect: str = "") -> list[Hit]:
    """The other on-topic passages of the best-ranked guidelines and labels, the documents
    chosen for the bottom line first: retrieval keeps a few passages per document for
    diversity, but a guideline's neighbouring recommendations on the same condition are
    exactly what an answer needs. A guideline whose title is for another population than
    ``population`` gives its place to the next (a newborn guideline's, for an 80-year-old)."""
    top = list(dict.fromkeys(h.doc_id for h in hits[:15] if h.source_type in ("guideline", "label")
                             and not title_mismatch(h.title, population)))[:docs]
    top = list(dict.fromkeys([*list(documents or {})[:docs], *top]))
    out: list[Hit] = []
    for i, doc_id in enumerate(top):
        # The document chosen for the bottom line gives more: its "Recommended Regimens" list
        # names the condition only in the title ("Ceftriaxone 250 mg IM in a single dose").
        floor = 0.3 if i == 0 and documents else 0.5
        for h in store.passages_of(doc_id, limit=400):
            # The title counts: a guideline on type 2 diabetes need not repeat its name in
            # "Stop metformin if the eGFR is below 30".
            if coverage(found, _passage_terms(f"{h.title} {h.section}", h.text)) >= floor:
                out.append(h)
            elif (i == 0 and documents and aspect in _ASPECT_SECTIONS
                  and _ASPECT_SECTIONS[aspect].search(h.section.split(" > ")[0])
                  and coverage(found, _passage_terms(f"{h.title} {h.section}", h.text)) >= floor / 2):
                # the chosen guideline's section for the asked aspect ("Diagnosis" for "do I need a
                # knee XR … to confirm …?") holds its answer, however few of the question's other
                # words it shares
                out.append(h)
            elif i == 0 and documents and reasons & alternative_reasons(h.text):
                # why first-line cannot be used, named ("Chlorambucil remains suitable therapy in
                # elderly frail patients", for "too frail for BR or DRC - a gentler option?")
                out.append(h)
    return out


# A guideline's top-level sections named for an asked aspect
_ASPECT_SECTIONS = {aspect: re.compile(pattern, re.I) for aspect, pattern in (
    ("diagnosis", r"\b(?:diagnos\w*|assessment|investigations?|testing|evaluation|work-?up|imaging)\b"),
    ("monitoring", r"\b(?:monitoring|follow-?up|surveillance)\b"),
    ("starting-dose", r"\b(?:dos(?:e|es|ing|age)|regimens?)\b"),
    ("duration", r"\b(?:duration|length of (?:treatment|therapy))\b"),
    ("stop", r"\b(?:stopping|discontinu\w+|withdrawal|cessation|deprescribing)\b"),
)}


def _merge_hits(first: Sequence[Hit], second: Sequence[Hit]) -> list[Hit]:
    seen = {h.passage_id for h in first}
    return [*first, *[h for h in second if h.passage_id not in seen]]


def _asked(ctx: _Context, c: Candidate, listed: bool = False) -> float:
    """How plainly a sentence states what was asked (0..1): the mean over the asked aspects,
    so "treat with X for 10 days" beats "treat with X" for "what, and for how long?". With
    ``listed``, a lead-in states what its own list does ("… below the following target
    levels:" → "Fasting: 5.3 mmol/litre"), where it is shown with that list or not at all."""
    aspects = ctx.understood.aspects or (ctx.understood.aspect,)
    text = _with_its_list(ctx, c) if listed else c.text
    return sum(aspect_bonus(a, text) for a in aspects) / len(aspects)


def _with_its_list(ctx: _Context, c: Candidate) -> str:
    """The sentence, and for a lead-in the start of the list it introduces (what it states)."""
    if not c.is_lead or ctx.understood.aspect == "general":
        return c.text
    listed = c.hit.text[c.end:c.end + _LIST_LOOKAHEAD]
    if not listed.strip() and _announces(ctx, c):
        # items stored one per passage after it: read only for a lead-in that announces them (a
        # list of who or when, read too, took the body's room from statements of the asked aspect)
        listed = ctx.lists.get(c.hit.passage_id, "")
    listed = " ".join(listed.split())
    # "… below the following target levels, if these are achievable without …:" announces
    # target levels; its condition clause stands between the announcement and the list.
    return f"{_LEAD_CONDITION.sub(':', c.text)} {listed}"


def _announces_answers(ctx: _Context, c: Candidate) -> bool:
    """A lead-in that may be a bottom line: it announces what it lists and its list states
    the asked aspect."""
    return _announces(ctx, c) and _asked(ctx, c, listed=True) > 0


# "… is recommended as an option for inducing remission …, only if:" lists when it applies
_CONDITIONAL_LEAD = re.compile(r"\b(?:only )?(?:if|when|where|unless|in (?:people|patients) (?:who|in whom))\s*:\s*$", re.I)


def _announces(ctx: _Context, c: Candidate) -> bool:
    """The lead-in announces values its list gives, or, for an alternative, the cases it is
    for (first-line contraindicated, not tolerated, failed: the alternative's reasons)."""
    return announces_values(c.text) or (ctx.understood.aspect == "alternative"
                                        and bool(_CONDITIONAL_LEAD.search(c.text)))


_LEAD_CONDITION = re.compile(r",\s*(?:if|unless|when|where|provided)\b[^:]*:$")


def _separate_lists(store: EvidenceStore, cands: Sequence[Candidate], documents: Sequence[str]) -> dict[int, str]:
    """For each lead-in of ``documents`` that ends its passage, the start of the items stored in
    the passages after it (one query for all of them)."""
    leads = {c.hit.passage_id: c.hit for c in cands
             if c.is_lead and c.hit.doc_id in documents and not c.hit.text[c.end:].strip()}
    wanted = sorted({p + i for p in leads for i in range(1, _SEPARATE_LOOKAHEAD + 1)})
    fetched = {h.passage_id: h for h in store.passages_by_id(wanted)} if wanted else {}
    return {pid: " ".join(h.text for h in _run_after(hit, fetched, _SEPARATE_LOOKAHEAD))[:_LIST_LOOKAHEAD]
            for pid, hit in leads.items()}


_SEPARATE_LOOKAHEAD = 4  # passages after a lead-in read to judge what its list states


def _ask_share(ctx: _Context, c: Candidate) -> float:
    """The weighted share of what the asking clause names beyond the subject ("continued",
    "remission"; "capnography") that the sentence or its heading says: within a guideline
    on the subject, these words tell the sentence that answers from its neighbours."""
    asked = ctx.asked_terms or ctx.ask_clause
    if not asked:
        return 0.0
    terms = c.terms | c.context
    total = sum(x.weight for x in asked) or 1.0
    return sum(x.weight for x in asked if _shares([x], terms)) / total


def _prefer_asked(ranked: list[Candidate], ctx: _Context, config: ComposeConfig) -> list[Candidate]:
    """Fragments out; sentences that state the asked aspect up (the answer should be about
    the starting dose when that was asked, not the maintenance dose), and those that say
    what the asking clause names."""
    out = [c for c in ranked if not is_fragment(c.text)]
    for c in out:
        c.score += (config.aspect_weight * _asked(ctx, c) + config.ask_weight * _ask_share(ctx, c)) * c.context_cover
    return sorted(out, key=lambda c: (-c.score, c.rank, c.start))


def _bottom_line(chosen: list[Candidate], ranked: list[Candidate], ctx: _Context,
                 config: ComposeConfig, top_doc: str = "", following: Sequence[str] = ()) -> list[Candidate]:
    """One or two sentences a clinician could act on: the best sentence that states what
    was asked (a starting dose, a target, a duration …) for the asked population, from the
    document that best answers the question; graded positive recommendations are preferred
    for treatment questions. A sentence about another population is never the bottom line."""
    from_top = _from_document(ranked, ctx, config, top_doc)
    if from_top and following and len(ctx.asked_terms or ctx.ask_clause) >= 2 and _ask_share(ctx, from_top[0]) <= 0.5:
        # The best document speaks of the subject but not of what the asking clause asks ("… MCMA
        # twins … what gestation are we aiming to deliver them at?": fetal echocardiography in
        # monochorionic gestations); the next guideline that states the aspect in all the clause's
        # words answers instead ("… can undergo delivery at 32 to 34 weeks of gestation").
        beside = _from_document(ranked, ctx, config, following[0])
        if (beside and _ask_share(ctx, beside[0]) >= 1.0
                and _asked(ctx, beside[0], listed=True) >= _asked(ctx, from_top[0], listed=True)):
            return beside
    if from_top:
        return from_top
    # The best document has no sentence on the asked aspect: the next guidelines and labels
    # retrieval ranked may ("… new R femoral DVT … LMWH for how long?": the cancer-VTE guideline
    # a few places down, not a sentence of whatever ranks first).
    for doc_id in following:
        found = _from_document(ranked, ctx, config, doc_id)
        if found:
            return found
    wanted = INTENT_FACETS.get(ctx.frame.intent, ())
    # The best statement of the asked aspect may not have made the body's budget.
    extra = [c for c in ranked[:60] if c not in chosen and c.context_cover >= config.min_sentence_cover
             and _asked(ctx, c) > 0]
    pool = [c for c in [*chosen, *extra] if not wanted or c.facet in wanted or _asked(ctx, c) > 0] or chosen
    if ctx.asked_population:
        pool = [c for c in pool if not mismatch(c.text, ctx.asked_population)]
    # A sentence that says no word of the question is about it only through its document's
    # title ("Biopsies should be performed … for at least 6 weeks" in a food-allergy guideline,
    # for "how long do I observe her after anaphylaxis?"): no bottom line. ("If maternal infection
    # has been confirmed …, spiramycin should be offered" says the vignette's words.)
    said = set(ctx.understood.terms)
    pool = [c for c in pool if not c.is_lead and _about_subject(ctx, c) and bottom_line_material(c.text)
            and not _never_for_this_patient(ctx, c)
            and (c.cover > 0 or _ask_share(ctx, c) > 0 or c.terms & said)]
    # Answer what was asked: when some sentence states the asked aspect, the bottom line is one.
    pool = [c for c in pool if _asked(ctx, c) > 0] or pool
    # Nothing found tells a clinician what to do: a consumer page's background ("The bacteria
    # that cause strep throat … can cause rheumatic fever") is body text, never the bold answer.
    pool = _most_to_the_point(ctx, pool, consumer_background=ctx.lay)
    if not pool:
        return []

    def key(c: Candidate) -> float:
        bonus = config.aspect_weight * _asked(ctx, c)
        if ctx.frame.intent == "dosing":
            low = c.text.lower()
            if "recommended dose" in low or "usual dose" in low or "starting dose" in low:
                bonus += 0.25
            if c.hit.source_type == "label" and "dosage" in c.hit.section.lower():
                bonus += 0.15
        if ctx.frame.intent in ("treatment", "prevention"):
            bonus += _acts_for(ctx, c)
        elif _other_population(ctx, c.text):
            bonus -= 0.3
        return c.score + bonus

    ordered = sorted(pool, key=key, reverse=True)
    first = ordered[0]
    out = [first]
    for c in ordered[1:]:
        # A second sentence for a treatment question must itself recommend something, and be
        # graded when the first is: a rationale ("Because ... the committee concluded ...")
        # is body text.
        acts = ((recommends(c.text) and (bool(c.grade) or not first.grade))
                or ctx.frame.intent not in ("treatment", "prevention"))
        # and speak to what the asking clause names when the first does ("what Hb do we keep him
        # above before we transfuse?": the haemoglobin floor, not the blood-pressure target beside it)
        clause = ctx.asked_terms or ctx.ask_clause
        speaks = not clause or _shares(clause, c.terms) or not _shares(clause, first.terms)
        # and come from the same document (a second guideline's "Any imaging decisions should be
        # guided on those examination findings" speaks of findings the first never named)
        if (c.hit.passage_id != first.hit.passage_id and c.hit.doc_id == first.hit.doc_id
                and key(c) >= 0.8 * key(first) and first.words + c.words <= 60 and acts and speaks):
            out.append(c)
        break
    return out


def _bottom_line_with_list(ranked: list[Candidate], chosen: list[Candidate], ctx: _Context, config: ComposeConfig,
                           store: EvidenceStore, documents: list[str], top_doc: str,
                           following: list[str]) -> tuple[list[Candidate], list[Candidate]]:
    """The bottom line, and the items of the list a lead-in bottom line introduces: such a
    bottom line is shown with its list nested under it, or not at all (the next best is chosen)."""
    while True:
        bottom = (_for_the_reason(ranked, ctx, config, [*documents, *following])
                  or _bottom_line(chosen, ranked, ctx, config, top_doc, following))
        listed = list_items([c for c in bottom if c.is_lead], ctx.found, config.list_items,
                            following=lambda hit: _next_in_section(store, hit, MAX_SEPARATE_ITEMS + 1))
        bare = [c for c in bottom if c.is_lead and not any(i.under == c.hit.passage_id or i.hit is c.hit
                                                            for i in listed)]
        if not bare:
            return bottom, listed
        ranked = [c for c in ranked if c not in bare]
        chosen = [c for c in chosen if c not in bare]


# Aspects whose statement a sentence either gives or does not (a dose, a value, a length of
# time); for a first-line choice or a diagnosis the cues are too broad to say "not stated".
_STATED_ASPECTS = {
    "starting-dose": "the starting dose for {}", "titration": "how to titrate or taper the treatment for {}",
    "target": "the target value for {}", "duration": "the duration of treatment for {}",
    "stop": "when to stop treatment for {}", "monitoring": "the monitoring for {}",
    "threshold": "the threshold for acting for {}",
}


def _next_documents(ranked: list[Candidate], config: ComposeConfig, top_doc: str, population: str = "") -> list[str]:
    """The guidelines and labels after ``top_doc``, in retrieval order (``next_documents`` of them),
    but for none whose title is for another population than ``population``."""
    kinds = {c.hit.doc_id: c.hit.source_type for c in ranked}
    titles = {c.hit.doc_id: c.hit.title for c in ranked}
    order = list(dict.fromkeys(c.hit.doc_id for c in sorted(ranked, key=lambda c: c.rank)))
    return [d for d in order if d != top_doc and kinds[d] in ("guideline", "label")
            and not title_mismatch(titles[d], population)][:config.next_documents]


def _no_bottom_line(ctx: _Context) -> str:
    """The evidence gap shown when no sentence found answers the question itself."""
    topic = _gap_topic(ctx)
    about = "" if topic == "this question" else f" about {topic}"
    return (f"No sentence of the indexed sources found answers this question{about} directly; "
            "the statements below are what they say nearby.")


def _most_to_the_point(ctx: _Context, pool: list[Candidate], consumer_background: bool = True) -> list[Candidate]:
    """The bottom-line candidates narrowed step by step, each step only when some candidate is
    left: what is asked first ("budesonide not covered - next best option?" wants a sentence
    naming an alternative, not one recommending budesonide); then one for the asked kind of the
    condition (acute, severe, stable …); then a recommendation before background and evidence
    ("Tinidazole has a longer half-life …" explains, "… erythromycin or ceftriaxone should be
    used" answers) - when none directs, a consumer page's sentences are dropped unless
    ``consumer_background``; then one that also says what the asking clause names
    ("hemoglobin", "transfusion")."""
    pool = [c for c in pool if aspect_bonus(ctx.understood.aspect, _with_its_list(ctx, c)) > 0] or pool
    pool = [c for c in pool if not recommends_testing_for(ctx.understood.aspect, c.text)] or pool
    age = None if ctx.patient.age_from_word else ctx.patient.age_years
    # An age range excludes the patient unless the sentence also names a group they are in
    # ("… for pregnant and lactating women, children, and adolescents less than 18 years …"); an
    # age group is no such group ("children age five to eleven years" for a 4-year-old).
    own = set(ctx.patient.populations()) - {"children", "older adults"}
    # A gestation range excludes the pregnancy ("From 42 weeks, …" at 41+2) likewise.
    weeks = ctx.patient.gestation_weeks
    pool = [c for c in pool if not kind_conflict(ctx.question, c.text)
            and not normal_finding_conflict(ctx.question, c.text) and not maternity_conflict(ctx.question, c.text)
            and not (age_conflict(age, c.text) and not mentions(c.text) & own)
            and not gestation_conflict(weeks, c.text) and not _without_named(ctx, c.text)] or pool
    # A sentence whose range of a measurement holds the patient's value ("PMN 410" and "… PMN counts
    # greater than or equal to 250 …") before one whose range does not ("… less than 250 …"); when none
    # holds it, a threshold the patient is beyond is still the answer ("Hb 8.4 - transfuse?" and
    # "transfuse when Hb < 7 g/dL").
    fits = {id(c): value_fit(ctx.question, c.text) for c in pool}
    if any(fit for fit in fits.values()):
        pool = [c for c in pool if fits[id(c)] is not False]
    # (a guideline's dosing line states a dose without a verb that directs: "Octreotide dosing for
    # symptom control: A trial of octreotide 100–250 mcg subcutaneously (SC) three times a day …")
    dose_asked = ctx.understood.aspect in ("starting-dose", "titration")
    directing = [c for c in pool if directs(c.text) or c.grade
                 or (dose_asked and c.hit.source_type in ("guideline", "label") and _DOSING_LINE.match(c.text))]
    if not directing and not consumer_background:
        pool = [c for c in pool if c.hit.source_type != "consumer"]
    pool = directing or pool
    return [c for c in pool if _ask_share(ctx, c) > 0] or pool


# "Octreotide dosing for symptom control: …", "Dosing for the prevention of …:", "Usual adult dose: …"
_DOSING_LINE = re.compile(r"^(?:[\w-]+ ){0,3}(?:dosing|dosage|dose|regimen)\b[^:.;]{0,80}:\s*\S", re.I)


# ("with and without depression" is for both)
_WITHOUT = re.compile(r"(?<!\bwith and )(?<!\bwith or )\bwithout (?:an? |any )?((?:[\w-]+ ){0,2}[\w-]+)", re.I)


def _without_named(ctx: _Context, text: str) -> bool:
    """The sentence is for people without what the question says the patient has ("In maternity
    patients with iron deficiency without anaemia, …" for "iron deficiency anaemia")."""
    named = set(ctx.understood.terms) - NAME_GENERIC  # "without disease progression" names nothing
    return any(set(analyze(m.group(1))) & named for m in _WITHOUT.finditer(text))


def _aspect_gap(ctx: _Context, bottom: list[Candidate]) -> str:
    """When no sentence found states the asked aspect, the evidence gap that says so."""
    aspect = ctx.understood.aspect
    label = _STATED_ASPECTS.get(aspect)
    if label is None or any(aspect_bonus(aspect, _with_its_list(ctx, c)) > 0 for c in bottom):
        return ""
    topic = _gap_topic(ctx)
    what = label.replace(" for {}", " asked here") if topic == "this question" else label.format(topic)
    return f"The indexed sources found do not state {what}."


def _gap_topic(ctx: _Context) -> str:
    """What an evidence gap names: the question's condition or drug; a short typed topic;
    else "this question" (never a whole vignette with its patient details, nor the history's
    drug when the clause asks about words of its own: "… cooling on morphine. when is the best
    time to get the brain MRI?" is no question about morphine)."""
    if not ctx.understood.ask_names_subject:
        return "this question"
    topic = ctx.understood.topic or ctx.frame.topic
    return topic if topic and len(topic.split()) <= 8 and not re.search(r"\d", topic) else "this question"


_LIST_LOOKAHEAD = 300  # characters of a lead-in's own list read to judge what it states


def _asked_statements(ranked: list[Candidate], chosen: list[Candidate], ctx: _Context,
                      config: ComposeConfig, doc_id: str) -> list[Candidate]:
    """Up to ``aspect_extra`` more sentences of the best document that state the asked aspect
    (the dose, the target, the duration …) about the asked condition: a guideline's several
    statements of what was asked are the answer, and the general budget would cut them."""
    if not doc_id:
        return []
    general = ctx.understood.aspect == "general"

    def says(c: Candidate) -> float:
        # States the asked aspect (a lead-in by its list), or says what the asking clause names
        # ("capnography").
        return max(0.0 if general else _asked(ctx, c, listed=True), _ask_share(ctx, c))

    pool = [c for c in ranked if c.hit.doc_id == doc_id and c not in chosen
            and c.context_cover >= config.min_sentence_cover and says(c) >= 0.5
            and not _other_population(ctx, c.text) and c.words <= 60 and not leans_on_previous(c.text)]
    pool.sort(key=lambda c: (-(says(c) + c.cover), c.hit.ordinal, c.start))
    out: list[Candidate] = []
    for c in pool:
        if len(out) >= config.aspect_extra:
            break
        if not any(similar(c.terms, o.terms) for o in [*chosen, *out]):
            out.append(c)
    return out


def _about_subject(ctx: _Context, c: Candidate) -> bool:
    """The sentence, its heading or its document names what the question is about (one of
    its conditions or drugs): a bottom line about something else is never shown."""
    terms = c.terms | c.context
    if any(sense and sense <= terms for sense in ctx.other_senses):
        return False  # "… the course of HD" on a Huntington disease page, for a dialysis patient
    drug = _dosed_drug(ctx)
    if drug and not _says_drug(ctx, drug, terms):
        return False  # a dose is a drug's: a protein diet is no answer to "what tacrolimus starting dose?"
    if ctx.subject:
        # Most of it: "nursing home" alone does not make a sentence about haloperidol for
        # delirium in a nursing home resident.
        total = sum(concept.weight for concept in ctx.subject)
        if (sum(concept.weight for concept in covered_concepts(ctx.subject, terms)) < 0.5 * total
                and not _names_dosed_drug(ctx, c)):
            return False
        # "70M on warfarin for AF, hit his head. CT head? how soon?": the subject came from the
        # history; a sentence about AF and warfarin must also speak to what the clause asks, in
        # its words or by plainly stating the asked aspect ("how do I wean it down?" and "daily
        # use for one month, alternate days for one month …").
        return not ctx.ask_clause or _shares(ctx.ask_clause, terms) or _states_asked(ctx, c)
    # Nothing recognised as the subject: the sentence must at least share one of the asking
    # clause's own words ("hep C screening"), and most of what the question asks when that is
    # several words ("… L-spine Z-score -2.4 … how often should we be rescanning her bones?" is
    # not answered by "13 procedures were interrupted … (POPC score 4)").
    if not ctx.asked_terms:
        return True
    return _shares(ctx.asked_terms, terms) and (len(ctx.asked_terms) < 4 or coverage(ctx.asked_terms, terms) >= 0.4)


def _dosed_drug(ctx: _Context) -> frozenset[str]:
    """The stems of the one drug whose starting dose or titration is asked; empty otherwise."""
    u = ctx.understood
    if u.aspect not in ("starting-dose", "titration") or len(u.focus_drugs) != 1:
        return frozenset()
    return frozenset(analyze(u.focus_drugs[0]))


def _says_drug(ctx: _Context, drug: frozenset[str], terms: frozenset[str]) -> bool:
    """``terms`` name ``drug`` in any of its forms ("VORI" for voriconazole in the TDM guideline),
    or by the rarest word of a name of several ("150 ml 3% hypertonic" for hypertonic saline;
    "insulin" alone does not name insulin glargine)."""
    if drug <= terms or any(concept.covered_by(terms) for concept in ctx.found
                            if any(form == drug for form in concept.forms)):
        return True
    parts = [concept for concept in ctx.found if any(form and form < drug for form in concept.forms)]
    return len(parts) > 1 and max(parts, key=lambda concept: concept.weight).covered_by(terms)


def _names_more_than_the_act(ctx: _Context, c: Candidate) -> bool:
    """The sentence names some concept of the question besides the asked act ("observe",
    "monitor", "taper")."""
    return any(concept.label not in ACT_WORDS for concept in covered_concepts(ctx.found, c.terms))


def _names_dosed_drug(ctx: _Context, c: Candidate) -> bool:
    """For a starting dose or a titration, the sentence itself names the one drug asked about
    ("… escitalopram … what dose do I start at?" and "If citalopram or escitalopram is warranted,
    an initial dosage decrease of 50% should be considered"): the dose is the drug's."""
    drug = _dosed_drug(ctx)
    return bool(drug) and _says_drug(ctx, drug, c.terms)


def _states_asked(ctx: _Context, c: Candidate) -> bool:
    """The sentence plainly states an asked taper, dose, target or duration, or recommends what
    to do when first-line treatment has failed, that a treatment be stopped, or how often to
    monitor ("Monitor people with smouldering myeloma every 3 months …" for "how often do I bring
    him back to clinic for bloods?") (the cues of a
    threshold, and of a failure or a stop in a sentence that recommends nothing, also match a
    study's inclusion criteria)."""
    # (a lead-in with the list it introduces: "… is recommended as an option for untreated chronic
    # lymphocytic leukaemia only if: … fludarabine-based therapy is unsuitable")
    said = _with_its_list(ctx, c)
    return any((a in ("titration", "starting-dose", "target", "duration")
                or (a in ("alternative", "stop", "monitoring") and directs(c.text))) and aspect_bonus(a, said) >= 0.9
               for a in (ctx.understood.aspects or (ctx.understood.aspect,)))


def covered_concepts(concepts: list[Concept], terms: frozenset[str]) -> list[Concept]:
    """The concepts ``terms`` say, counting two that name one thing once: "TSB" (total serum
    bilirubin) is said by a sentence on "serum bilirubin" when "bilirubin" is a concept too."""
    covered = [c for c in concepts if c.covered_by(terms)]
    return covered + [c for c in concepts if c not in covered and any(
        inner < form for other in covered for inner in other.forms for form in c.forms)]


def _for_ruled_out(ctx: _Context, c: Candidate) -> bool:
    """The sentence (or the opening of its passage) is for people with a condition the question
    rules out ("no DM, no CKD" and "For patients with diabetes or end organ damage …")."""
    text = c.hit.text[:c.end]
    u = ctx.understood
    for surface, expansion in u.expanded.abbreviations if u.expanded else ():
        # "no PSC" and "… patients grafted for PSC …": the short form the question expanded
        if tuple(analyze(expansion)) in u.ruled_out and surface in text:
            text = re.sub(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", expansion, text)
    return restricted_to_ruled_out(u.ruled_out, text)


def _shares(concepts: list[Concept], terms: frozenset[str]) -> bool:
    """Some concept is in ``terms``, in any form ("allergic" / "allergy": a shared five-letter
    stem prefix counts, but not a prefix many words begin with: "transfus" is no "transform")."""
    prefixes = {_stem_head(t) for t in terms if len(t) >= 5}
    return any(concept.covered_by(terms) or any(_stem_head(t) in prefixes for form in concept.forms for t in form
                                                   if len(t) >= 5)
               for concept in concepts)


# Five letters many unrelated words begin with: eight of them tell words apart.
_COMMON_HEADS = frozenset({"trans", "inter", "intra", "hyper", "super", "under", "micro", "macro", "multi", "contr",
                           "count", "preve", "predi", "prese", "repla", "repea", "repor"})


def _stem_head(term: str) -> str:
    head = term[:5]
    return term[:8] if head in _COMMON_HEADS else head


def _other_population(ctx: _Context, text: str) -> bool:
    """A sentence about a special population neither the question nor the patient is in
    ("in patients who are pregnant, nursing …" for a question about adults)."""
    if restricted_elsewhere(ctx.question, text):
        return True  # "… for all HIV+ women every 6 months" for a 71-year-old's Pap question
    own = {ctx.asked_population, *ctx.patient.populations()}
    return speaks_of_others(text, own, adult=(ctx.patient.age_years or 0) >= 18)


def _acts_for(ctx: _Context, c: Candidate) -> float:
    """What makes a sentence a bottom line beyond its relevance: a positive recommendation
    (+0.25), a grade (+0.1), and not being about another population (-0.3)."""
    value = (0.25 if recommends(c.text) else 0.0) + (0.1 if c.grade else 0.0)
    if _other_population(ctx, c.text):
        value -= 0.3  # the bottom line is about the asked population, not a subgroup
    return value


def _from_document(ranked: list[Candidate], ctx: _Context, config: ComposeConfig,
                   doc_id: str) -> list[Candidate]:
    """The bottom line from one document: its sentence that states the asked aspect about
    the asked condition, judged on what the sentence says rather than on how its passage
    was retrieved, so that two wordings of one question get the same bottom line.
    Empty when the document has no such sentence."""
    pool = [c for c in ranked if c.hit.doc_id == doc_id and c.context_cover >= config.min_sentence_cover
            and (not c.is_lead or _announces_answers(ctx, c))
            and bottom_line_material(c.text)
            and not mismatch(c.text, ctx.asked_population) and _about_subject(ctx, c)
            and not _never_for_this_patient(ctx, c)]
    # A document whose only statements of a first-line choice are about testing (an imaging
    # guideline) has no bottom line for it: the next document may. A sentence that says nothing
    # of the question but its asking verb is about it only through its document's title: it
    # answers only when it plainly states the asked aspect ("Consider a starting dose of 25 mg in
    # patients > 65 years" in the sildenafil label), not otherwise ("… the diagnostic elimination
    # diet should be carefully monitored … over 2–4 weeks" for "how long do I need to observe
    # her?" after anaphylaxis).
    # (A sentence that plainly states the asked aspect in all the asking clause's words is about
    # the question however little it says of the patient's history: "… treat to a goal SBP lower
    # than 150 mm Hg …" for "… on amlodipine. what's the goal BP for him?")
    # (Nor need a sentence name the subject its heading names: "The typical regimen … is once- or
    # twice-daily application for 3 to 4 weeks" under "Treatments > 5-Fluorouracil (5-FU)".)
    pool = _most_to_the_point(ctx, [c for c in pool if _asked(ctx, c, listed=True) > 0
                                    and (c.cover >= config.document_sentence_cover
                                         or (_asked(ctx, c, listed=True) >= 0.9
                                             and (_ask_share(ctx, c) >= 1.0 or _heading_names_asked_drug(ctx, c)
                                                  or _names_the_choice(ctx, c))))
                                    and (_names_more_than_the_act(ctx, c) or _asked(ctx, c, listed=True) >= 0.9)
                                    and not recommends_testing_for(ctx.understood.aspect, _with_its_list(ctx, c))])
    if not pool:
        return []
    said = frozenset({*analyze(ctx.question), *ctx.understood.terms,
                      *(t for concept in ctx.found for form in concept.forms for t in form)})

    def key(c: Candidate) -> tuple[float, int, int]:
        # Judged on the subject (the same in a vignette and its paraphrase), not on every word
        # of the question (a vignette's history adds concepts its paraphrase does not have).
        # (a heading that asks the question counts: "Delivery should be offered at 37 weeks of
        # gestation." under "What Is the Optimal Gestation To Deliver the SGA Fetus?")
        asks = c.hit.section.rstrip().endswith("?")
        subject = (coverage(ctx.subject, c.terms | _passage_terms(c.hit.section, "") if asks else c.terms)
                   if ctx.subject else c.cover)
        value = (_asked(ctx, c, listed=True) + 0.6 * subject + 0.3 * c.context_cover + _acts_for(ctx, c)
                 + config.ask_weight * 3 * _ask_share(ctx, c))
        if opens_for_unasked_group(said, c.text, _generic_stems()):
            value -= 0.3  # "In patients with CH requiring changes in estrogen therapy, …": a subgroup
        if (ctx.understood.asks_for_drug and names_a_drug(c.text)
                and (recommends(c.text, scoped=True) or _PRESCRIBES.match(c.text))
                and not re.search(r"\bagainst\b", c.text, re.I)):
            value += 0.3  # "which med do I start?": sertraline …, not trauma-focused psychotherapy
        if ctx.understood.asks_first and _SAYS_FIRST.search(c.text) and directs(c.text):
            value += 0.2  # "first test to look for a pheo?": "initial biochemical testing for PPGLs …"
        # Ties go to the earlier sentence of the document: the same one, however it was asked.
        return (round(value, 6), -c.hit.ordinal, -c.start)

    return [max(pool, key=key)]


def _cannot_apply(ctx: _Context, c: Candidate) -> bool:
    """A sentence for a group the patient cannot be in (pregnancy for a man)."""
    return sex_conflict(ctx.patient.sex, ctx.patient.age_years, c.text)


def _never_for_this_patient(ctx: _Context, c: Candidate) -> bool:
    """What no bottom line may be, whatever else it says: a recommendation for a condition the
    question rules out, for a group the patient cannot be in, of the drug to be replaced or of a
    treatment the patient cannot have, or a trial a label reports."""
    return (_for_ruled_out(ctx, c) or _gives_what_cannot_be_used(ctx, c) or _cannot_apply(ctx, c)
            or _recommends_declined(ctx, c) or _reports_a_study(c) or _for_pregnancy_only(ctx, c))


_FOR_PREGNANCY = re.compile(r"\b(?:for|in|to|among) (?:all |every )?(?:pregnant (?:wom[ae]n|patients|people|persons|"
                            r"individuals)|pregnancy)\b|\bduring pregnancy\b", re.I)
_CAUTION = re.compile(r"\b(?:not|contraindicat\w*|avoid\w*|caution)\b", re.I)


def _for_pregnancy_only(ctx: _Context, c: Candidate) -> bool:
    """A recommendation for pregnant women for a patient whose note gives no pregnancy ("A
    seven-day antibiotic regimen is recommended for all pregnant women with asymptomatic
    bacteriuria" for a 38-year-old woman with MS doing self-catheterisation); a caution about
    pregnancy ("Doxycycline should not be used in pregnant women") is not one."""
    own = {ctx.asked_population, *ctx.patient.populations()}
    return ("pregnancy" not in own and bool(_FOR_PREGNANCY.search(c.text)) and not _CAUTION.search(c.text)
            and not re.search(r"\bpregnan|\bgestation|\bG\d", ctx.question, re.I))


def _reports_a_study(c: Candidate) -> bool:
    """A label's clinical-studies section reports trials ("Study RA-III had an additional primary
    endpoint at 52 weeks …"): evidence, never what to do."""
    return c.hit.source_type == "label" and bool(re.search(r"\bclinical stud", c.hit.section, re.I))


_NEGATING = re.compile(r"\b(?:not|no|without|unable|cannot|can't|unavailable|contraindicated|if|when|unless)\b", re.I)


def _recommends_declined(ctx: _Context, c: Candidate) -> bool:
    """The sentence recommends a treatment the question says the patient cannot have ("formula fed
    so no breastfeeding": "The team recommends breastfeeding be used during vaccine injections"),
    not one for when it cannot be had ("… if breastfeeding is not possible, …")."""
    declined = ctx.understood.declined
    if not declined or not directs(c.text) or not declined & c.terms:
        return False
    return not _NEGATING.search(c.text)


def _gives_what_cannot_be_used(ctx: _Context, c: Candidate) -> bool:
    """For an alternative, the sentence recommends a drug the question names without saying
    when it cannot be used: "Meperidine should be used for the treatment of patient shivering"
    is no answer to "on phenelzine so anaesthetist won't give pethidine for the shivering. what
    can we give instead?" (the question's drugs are what failed, what cannot be given, or what
    the patient takes)."""
    if ctx.understood.aspect != "alternative":
        return False
    # (not the drug the question proposes to switch to: "can we switch him to Ozurdex?")
    target = _SWITCH_TO.search(ctx.understood.question)
    proposed = frozenset(analyze(target.group(1))) if target else frozenset()
    expanded = ctx.understood.expanded
    drugs = [d for d in ctx.understood.drugs if analyze(d) and not any(
        set(analyze(form)) <= proposed for form in (written_forms(d, expanded) if expanded else [d]))]
    bonus = aspect_bonus("alternative", c.text)
    if directs(c.text) and bonus == 0 and any(set(analyze(d)) <= c.terms for d in drugs):
        return True
    # … or speaks only of the drug to be replaced, by any of its names ("… may derive additional benefit
    # from increasing the dosing frequency of HUMIRA" for "is a TNFi the right choice w/ her lymphoma
    # hx, or what instead?" after "was going to add adalimumab")
    replaced = frozenset(t for d in drugs for t in analyze(d))
    about = [k for k in ctx.found if any(form & replaced for form in k.forms)]
    return bonus < 1.0 and not directs(c.text) and any(k.covered_by(c.terms) for k in about)


# "can we switch him to Ozurdex?", "move her onto apixaban": the drug proposed instead
_SWITCH_TO = re.compile(r"\b(?:switch|change|move|swap|convert)\w* (?:(?:him|her|them|it|the patient|pt|over) ){0,2}"
                        r"(?:to|onto) ([\w-]+(?: [\w-]+)?)", re.I)


# A sentence about what comes first ("initial biochemical testing …", "… in the first instance",
# "US is the first study of choice …")
_SAYS_FIRST = re.compile(r"\b(?:initial(?:ly)?|first[- ](?:line|choice|step|tier)|in the first instance|of choice)\b", re.I)
# NICE prescribes in the imperative: "Consider risperidone for the short-term management of …"
_PRESCRIBES = re.compile(r"\s*(?:offer|consider|give|prescribe|start|use)\s", re.I)


def _names_the_choice(ctx: _Context, c: Candidate) -> bool:
    """A sentence of a document on the subject that plainly names a drug as the choice asked for
    ("The preferred initial antibiotic therapy is intravenous (IV) piperacillin-tazobactam …" in
    the febrile neutropenia guideline) answers however little it repeats of the question."""
    return (ctx.understood.aspect in ("first-line", "alternative") and aspect_bonus(ctx.understood.aspect, c.text) >= 1.0
            and names_a_drug(c.text) and c.context_cover >= 0.5)


def _heading_names_asked_drug(ctx: _Context, c: Candidate) -> bool:
    """The sentence's own heading (not its document's title) names the drug asked about: a
    section on one treatment ("Treatments > 5-Fluorouracil (5-FU)"). (A heading naming the
    condition says little: most headings of a guideline on it do.)"""
    drugs = [frozenset(analyze(d)) for d in ctx.understood.focus_drugs]
    heading = frozenset(analyze(c.hit.section))
    return any(d and _says_drug(ctx, d, heading) for d in drugs)


def _for_the_reason(ranked: list[Candidate], ctx: _Context, config: ComposeConfig,
                    documents: list[str]) -> list[Candidate]:
    """For an alternative asked for a reason (an allergy, an intolerance, a failed treatment),
    the best document's sentence that names that reason: "amoxicillin gave her hives - what
    instead?" is answered by "In the event of allergy to amoxicillin, azithromycin …", not by
    the regimen for a child whose amoxicillin failed. Empty when no best document names it."""
    reasons = ctx.understood.reasons
    if ctx.lay or not reasons:
        return []
    for doc_id in documents:
        found = _from_document([c for c in ranked if c.hit.doc_id == doc_id and reasons & alternative_reasons(c.text)],
                               ctx, config, doc_id)
        if found:
            return found
    return []


def _beside(store: EvidenceStore, ctx: _Context, config: ComposeConfig, bottom: list[Candidate],
            body: list[Candidate], ranked: list[Candidate]) -> list[Candidate]:
    """Up to ``beside_bottom_line`` recommendations right before or after the bottom line in its
    guideline or label (its passage and two on either side, under the same top heading), nearest
    first: a guideline states one step of a regimen per sentence ("Start an intravenous insulin
    infusion 1 to 2 hours after beginning intravenous fluid therapy" before "… 0.05 and 0.1
    units/kg/hour"), and a colleague reading the recommendation reads its neighbours too."""
    if not bottom or ctx.lay or bottom[0].hit.source_type not in ("guideline", "label"):
        return []
    first = bottom[0].hit
    near = [h for h in store.passages_by_id(list(range(first.passage_id - 2, first.passage_id + 3)))
            if h.doc_id == first.doc_id and _top_heading(h.section) == _top_heading(first.section)]
    taken = {(c.hit.passage_id, c.start) for c in [*bottom, *body]}
    # a sentence retrieval already found is that candidate (the special populations skip it)
    known = {(c.hit.passage_id, c.start): c for c in ranked}
    defined = store.definitions_of([first.doc_id])
    fresh = [known.get((c.hit.passage_id, c.start), c) for c in candidates(near, ctx.found, defined=defined)]
    pool = [c for c in fresh
            if (c.hit.passage_id, c.start) not in taken and not is_fragment(c.text) and not c.is_lead
            and not leans_on_previous(c.text) and (directs(c.text) or c.grade) and c.words <= 60
            and c.context_cover >= config.min_sentence_cover and not _other_population(ctx, c.text)
            and not _for_ruled_out(ctx, c)]
    at = bottom[0].start

    def distance(c: Candidate) -> tuple[int, int]:
        return abs(c.hit.ordinal - first.ordinal), abs(c.start - at)

    out: list[Candidate] = []
    for c in sorted(pool, key=distance):
        if len(out) >= config.beside_bottom_line:
            break
        if not any(similar(c.terms, o.terms) for o in [*bottom, *body, *out]):
            if c.hit.passage_id not in {k[0] for k in known}:
                c.rank = len(ranked) + len(out)  # after everything retrieval ranked
            out.append(c)
    return out


def _top_heading(section: str) -> str:
    """The first level of a passage's heading path ("Drug: Codeine" of "Drug: Codeine > Table 2")."""
    return section.split(" > ", 1)[0]


def _next_in_section(store: EvidenceStore, hit: Hit, n: int) -> list[Hit]:
    """Up to ``n`` passages right after ``hit`` in its document and section, in order."""
    after = store.passages_by_id(list(range(hit.passage_id + 1, hit.passage_id + n + 1)))
    return _run_after(hit, {h.passage_id: h for h in after}, n)


def _run_after(hit: Hit, fetched: dict[int, Hit], n: int) -> list[Hit]:
    """Of ``fetched`` (by passage id), the up to ``n`` passages that follow ``hit`` one after
    another in its document and section."""
    out: list[Hit] = []
    for i in range(1, n + 1):
        h = fetched.get(hit.passage_id + i)
        if h is None or h.doc_id != hit.doc_id or h.section != hit.section or h.ordinal != hit.ordinal + i:
            break
        out.append(h)
    return out


def _said(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".;: ")


def _unrepeated(items: list[Candidate], shown: set[str]) -> list[Candidate]:
    """``items`` without the sentences the answer already shows (``shown``, which grows): two
    labels of one drug, or a guideline's summary and its full text, say the same sentence, and a
    reader should meet it once. A list item stays with its lead-in; a repeated lead-in goes with
    its list."""
    out: list[Candidate] = []
    dropped: set[int] = set()
    for c in items:
        if c.under:
            if c.under not in dropped:
                out.append(c)
            continue
        said = _said(c.text)
        if said in shown:
            if c.is_lead:
                dropped.add(c.hit.passage_id)
            continue
        shown.add(said)
        out.append(c)
        dropped.discard(c.hit.passage_id)
    return out


def _nest(items: list[Candidate], make) -> list[Statement]:  # type: ignore[no-untyped-def]
    """Sentences in score order; a later sentence of the same passage nests under the first,
    and a list item stored as a passage of its own under the sentence that introduces it."""
    parents: list[tuple[Candidate, list[Candidate]]] = []
    for c in items:
        for parent, kids in parents:
            if (c.under == parent.hit.passage_id and parent.is_lead) or (
                    parent.hit.passage_id == c.hit.passage_id and c.start > parent.start and not c.under):
                kids.append(c)
                break
        else:
            parents.append((c, []))
    out = []
    for parent, kids in parents:
        # The parent first: reference numbers follow the order in which citations are read.
        head = make(parent)
        kids.sort(key=lambda k: (k.hit.ordinal, k.start))
        out.append(head.model_copy(update={"children": tuple(make(k) for k in kids)}))
    return out


def _special_populations(ctx: _Context, ranked: list[Candidate], body: list[Candidate],
                         retriever: Retriever, config: ComposeConfig,
                         table: list[dosing.Row]) -> tuple[list[Candidate], list[str]]:
    """Cited statements for each population the patient or question names, or a gap."""
    wanted = list(ctx.patient.populations())
    asked = ctx.asked_population
    if asked and asked != "adults" and asked not in wanted:
        wanted.append(asked)
    picked: list[Candidate] = []
    gaps: list[str] = []
    used = {id(c) for c in body}
    for pop in wanted:
        pattern, words, label = POPULATIONS[pop]
        def on_topic(c: Candidate, drugs: frozenset[str] = frozenset(d.lower() for d in dosing.drugs(table))) -> bool:
            # About this question's condition, or a label's warning for a drug this answer doses.
            return c.context_cover >= 0.5 or (c.hit.source_type == "label" and any(
                d in c.text.lower() or d in c.hit.title.lower() for d in drugs))

        pool = [c for c in ranked if pop in mentions(c.text) and id(c) not in used and on_topic(c)]
        if len(pool) < 2:
            extra = retriever.search(f"{ctx.frame.topic or ctx.question} {words}", k=config.population_passages,
                                     snippets=False)
            for drug in dosing.drugs(table)[:2]:
                extra += retriever.search(f"{drug} {words}", k=5, source_types=["label"], snippets=False)
            more = score(candidates(extra, ctx.found), ctx.frame.intent, date.today().year, lay=ctx.lay)
            pool += [c for c in more if pop in mentions(c.text) and on_topic(c) and not is_fragment(c.text)]
        chosen = [c for c in pick(sorted(pool, key=lambda c: -c.score), Budget(max_sentences=3, relative_floor=0.3))
                  if pattern.search(c.text)]
        if chosen:
            picked += [c for c in chosen if all(c.hit.passage_id != p.hit.passage_id or c.start != p.start for p in picked)]
        else:
            # Not "No indexed source addresses …": that opening says the question itself is not
            # covered, and here only what is said for this group is missing.
            gaps.append(f"The indexed sources found say nothing specific to {label} on this question.")
    for c in picked:
        c.facet = "populations"
    return picked, gaps


def _title(ctx: _Context, prior: Answer | None) -> str:
    if prior is None:
        return ctx.frame.title
    pops = [POPULATIONS[p][2] for p in ctx.patient.populations() if p not in prior.patient.populations()]
    suffix = f": {', '.join(pops)}" if pops else f": {ctx.question.rstrip('?')}"
    return (prior.title + suffix)[:200]


def _follow_ups(ctx: _Context, sections: Sequence[Section], rows: Sequence[object]) -> tuple[str, ...]:
    topic = _gap_topic(ctx)
    if topic == "this question":
        return ()  # no named condition or drug to ask more about (never the whole vignette)
    # Diagnosis and monitoring are of the condition ("adalimumab for rheumatoid arthritis"):
    # none is offered for a drug alone ("How is hypertonic saline diagnosed?").
    parts = re.split(r"\s+(?:for|in)\s+", topic, maxsplit=1)
    condition = ctx.understood.asked_condition if ctx.understood.conditions else \
        (parts[1] if len(parts) == 2 else "")
    have = {s.key for s in sections}
    out: list[str] = []
    if "populations" not in have and not ctx.patient.populations():
        out.append(f"What about {topic} in pregnancy?")
    if ctx.frame.intent != "dosing" and rows:
        drug = getattr(rows[0], "drug", "") or "the first-line drug"
        out.append(f"What is the dose of {drug} for {topic}?")
    if condition and ctx.frame.intent != "diagnosis":
        out.append(f"How is {condition} diagnosed?")
    if condition and "monitoring" not in have:
        out.append(f"What monitoring is needed for {condition}?")
    return tuple(out[:3])


def _not_covered(ctx: _Context, retriever: Retriever, store: EvidenceStore, t0: float) -> Answer:
    """The asked condition or drug is in no indexed document: say so plainly, and list the
    nearest sources uncited, as being about something else."""
    name = ctx.understood.unknown
    hits = retriever.search(ctx.understood.query or ctx.question, k=10, snippets=False)
    text = (f"No indexed source addresses {name}. The sources listed below are about related topics, "
            "not about it, and no answer is drawn from them.")
    return _abstain(ctx, hits, store, t0, text)


def _abstain(ctx: _Context, hits: Sequence[Hit], store: EvidenceStore, t0: float, text: str = "") -> Answer:
    """No passage covers the question: say so, and list the nearest sources uncited."""
    numbering = Numbering()
    for h in hits[:10]:
        if len(numbering.by_doc) >= 5:
            break
        numbering.number(h.doc_id)
    nearest = numbering.references(store.documents_meta(list(numbering.by_doc)))
    # Nothing named: the concepts are stems ("headach", "capiti"), and the conditions the frame
    # knows are the ones the index does cover ("Ludwig angina" is not "angina").
    text = text or ("The indexed sources do not cover this question: no passage found covers enough of what it "
                    "asks. No answer is given rather than one written without evidence.")
    now = _now()
    ctx.timings["total"] = _ms(t0)
    return Answer(
        id=_new_id(), question=ctx.question, title=ctx.frame.title, audience=ctx.audience,  # type: ignore[arg-type]
        patient=ctx.patient, gaps=(Statement(text=text, kind="gap"),), abstained=True, nearest=nearest,
        disclaimer=LAY_DISCLAIMER if ctx.lay else DISCLAIMER, created=now, updated=now,
        timings_ms={k: round(v, 1) for k, v in ctx.timings.items()},
    )

