"""Drug names: brand names and synonyms -> generic names, from the dictionary bundled with
the optional ``drug-named-entity-recognition`` package ("Humira" -> "adalimumab").

Loaded once, on first use (~1 s); every function returns nothing when the package is
not installed. Shared by query understanding, dose reading and the verifier.
"""

from __future__ import annotations

import bz2
import functools
import importlib.util
import logging
import pickle
import re
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple

from .stopwords import STOPWORDS

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_MAX_TOKENS = 256  # bounds the work on pasted documents; questions are far shorter


def norm_phrase(text: str) -> str:
    """Lower-case, diacritics folded, punctuation to spaces, possessives and plurals dropped."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = re.sub(r"'s\b|[^\w]+|_", " ", folded).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


# Lexicon entries that are mostly ordinary words in clinical text ("luminal A breast cancer").
_DRUG_EXCLUDE = frozenset({"luminal", "caps", "phospholipids", "sunscreen"})
_DRUG_MAX_WORDS = 4


class _DrugLexicon(NamedTuple):
    to_generic: dict[str, str]  # lower-cased brand or synonym -> generic name
    generic_names: frozenset[str]  # non-proprietary names, to rank vocabulary synonyms


@functools.cache
def drug_lexicon() -> _DrugLexicon | None:
    """A flat dict built once from drug_named_entity_recognition's bundled dictionary.

    Importing that package costs ~2.7 s (it builds a fuzzy-match n-gram index we do not
    use), so its pickle is read directly (~1 s, mostly bz2) and reduced to the entries we need.
    """
    try:
        spec = importlib.util.find_spec("drug_named_entity_recognition")
        if spec is None or spec.origin is None:
            return None
        with bz2.open(Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2", "rb") as fh:
            data = pickle.load(fh)  # the package's own data file, trusted like its code
        variants: dict[str, list[str]] = data["drug_variant_to_canonical"]
        canon: dict[str, dict[str, Any]] = data["drug_canonical_to_data"]
        variant_data: dict[str, dict[str, Any]] = data["drug_variant_to_variant_data"]
    except Exception as exc:  # any failure just means "no drug lexicon"
        log.warning("drug lexicon unavailable: %s", exc)
        return None
    # Only real drugs (DrugBank or MedlinePlus entries): MeSH-only entries are proteins,
    # organisms and drug classes whose "synonyms" are mostly plurals or inversions.
    drugs = {c for c, d in canon.items() if d.get("drugbank_id") or d.get("medline_plus_id")}
    to_generic: dict[str, str] = {}
    for variant, canonicals in variants.items():
        generic = canonicals[0] if canonicals else ""
        if (
            generic not in drugs
            or len(variant) < 4
            or variant.count(" ") >= _DRUG_MAX_WORDS
            or variant in STOPWORDS
            or variant in _DRUG_EXCLUDE
        ):
            continue
        # "l-carnitine" or "vasopressin" add nothing to "carnitine" or "vasopressins"; the
        # prefix test keeps the costlier word comparison off the ~45k unrelated pairs.
        if variant[:4] in generic or generic[:4] in variant:
            v, g = f" {norm_phrase(variant)} ", f" {norm_phrase(generic)} "
            if v in g or g in v:
                continue
        to_generic[variant] = generic
    generic_names = frozenset(drugs) | {v for v, d in variant_data.items() if d.get("is_brand") is False}
    return _DrugLexicon(to_generic, generic_names)


@functools.cache
def _brands_by_generic() -> dict[str, tuple[str, ...]]:
    lexicon = drug_lexicon()
    out: dict[str, list[str]] = {}
    if lexicon is not None:
        for variant, generic in lexicon.to_generic.items():
            out.setdefault(generic.lower(), []).append(variant)
    return {g: tuple(v) for g, v in out.items()}


def other_names(generic: str, limit: int = 40) -> tuple[str, ...]:
    """Brand names and synonyms of a generic drug name ("adalimumab" -> "humira", ...)."""
    return _brands_by_generic().get(generic.lower(), ())[:limit]


def names_a_drug(text: str) -> bool:
    """Whether ``text`` names a drug by its non-proprietary name or a drug class a guideline
    would name ("sertraline, paroxetine …", "an SSRI", "topical steroids")."""
    lex = drug_lexicon()
    low = text.lower()
    words = set(re.findall(r"[a-z][a-z-]{3,}", low))
    if lex is not None and words & lex.generic_names:
        return True
    return bool(_class_pattern().search(low))


@functools.cache
def _class_pattern() -> re.Pattern[str]:
    from .drug_classes import class_names

    names = sorted((c.lower() for c in class_names()), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")s?(?![\w-])")


def has_drug_lexicon() -> bool:
    """True when the drug lexicon is installed and loaded (loads it on first call)."""
    return drug_lexicon() is not None


def brand_to_generic(text: str) -> list[tuple[str, str]]:
    """(surface form, generic name) for brand names and drug synonyms in ``text``.

    Greedy longest match over 1-4 word n-grams, e.g. "Humira" -> "adalimumab".
    Empty when drug_named_entity_recognition is not installed.
    """
    lex = drug_lexicon()
    if lex is None or not text:
        return []
    tokens = [m.group() for m in _TOKEN.finditer(text[:20_000])][:_MAX_TOKENS]
    lowered = [t.lower() for t in tokens]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_DRUG_MAX_WORDS, len(tokens) - i), 0, -1):
            if n > 1 and lowered[i] in STOPWORDS and not tokens[i].isupper():
                continue  # "at 10/40" (weeks of pregnancy) is not the brand "AT 10"
            generic = lex.to_generic.get(" ".join(lowered[i : i + n]))
            if generic:
                pair = (" ".join(tokens[i : i + n]), generic)
                if pair not in out:
                    out.append(pair)
                i += n
                break
        else:
            generic = _formulation_of(lowered[i], lex.to_generic)
            if generic and (tokens[i], generic) not in out:
                out.append((tokens[i], generic))
            i += 1
    return out


# Brand formulations written with a hyphen the lexicon does not list: "depo-medrol" is Medrol
# (methylprednisolone) as a depot injection, "solu-cortef" is Cortef; "Wellbutrin-XL" is Wellbutrin.
_FORM_PREFIXES = frozenset({"depo", "solu"})
_FORM_SUFFIXES = frozenset({"xr", "xl", "sr", "er", "cr", "la", "cd", "odt", "retard"})


def _formulation_of(token: str, to_generic: dict[str, str]) -> str:
    """The generic name of a hyphenated brand formulation (``token`` lower-cased); "" when none."""
    parts = token.split("-")
    if len(parts) < 2:
        return ""
    if parts[0] in _FORM_PREFIXES and (generic := to_generic.get("-".join(parts[1:]), "")):
        return generic
    if parts[-1] in _FORM_SUFFIXES:
        return to_generic.get("-".join(parts[:-1]), "")
    return ""


__all__ = ["brand_to_generic", "drug_lexicon", "has_drug_lexicon", "norm_phrase", "other_names"]
