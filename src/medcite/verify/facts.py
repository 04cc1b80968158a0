"""What a support check compares: the content words, numbers, units, drugs, negations
and doses of a text. Pure functions; ``facts`` is cached because every passage is read
by several statements and re-verification reads the same texts again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..compose.doses import dose_signature
from ..retrieve.analyze import keep, split, stem
from ..retrieve.query import _drug_lexicon

NEG = "\x00neg"  # a negation in a token sequence; no stem can look like it
BOS, EOS = "\x00bos", "\x00eos"
NEGATIONS = frozenset(
    "not no never without neither nor cannot none nobody nothing nowhere".split()
)
# "contraindicated" negates "indicated": it is read as NEG + "indicated" so that
# "X is indicated" and "X is contraindicated" differ only by the negation.
_CONTRA = re.compile(r"^contraindicat(\w*)$")
# "don't" splits into "don" + "t" on \w+; the first half marks the negation.
_CONTRACTED = frozenset(
    "can don doesn didn isn aren wasn weren shouldn won wouldn couldn mustn hasn haven hadn needn ain".split()
)

_CLAUSE = re.compile(r"[.;:!?]+(?=\s|$)")
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?")
_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_UNIT_WORDS = (
    r"mg|g|kg|mcg|µg|μg|ug|ng|milligrams?|micrograms?|grams?|kilograms?|ml|dl|l|"
    r"liters?|litres?|milliliters?|millilitres?|iu|units?|u|meq|mmol|µmol|μmol|mol|"
    r"h|hrs?|hours?|min|minutes?|days?|d|weeks?|wks?|months?|years?|yrs?|mmhg|cm|mm|m2|m²|kcal|%|percent"
)
_UNIT = re.compile(
    rf"(?<![\w.])\d[\d,]*(?:\.\d+)?\s*(?:-|–|to)?\s*(?:\d[\d,]*(?:\.\d+)?\s*)?"
    rf"((?:{_UNIT_WORDS})(?:\s*(?:/|per\s+)\s*(?:{_UNIT_WORDS}))*)(?![\w/])",
    re.IGNORECASE,
)
_SINGULAR = frozenset(
    "milligram microgram gram kilogram liter litre milliliter millilitre unit hr hour minute "
    "day week wk month year yr".split()
)
_UNIT_ALIAS = {
    "milligram": "mg", "microgram": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "gram": "g",
    "kilogram": "kg", "liter": "l", "litre": "l", "milliliter": "ml", "millilitre": "ml",
    "unit": "unit", "u": "unit", "µmol": "umol", "μmol": "umol", "hr": "h", "hour": "h",
    "minute": "min", "d": "day", "wk": "week", "yr": "year", "percent": "%", "m²": "m2",
}
# Lexicon entries that are mostly ordinary English words in clinical prose.
_NOT_DRUGS = frozenset(
    "lead bean beet lamb kale rice sage silk soot tuna hops neon agar gold heme oats wheat salt "
    "sugar milk corn soy coffee balance light sleep blood control".split()
)
_DRUG_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_DRUG_MAX_WORDS = 4


@dataclass(frozen=True, slots=True)
class Facts:
    """The checkable content of one text (a statement or a passage)."""

    stems: frozenset[str]  # content-word stems, negations excluded
    surface: dict[str, str]  # stem -> first word it came from, for messages
    numbers: frozenset[float]  # digits and "two".."twelve"
    has_one: bool  # the word "one": a number in a passage, too ambiguous in a statement
    units: frozenset[str]  # normalised units written after a number
    drugs: frozenset[tuple[str, str]]  # (name as written, lower-cased; generic name)
    negated: bool
    # Contexts (2-4 adjacent content stems) of each gap between words, split by whether
    # the gap holds an odd number of negations: see ``_contexts``.
    pos_ctx: frozenset[tuple[str, ...]]
    neg_ctx: frozenset[tuple[str, ...]]
    doses: frozenset[tuple[float, float, str]]

    @property
    def drug_keys(self) -> frozenset[str]:
        """Every name and generic name of the drugs mentioned."""
        return frozenset(k for pair in self.drugs for k in pair)

    @property
    def passage_numbers(self) -> frozenset[float]:
        return self.numbers | {1.0} if self.has_one else self.numbers


def _norm_unit(unit: str) -> str:
    """"mg per kg" -> "mg/kg", "Hours" -> "h", "µg" -> "mcg"."""
    out = []
    for part in re.split(r"\s*(?:/|per\s+)\s*", unit.strip().lower()):
        if part.endswith("s") and part[:-1] in _SINGULAR:
            part = part[:-1]
        out.append(_UNIT_ALIAS.get(part, part))
    return "/".join(out)


def _number(whole: str, frac: str | None) -> float:
    return float(whole.replace(",", "") + (frac or ""))


@functools.cache
def _drug_names() -> tuple[dict[str, str], dict[str, int]]:
    """Lower-cased drug name (brand, synonym or generic) -> generic name, and the most
    words a name starting with a given word has; empty without the drug lexicon."""
    lex = _drug_lexicon()
    if lex is None:
        return {}, {}
    names = {n: n for n in lex.generic_names if len(n) >= 4 and n not in _NOT_DRUGS}
    names.update(lex.to_generic)
    longest: dict[str, int] = {}
    for name in names:
        words = name.split(" ")
        if len(words) <= _DRUG_MAX_WORDS:
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
    return names, longest


def drugs_in(text: str) -> frozenset[tuple[str, str]]:
    """(name as written, generic) for each drug named in ``text``: longest match of 1-4 words."""
    names, longest = _drug_names()
    tokens = [m.group().lower() for m in _DRUG_TOKEN.finditer(text)] if names else []
    out: set[tuple[str, str]] = set()
    i = 0
    while i < len(tokens):
        for n in range(min(longest.get(tokens[i], 0), len(tokens) - i), 0, -1):
            name = " ".join(tokens[i : i + n])
            generic = names.get(name)
            if generic:
                out.add((name, generic))
                i += n
                break
        else:
            # "ALK-crizotinib", "L-fucose": a drug inside a hyphenated word is still named.
            if "-" in tokens[i]:
                out.update((part, names[part]) for part in tokens[i].split("-") if part in names)
            i += 1
    return frozenset(out)


def _clause_items(clause: str) -> list[str]:
    """Content words (unstemmed) and NEG markers of one clause, in order."""
    raw: list[str] = []
    for tok in split(clause):
        if tok == "t" and raw and raw[-1] in _CONTRACTED:
            raw[-1] = "not"
        else:
            raw.append(tok)
    items: list[str] = []
    for tok in raw:
        if tok in NEGATIONS:
            items.append(NEG)
        elif m := _CONTRA.match(tok):
            items += [NEG, "indicat" + m[1]]
        elif tok == "either":
            continue  # "either ... or" vs "neither ... nor": only the negation matters
        elif word := keep(tok):
            items.append(word)
    return items


def _contexts(seq: list[str], odd: list[bool], pos: set[tuple[str, ...]], neg: set[tuple[str, ...]]) -> None:
    """Each gap between adjacent content words, keyed by its neighbours, as negated or not.

    Keys of two, three and four words: the longer ones tell "remission rates were not
    significantly different" from "response rates were significantly greater".
    """
    mark = [NEG if o else "" for o in odd]
    for i, flag in enumerate(odd):
        a, b = seq[i], seq[i + 1]
        keys: list[tuple[str, ...]] = [(a, b)]
        if i > 0:
            keys.append((seq[i - 1], mark[i - 1], a, b))
        if i + 1 < len(odd):
            keys.append((a, b, mark[i + 1], seq[i + 2]))
        if i > 0 and i + 1 < len(odd):
            keys.append((seq[i - 1], mark[i - 1], a, b, mark[i + 1], seq[i + 2]))
        (neg if flag else pos).update(keys)


@functools.lru_cache(maxsize=16384)
def facts(text: str) -> Facts:
    """The checkable content of ``text`` (cached)."""
    clauses = [_clause_items(c) for c in _CLAUSE.split(text)]
    words = sorted({w for items in clauses for w in items if w != NEG})
    stems = dict(zip(words, stem(words), strict=True))
    surface: dict[str, str] = {}
    pos: set[tuple[str, ...]] = set()
    neg: set[tuple[str, ...]] = set()
    negated = False
    for items in clauses:
        if not items:
            continue
        seq, odd = [BOS], []
        negations = 0
        for item in [*items, EOS]:
            if item == NEG:
                negations += 1
                continue
            cur = stems.get(item, item)
            if item != EOS:
                surface.setdefault(cur, item)
            # Parity, not presence: "not without concerns" asserts concerns.
            seq.append(cur)
            odd.append(negations % 2 == 1)
            negated = negated or negations > 0
            negations = 0
        _contexts(seq, odd, pos, neg)
    numbers = {_number(m[1], m[2]) for m in NUMBER.finditer(text)}
    has_one = False
    for m in _NUMBER_WORD.finditer(text):
        word = m[1].lower()
        if word == "one":
            has_one = True
        else:
            numbers.add(_NUMBER_WORDS[word])
    return Facts(
        stems=frozenset(surface),
        surface=surface,
        numbers=frozenset(numbers),
        has_one=has_one,
        units=frozenset(_norm_unit(m[1]) for m in _UNIT.finditer(text)),
        drugs=drugs_in(text),
        negated=negated,
        pos_ctx=frozenset(pos),
        neg_ctx=frozenset(neg),
        doses=frozenset(dose_signature(text)),
    )
