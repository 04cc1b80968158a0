"""Query understanding: abbreviations, brand -> generic drug names and vocabulary synonyms.

``expand(question, store)`` returns plain phrases to OR into a lexical query and to
append to a dense query, so a passage is found when the question says "IVIg" and
the source says "intravenous immunoglobulin", or "Tylenol" against "acetaminophen".
Abbreviations come from the packaged table, then from the definitions the indexed
documents give (``corpus_abbreviations``: both ways, an ambiguous one resolved by the
question's other words). Everything here is cheap after warm-up (a few dict lookups and
a few indexed SQL lookups per question) and ``expand`` never raises.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, NamedTuple, Protocol

from ..clinical.drugs import brand_to_generic, drug_lexicon, has_drug_lexicon, other_names
from ..clinical.drugs import norm_phrase as _norm
from ..clinical.stopwords import STOPWORDS
from .corpus_abbreviations import corpus_abbreviations

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_FAMILY = re.compile(r"([A-Za-z]+)-?(\d[A-Za-z0-9]*)")
_MAX_TOKENS = 256  # bounds the work on pasted documents; questions are far shorter
# Lower-cased abbreviations that are also English words: never matched unless written in
# capitals, and skipped altogether in all-caps text where capitals carry no signal.
_WORDLIKE = frozenset(
    (
        "ace ad aids all art cad cap cart cd ct ed er gad gist hit mg ms musk nice pad pe pep pet "
        "prep pt sirs who as"
    ).split()
)


def parse_abbreviations(text: str) -> dict[str, tuple[str, ...]]:
    """Parse the abbreviation table (see ``data/abbreviations.tsv``); raises ValueError on bad lines."""
    table: dict[str, tuple[str, ...]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        key = cols[0].strip()
        expansions = tuple(e.strip() for e in cols[1].split("|")) if len(cols) > 1 else ()
        if len(cols) > 3 or not key or not expansions or not all(expansions):
            raise ValueError(f"abbreviations line {lineno}: expected key<TAB>expansions[<TAB>note]")
        if key in table:
            raise ValueError(f"abbreviations line {lineno}: duplicate key {key!r}")
        if any(e.casefold() == key.casefold() for e in expansions):
            raise ValueError(f"abbreviations line {lineno}: {key!r} expands to itself")
        if any(("#" in key) != ("#" in e) for e in expansions):
            raise ValueError(f"abbreviations line {lineno}: '#' must be in the key and every expansion")
        table[key] = expansions
    return table


@functools.cache
def load_abbreviations() -> dict[str, tuple[str, ...]]:
    """The packaged clinical abbreviation table: key -> expansions (most likely sense first)."""
    return parse_abbreviations((files("medcite") / "data" / "abbreviations.tsv").read_text("utf-8"))


class _AbbrevIndex(NamedTuple):
    exact: dict[str, str]  # key without hyphens -> key
    folded: dict[str, tuple[str, ...]]  # upper-cased key without hyphens -> keys
    families: dict[str, str]  # upper-cased prefix of a "#" key -> key


@functools.cache
def _abbrev_index() -> _AbbrevIndex:
    exact: dict[str, str] = {}
    folded: dict[str, tuple[str, ...]] = {}
    families: dict[str, str] = {}
    for key in load_abbreviations():
        norm = key.replace("-", "")
        if "#" in key:
            families[norm.replace("#", "").upper()] = key
            continue
        exact[norm] = key
        folded[norm.upper()] = (*folded.get(norm.upper(), ()), key)
    return _AbbrevIndex(exact, folded, families)


def _case_ok(token: str, key: str, shouting: bool) -> bool:
    if shouting and key.lower().replace("-", "") in _WORDLIKE:
        return False
    if token.isupper() or token == key:
        return True
    # "ivig" and "IVIg" are safe to fold; "all", "ms" and "Aids" are words, not abbreviations.
    return len(token) >= 4 and token.lower() not in _WORDLIKE


def _lookup(token: str, shouting: bool) -> list[tuple[str, str]]:
    """(surface, expansion) pairs for one token: whole token, plural, numbered family, then parts."""
    idx = _abbrev_index()
    table = load_abbreviations()
    norm = token.replace("-", "")
    forms = [norm]
    if len(norm) > 2 and norm.endswith("s"):
        forms.append(norm[:-1])  # "NSAIDs", "SNPs", "Tregs"
    for plural, form in enumerate(forms):
        exact = idx.exact.get(form)
        keys = [exact] if exact else list(idx.folded.get(form.upper(), ()))
        keys = [k for k in keys if _case_ok(form, k, shouting)]
        if plural and not (form.isupper() or form in keys):
            keys = []  # only "SNPs"-style plurals, not lower-case words that end in s
        if keys:
            return [(token, e) for k in keys for e in table[k]]
    fam = _FAMILY.fullmatch(token)
    if fam and (key := idx.families.get(fam[1].upper())) and _case_ok(norm, key, shouting):
        return [(token, e.replace("#", fam[2])) for e in table[key]]
    if "-" in token:  # "anti-TNF", "ACE-inhibitor"
        return [pair for part in token.split("-") if len(part) > 1 for pair in _lookup(part, shouting)]
    return []


def _is_shouting(tokens: list[str]) -> bool:
    """All-caps text: capitals then say nothing about abbreviations."""
    idx = _abbrev_index()
    words = [t for t in tokens if len(t) >= 4 and t.isalpha() and t.upper() not in idx.folded]
    return len(words) >= 2 and sum(w.isupper() for w in words) > 0.5 * len(words)


def _in_table(short: str, long: str) -> bool:
    """Whether the packaged table expands ``short`` to ``long``."""
    return any(_norm(e) == _norm(long) for _, e in _lookup(short, False))


def abbreviations_in(text: str) -> list[tuple[str, str]]:
    """(surface form, expansion) for each abbreviation in ``text``, in order, without repeats."""
    tokens = [m.group() for m in _TOKEN.finditer(text[:20_000])][: _MAX_TOKENS * 4]
    shouting = _is_shouting(tokens)
    out: list[tuple[str, str]] = []
    for token in tokens:
        for pair in _lookup(token, shouting):
            if pair not in out:
                out.append(pair)
        if len(out) >= _MAX_TOKENS:
            break
    return out


class _SynonymSource(Protocol):
    def synonyms(self, term: str, limit: int = 12) -> list[str]: ...


# MeSH check tags and the like: every question mentions them, their entry terms help nobody.
_VOCAB_SKIP = frozenset(
    "human humans animal animals female male patient patients people adult adults child children "
    "woman women man men disease diseases treatment therapy effect effects use used risk".split()
)
_CLEAN_TERM = re.compile(r"[A-Za-z][A-Za-z' -]*[A-Za-z]")
_MAX_VOCAB_TOKENS = 48
_MAX_LOOKUPS = 96
_PER_PHRASE = 3


def _rank_key(term: str, generic_names: frozenset[str]) -> tuple[Any, ...]:
    # Prefer non-proprietary names, then plain words over chemical names and abbreviations
    # ("Paracetamol" before "Panadol", "N-(4-Hydroxyphenyl)acetanilide" and "APAP").
    return (
        term.lower() not in generic_names,
        _CLEAN_TERM.fullmatch(term) is None,
        term.isupper(),
        len(term.split()),
        len(term),
        term.lower(),
    )


def vocab_synonyms(store: _SynonymSource | None, text: str, limit: int = 6) -> list[str]:
    """MeSH / MedlinePlus entry terms for phrases of ``text`` (1-4 word n-grams, longest first)."""
    if store is None or not text or limit <= 0:
        return []
    tokens = [m.group() for m in _TOKEN.finditer(text[:20_000])][:_MAX_VOCAB_TOKENS]
    lex = drug_lexicon()
    generic_names = lex.generic_names if lex else frozenset()
    covered: set[int] = set()
    seen = {_norm(" ".join(tokens))}
    out: list[str] = []
    lookups = 0
    for n in range(min(4, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            span = range(i, i + n)
            first, last = tokens[i].lower(), tokens[i + n - 1].lower()
            if covered.intersection(span) or first in STOPWORDS or last in STOPWORDS:
                continue
            if n == 1 and (len(first) < 3 or first.isdigit() or first in _VOCAB_SKIP):
                continue
            if lookups >= _MAX_LOOKUPS:
                return out
            lookups += 1
            phrase = " ".join(tokens[i : i + n])
            try:
                found = store.synonyms(phrase, limit=64)
            except Exception as exc:  # a broken or closed store must not break search
                log.debug("synonym lookup failed for %r: %s", phrase, exc)
                return out
            if not found:
                continue
            covered.update(span)
            taken = 0
            for term in sorted(found, key=lambda t: _rank_key(t, generic_names)):
                norm = _norm(term)
                # Inverted MeSH forms ("Neoplasm, Benign") only repeat another term's words.
                if not norm or ", " in term or any(f" {norm} " in f" {s} " for s in seen):
                    continue
                seen.add(norm)
                out.append(term)
                taken += 1
                if len(out) >= limit:
                    return out
                if taken >= _PER_PHRASE:
                    break
    return out


@dataclass(frozen=True)
class ExpandedQuery:
    """A question plus the phrases that say the same things in other words."""

    text: str
    expansions: tuple[str, ...]
    abbreviations: tuple[tuple[str, str], ...]
    drugs: tuple[tuple[str, str], ...]
    synonyms: tuple[str, ...]

    def dense_text(self) -> str:
        """The question with its expansions appended, for an embedding model."""
        return f"{self.text} ({'; '.join(self.expansions)})" if self.expansions else self.text


def expand(text: str, store: _SynonymSource | None = None, max_expansions: int = 12) -> ExpandedQuery:
    """Abbreviation expansions, generic names and vocabulary synonyms for ``text``.

    Deduplicated case-insensitively, without phrases already in the text, at most
    ``max_expansions``; abbreviations first, then drugs, then synonyms (least precise).
    Never raises: on unexpected input it returns no expansions.
    """
    text = text if isinstance(text, str) else ""
    try:
        head = text[:20_000]
        abbrevs = tuple(abbreviations_in(head))
        # Then those the indexed documents define, both ways ("CEA" -> "carotid endarterectomy",
        # "Clostridium difficile infection" -> "CDI"), for what the table does not expand.
        shouting = _is_shouting([m.group() for m in _TOKEN.finditer(head)][:_MAX_TOKENS])
        abbrevs += tuple(corpus_abbreviations(head, store, {s for s, _ in abbrevs}, shouting,
                                              known=_in_table))
        drugs = tuple(brand_to_generic(head))
        synonyms = tuple(vocab_synonyms(store, head))
        present = f" {_norm(head)} "
        seen: set[str] = set()
        expansions: list[str] = []
        for phrase in [e for _, e in abbrevs] + [g for _, g in drugs] + list(synonyms):
            norm = _norm(phrase)
            if len(expansions) >= max_expansions:
                break
            if norm and norm not in seen and f" {norm} " not in present:
                seen.add(norm)
                expansions.append(phrase)
        return ExpandedQuery(text, tuple(expansions), abbrevs, drugs, synonyms)
    except Exception:  # query understanding is an optimisation; search goes on without it
        log.exception("query expansion failed")
        return ExpandedQuery(text, (), (), (), ())


__all__ = [
    "ExpandedQuery",
    "abbreviations_in",
    "brand_to_generic",
    "expand",
    "has_drug_lexicon",
    "load_abbreviations",
    "other_names",
    "parse_abbreviations",
    "vocab_synonyms",
]
