"""Does a passage support a sentence? Pure functions over two texts.

A sentence is supported when enough of its content words are in the passage (and,
given an embedder, the two are close in meaning), and nothing it states as a fact —
a number, a unit, a drug, a patient group, a negation, a dose — is missing from the
passage.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import NamedTuple

from ..clinical.doses import dose_signature, parse_doses
from .facts import BOS, EOS, NEG, Facts, facts, is_unit


@dataclass(frozen=True)
class Thresholds:
    """Support thresholds.

    Tuned on the BioASQ 7B-10B golden snippets by ``python bench/verify_thresholds.py``
    (2026-11-23; table in its docstring). lexical_min 0.8: every extractive sentence
    passes, 87% of ideal-answer paraphrases, 6% of hard negatives. embedding_min 0.4
    (with the lexical floor): 98.5% extractive, 85% paraphrase, 5% hard negatives. Every
    perturbed sentence (number, negation, drug, patient group changed) is rejected by
    the fact checks, whatever the thresholds.
    """

    lexical_min: float = 0.8
    embedding_min: float = 0.4

    def as_dict(self, embedding: bool = True) -> dict[str, float]:
        values = asdict(self)
        if not embedding:
            values.pop("embedding_min")
        return values


class Failure(NamedTuple):
    check: str  # lexical_support | embedding_support | number_mismatch | unit_mismatch |
    # drug_mismatch | population_mismatch | negation_mismatch | dose_mismatch
    message: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """Threshold-free comparison of a sentence with a passage."""

    lexical: float  # share of the sentence's content words found in the passage
    missing: tuple[str, ...]  # those not found, as written
    failures: tuple[Failure, ...]  # fact checks, independent of any threshold


def _fmt(x: float) -> str:
    return f"{x:g}"


def _dose(sig: tuple[float, float, str]) -> str:
    low, high, unit = sig
    return f"{_fmt(low)} {unit}" if low == high else f"{_fmt(low)}-{_fmt(high)} {unit}"


def _context(f: Facts, key: tuple[str, ...]) -> str:
    return " ".join(f.surface.get(w, w) for w in key if w not in (BOS, EOS, NEG, ""))


def _negation_failures(s: Facts, p: Facts) -> list[Failure]:
    """A negation added or dropped where the sentence otherwise follows the passage.

    Compared as contexts of adjacent content words: "plasmapheresis should not be
    considered" gives the negated context (plasmapheresis, considered); a sentence with
    that context un-negated drops the negation. A context the passage also states
    un-negated elsewhere proves nothing, so it is skipped.
    """
    out: list[Failure] = []
    if s.negated and not p.negated:
        out.append(Failure("negation_mismatch", "the sentence is negated but the passage has no negation"))
    # p.pos_ctx is built only when needed: most passages are long and most sentences agree.
    shared = s.pos_ctx & p.neg_ctx
    dropped = sorted(shared - p.pos_ctx, key=len) if shared else []
    if dropped:
        out.append(Failure(
            "negation_mismatch",
            f"the passage negates {_context(p, dropped[0])!r} but the sentence does not",
        ))
    added = sorted((s.neg_ctx & p.pos_ctx) - p.neg_ctx, key=len) if s.neg_ctx else []
    if added and not out:
        out.append(Failure(
            "negation_mismatch",
            f"the sentence negates {_context(s, added[0])!r} but the passage does not",
        ))
    return out


@functools.lru_cache(maxsize=4096)
def _without_matched_doses(sentence: str, have: frozenset[tuple[float, float, str]]) -> str:
    """``sentence`` with the doses the passage also states blanked out: "1 g" matches
    "1000 mg" as a dose, so its number and unit are not checked again on their own."""
    out = sentence
    for m in parse_doses(sentence):
        start, end = m.span
        if dose_signature(m.text) <= have:
            out = out[:start] + " " * (end - start) + out[end:]
    return out


def _number_failures(s: Facts, bare: Facts, p: Facts) -> list[Failure]:
    """Numbers and units of the sentence (``bare``: less its matched doses) not in the passage."""
    out = [
        Failure("number_mismatch", f"number {_fmt(n)} is not in the passage")
        for n in sorted(bare.numbers - p.passage_numbers)
    ]
    units = [Failure("unit_mismatch", f"unit {u!r} is not in the passage") for u in sorted(bare.units - p.units)]
    out += [
        Failure("number_mismatch", f"{_fmt(n)} is in the passage, but not as '{_fmt(n)} {s.surface.get(w, w)}'")
        # Contexts from the sentence itself: blanking a dose would change a neighbour's.
        for n, w in sorted(s.number_ctx - p.passage_number_ctx)
        if n in bare.numbers and n in p.passage_numbers
        and not (units and is_unit(w))  # "0.5 g" for "0.5 mg" is said once, as a unit mismatch
    ]
    return out + units


def assess(sentence: str, passage: str) -> Assessment:
    """Compare ``sentence`` with ``passage``: lexical share and the fact checks."""
    s, p = facts(sentence), facts(passage)
    found = s.stems & p.stems
    lexical = len(found) / len(s.stems) if s.stems else 0.0
    missing = tuple(s.surface[w] for w in sorted(s.stems - found))
    bare = facts(_without_matched_doses(sentence, p.doses)) if s.doses else s
    failures = _number_failures(s, bare, p)
    keys = p.drug_keys
    failures += [
        Failure("drug_mismatch", f"drug {name!r} is not in the passage")
        for name, generic in sorted(s.drugs)
        if name not in keys and generic not in keys
    ]
    failures += [
        Failure("population_mismatch", f"the passage says nothing of {group}")
        for group in sorted(s.populations - p.populations)
    ]
    failures += _negation_failures(s, p)
    failures += [
        Failure("dose_mismatch", f"dose {_dose(d)} is not in the passage") for d in sorted(s.doses - p.doses)
    ]
    return Assessment(lexical, missing, tuple(failures))


def decide(a: Assessment, thresholds: Thresholds, cosine: float | None = None) -> list[Failure]:
    """Every reason the assessed sentence is not supported (empty: supported)."""
    out: list[Failure] = []
    if a.lexical < thresholds.lexical_min:
        shown = ", ".join(a.missing[:6]) + (" …" if len(a.missing) > 6 else "")
        out.append(Failure(
            "lexical_support",
            f"{a.lexical:.0%} of its content words are in the passage (needs "
            f"{thresholds.lexical_min:.0%}); missing: {shown or 'all'}",
        ))
    if cosine is not None and cosine < thresholds.embedding_min:
        out.append(Failure(
            "embedding_support",
            f"embedding similarity {cosine:.2f} is below {thresholds.embedding_min:.2f}",
        ))
    out.extend(a.failures)
    return out


def supports(sentence: str, passage: str, thresholds: Thresholds | None = None,
             cosine: float | None = None) -> list[Failure]:
    """Why ``passage`` does not support ``sentence`` (empty list: it does)."""
    return decide(assess(sentence, passage), thresholds or Thresholds(), cosine)
