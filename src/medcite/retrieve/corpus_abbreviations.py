"""Abbreviations the indexed documents define, both ways, for a question.

A short form in the question that the packaged table does not know ("CEA", "SCD", "DBT")
expands to the long form the documents give it ("carotid endarterectomy"); a long form
in the question ("Clostridium difficile infection") adds the short form documents write
for it ("CDI"), so passages that only use the abbreviation are found too. Definitions
are mined at ingest (``clinical.abbreviations``) and counted by the store
(``SQLiteStore.abbreviation_senses``); this module only looks them up: two or three
indexed queries per question, plus one per ambiguous short form.

An ambiguous short form gets one sense: the one whose long form shares the question's
other words, or whose defining documents' titles do (SCD with "hydroxyurea ... children":
sickle cell disease; with "ICD ... heart failure": sudden cardiac death); with no such
evidence, the sense most documents define when it is most of them (for two letters, 80% of
five documents or more: "PV bleeding" is not polycythemia vera), else none.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..clinical.stopwords import STOPWORDS
from .analyze import analyze

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # as query._TOKEN: "LDL-C" is one token
_MAX_TOKENS = 64  # bounds the lookups on pasted text
_MAX_WORDS = 8  # the longest long form looked up, in words
_MAX_SENSES = 5  # senses of one short form weighed against each other
_TITLES = 30  # defining documents' titles read per sense
_IN_LONG_FORM = 3.0  # log-odds for each word of a sense's long form written in the question
_SMOOTHING = 5.0  # pseudo-titles at the pooled rate, per sense
# Defined by a single document: noise as often as not ("older animals (OR)"), so a sense
# needs two documents, unless it is the only sense of a short form of 3+ characters.
MIN_DOCUMENTS = 2
# A long form adds its short form only when that is what nearly all documents defining the
# short form (in a sense two documents share) mean by it: "atopic dermatitis" does not add
# "AD" (more documents use it for Alzheimer's disease), nor "emergency department" "ED"
# (erectile dysfunction in a fifth).
MIN_SHARE = 0.8
# Title words that say nothing about which sense a document uses.
_GENERIC = frozenset(analyze(
    "recommendation recommendations guideline guidelines guidance management treatment patient patients "
    "clinical practice update updated statement review evidence based adult adults report american national "
    "society association college use care diagnosis"))


@dataclass
class _Sense:
    long: str  # as most of its documents write it
    documents: int
    stems: frozenset[str]  # long forms with the same stems are one sense


def _shortish(token: str) -> bool:
    """Could ``token`` be an abbreviation as written: two capitals ("CEA", "IVIg", "eGFR") or a
    capital and a digit ("Tc-99m"); never a capitalised word ("What", "Metamucil")."""
    if not 2 <= len(token) <= 12:
        return False
    upper = sum(c.isupper() for c in token)
    return upper >= 2 or (upper == 1 and any(c.isdigit() for c in token))


def _senses(rows: list[tuple[str, int]]) -> list[_Sense]:
    """Senses of one short form, long forms with the same stems merged ("Alzheimer's disease",
    "Alzheimer disease"), most documents first."""
    merged: dict[frozenset[str], _Sense] = {}
    for long, documents in rows:
        stems = frozenset(analyze(long))
        if not stems:
            continue
        sense = merged.get(stems)
        if sense is None:
            merged[stems] = _Sense(long, documents, stems)
        else:
            sense.documents += documents
    return sorted(merged.values(), key=lambda s: -s.documents)


def _eligible(short: str, senses: list[_Sense]) -> list[_Sense]:
    kept = [s for s in senses if s.documents >= MIN_DOCUMENTS]
    if not kept and len(senses) == 1 and sum(c.isalnum() for c in short) >= 3:
        kept = senses
    return kept[:_MAX_SENSES]


def _dominant(short: str, sense: _Sense, total: int) -> bool:
    """Whether ``sense`` may stand for ``short`` with nothing in the question pointing to it:
    most documents defining ``short`` mean it (``total`` counts every sense, those one document
    defines too). Two letters stand for many things at the bedside ("PV bleeding", "L TM
    bulging", "under GA"), so these need 80% of five documents or more. A sense one document
    defines counts against the others ("MTC resus": two documents define MTC as medullary
    thyroid carcinoma, one as a major trauma centre and one as a training centre)."""
    if sum(c.isalnum() for c in short) <= 2:
        return sense.documents >= 5 and sense.documents >= 0.8 * total
    return sense.documents > 0.5 * total


def _pick(store: Any, short: str, senses: list[_Sense], context: frozenset[str], total: int = 0) -> _Sense | None:
    """The sense of ``short`` the question's other words point to, or None when they point
    to none and no sense is ``_dominant``.

    Naive Bayes: the prior is the number of documents defining each sense; each other word
    of the question is evidence through how many of the sense's defining documents have it
    in their title (smoothed toward its rate over all the senses' titles, so two documents
    on one topic do not outweigh thirty), and a word of the long form itself counts most.
    Ties go to the sense most documents define. ``total``: the documents defining ``short`` in
    any sense (by default those of ``senses``)."""
    total = max(total, sum(s.documents for s in senses))
    cues = context - _GENERIC
    if not cues or (len(senses) == 1 and _dominant(short, senses[0], total)):
        if _dominant(short, senses[0], total) or context & senses[0].stems:
            return senses[0]
        return None
    titles = [[frozenset(analyze(t)) for t in store.abbreviation_titles(short, s.long, limit=_TITLES)]
              for s in senses]
    pooled = [t for ts in titles for t in ts]
    scores = []
    for sense, own in zip(senses, titles, strict=True):
        value = math.log(sense.documents) + _IN_LONG_FORM * len(context & sense.stems)
        for cue in cues:
            background = (sum(cue in t for t in pooled) + 1) / (len(pooled) + 2)
            value += math.log((sum(cue in t for t in own) + _SMOOTHING * background) / (len(own) + _SMOOTHING))
        scores.append(value)
    best = max(scores)
    i = next(i for i, v in enumerate(scores) if v >= best - 1e-9)  # the most documents first
    winner = senses[i]
    pointed = bool(context & winner.stems) or any(c in t for t in titles[i] for c in cues)
    return winner if pointed or _dominant(short, winner, total) else None


def short_to_long(text: str, store: Any, skip: set[str]) -> list[tuple[str, str]]:
    """(short form as written, long form) for each abbreviation in ``text`` that indexed
    documents define and ``skip`` (those the packaged table expanded) does not hold."""
    tokens = [m.group() for m in _TOKEN.finditer(text)][:_MAX_TOKENS]
    wanted: dict[str, list[str]] = {}
    for token in dict.fromkeys(tokens):
        if token in skip or not _shortish(token):
            continue
        forms = [token]
        if len(token) > 2 and token.endswith("s"):
            forms.append(token[:-1])  # "CEAs" -> "CEA"
        else:
            forms.append(token + "s")  # "RCT" is defined as "RCTs" too
        wanted[token] = forms
    if not wanted:
        return []
    found = store.abbreviation_senses_of([f for forms in wanted.values() for f in forms])
    stems = analyze(text)
    out: list[tuple[str, str]] = []
    for token, forms in wanted.items():
        short = next((f for f in forms if f in found), None)
        if short is None:
            continue
        every = _senses(found[short])
        senses = _eligible(short, every)
        if not senses:
            continue
        own = set(analyze(token))
        context = frozenset(t for t in stems if t not in own)
        sense = _pick(store, short, senses, context, total=sum(s.documents for s in every))
        if sense is not None:
            out.append((token, sense.long))
    return out


def _none_known(short: str, long: str) -> bool:
    return False


def long_to_short(text: str, store: Any, known: Callable[[str, str], bool] = _none_known) -> list[tuple[str, str]]:
    """(long form as written, short form) for each long form in ``text`` that indexed documents
    abbreviate, mostly to that short form; longest first, spans not overlapping. A pair the
    packaged table ``known``s is left out ("heart failure" -> HF): such abbreviations are
    common, sources that use them write the long form too, and the composer pairs them
    already."""
    matches = list(_TOKEN.finditer(text))[:_MAX_TOKENS]
    if not matches:
        return []
    spans: dict[str, tuple[int, int]] = {}
    for i in range(len(matches)):
        if matches[i].group().lower() in STOPWORDS:
            continue
        for n in range(1, min(_MAX_WORDS, len(matches) - i) + 1):
            last = matches[i + n - 1].group()
            if last.lower() in STOPWORDS or (n == 1 and "-" not in last):
                continue  # a long form is two words or more, or a hyphenated one
            spans.setdefault(text[matches[i].start():matches[i + n - 1].end()], (i, i + n))
    if not spans:
        return []
    found = store.short_forms_of(list(spans))
    candidates = [(phrase, shorts[0][0]) for phrase, shorts in found.items()
                  if shorts and not known(shorts[0][0], phrase)]
    if not candidates:
        return []
    senses = {short: _senses(rows) for short, rows in store.abbreviation_senses_of([c[1] for c in candidates]).items()}
    taken: set[int] = set()
    out: list[tuple[str, str]] = []
    lowered = f" {text.lower()} "
    for phrase, short in sorted(candidates, key=lambda c: -(spans[c[0]][1] - spans[c[0]][0])):
        start, end = spans[phrase]
        stems = frozenset(analyze(phrase))
        eligible = _eligible(short, senses.get(short, []))
        total = sum(s.documents for s in eligible)
        share = sum(s.documents for s in eligible if s.stems == stems)
        if taken.intersection(range(start, end)) or not share or share < MIN_SHARE * total:
            continue
        if re.search(rf"(?<![\w-]){re.escape(short.lower())}(?![\w-])", lowered):
            continue  # the question writes the short form already
        taken.update(range(start, end))
        out.append((phrase, short))
    return out


def corpus_abbreviations(text: str, store: Any, skip: set[str], shouting: bool = False,
                         known: Callable[[str, str], bool] = _none_known) -> list[tuple[str, str]]:
    """``short_to_long`` then ``long_to_short``; [] for a store that keeps no abbreviations.
    In all-caps text capitals say nothing about abbreviations, so only long forms are read."""
    if store is None or not hasattr(store, "abbreviation_senses_of") or not text:
        return []
    try:
        pairs = [] if shouting else short_to_long(text, store, skip)
        return pairs + long_to_short(text, store, known)
    except Exception as exc:  # a broken or closed store must not break search
        log.debug("corpus abbreviation lookup failed: %s", exc)
        return []
