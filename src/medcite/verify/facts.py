"""What a support check compares: the content words, numbers, units, drugs, negations
and doses of a text. Pure functions; ``facts`` is cached because every passage is read
by several statements and re-verification reads the same texts again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..clinical.doses import dose_signature
from ..clinical.drugs import drug_lexicon
from ..clinical.stopwords import STOPWORDS
from ..retrieve.analyze import keep, split, stem

NEG = "\x00neg"  # a negation in a token sequence; no stem can look like it
BOS, EOS = "\x00bos", "\x00eos"
NEGATIONS = frozenset("not no never without neither nor cannot none nobody nothing nowhere".split())
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
_ANY_NUMBER = re.compile(rf"{NUMBER.pattern}|\b({'|'.join(_NUMBER_WORDS)})\b", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[^\W_]+|%")
_RANGE_WORDS = frozenset(("to", "and", "or"))
_JOINER = re.compile(r"[\s\-–/±×]*")  # what may stand between a number and the word it counts
_IDENTIFIER = re.compile(r"[A-Za-z]-$")
# Patient groups a claim may not move between: "offered in adults" is not "in children".
POPULATIONS = {
    "older adults": "elderly geriatric",
    "infants": "infant infants neonate neonates neonatal newborn newborns",
    "children": "child children childhood pediatric paediatric kids",
    "adolescents": "adolescent adolescents adolescence teenager teenagers",
    "adults": "adult adults",
    "pregnancy": "pregnant pregnancy pregnancies",
    "lactation": "lactating lactation breastfeeding",
}
_POPULATION_WORDS = {w: group for group, words in POPULATIONS.items() for w in words.split()}
# Two-word names: "older adults" is one group, not also "adults".
_POPULATION_PAIRS = {
    **{("older", w): "older adults" for w in "adult adults patients people persons".split()},
    ("breast", "feeding"): "lactation", ("nursing", "mothers"): "lactation",
}
_PAIR_FIRST = frozenset(a for a, _ in _POPULATION_PAIRS)
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
_UNIT_WORD = re.compile(_UNIT_WORDS, re.IGNORECASE)
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


@dataclass(frozen=True, eq=False)
class Facts:
    """The checkable content of one text (a statement or a passage)."""

    stems: frozenset[str]  # content-word stems, negations excluded
    surface: dict[str, str]  # stem -> first word it came from, for messages
    numbers: frozenset[float]  # digits and "two".."twelve"
    number_ctx: frozenset[tuple[float, str]]  # (number, stem of the next content word)
    # The same with "one", a number in a passage but too ambiguous to check in a statement.
    passage_numbers: frozenset[float]
    passage_number_ctx: frozenset[tuple[float, str]]
    populations: frozenset[str]  # "children", "pregnancy", ...: see POPULATIONS
    units: frozenset[str]  # normalised units written after a number
    drugs: frozenset[tuple[str, str]]  # (name as written, lower-cased; generic name)
    doses: frozenset[tuple[float, float, str]]
    negated: bool
    # Per clause: content stems between BOS and EOS, and whether each gap between two
    # of them holds an odd number of negations (parity: "not without" affirms).
    clauses: tuple[tuple[tuple[str, ...], tuple[bool, ...]], ...]

    @property
    def drug_keys(self) -> frozenset[str]:
        """Every name and generic name of the drugs mentioned."""
        return frozenset(k for pair in self.drugs for k in pair)

    # Built on first use: most passages are only ever asked for their negated contexts.
    @functools.cached_property
    def neg_ctx(self) -> frozenset[tuple[str, ...]]:
        return _contexts(self.clauses, negated=True)

    @functools.cached_property
    def pos_ctx(self) -> frozenset[tuple[str, ...]]:
        return _contexts(self.clauses, negated=False)


def _norm_unit(unit: str) -> str:
    """"mg per kg" -> "mg/kg", "Hours" -> "h", "µg" -> "mcg"."""
    out = []
    for part in re.split(r"\s*(?:/|per\s+)\s*", unit.strip().lower()):
        if part.endswith("s") and part[:-1] in _SINGULAR:
            part = part[:-1]
        out.append(_UNIT_ALIAS.get(part, part))
    return "/".join(out)


def _numbers(text: str, words: set[str]) -> tuple[set[tuple[float, bool]], set[tuple[tuple[float, str], bool]]]:
    """(value, is "one") of each number, and ((value, next content word's stem), is "one").

    The word right after a number pins it to what it counts: "under 3 years" and "5 to 7
    day intervals" share no (number, word) pair even though "5" is in both texts. Only
    other numbers and "to"/"and"/"or" may come between; otherwise there is no context.
    """
    numbers: set[tuple[float, bool]] = set()
    pending: list[tuple[float, bool, str]] = []
    pattern = _ANY_NUMBER if words & _NUMBER_WORDS.keys() else NUMBER  # the word search is slow
    for m in pattern.finditer(text):
        word = (m[3] or "").lower() if pattern is _ANY_NUMBER else ""
        value = _NUMBER_WORDS[word] if word else float(m[1].replace(",", "") + (m[2] or ""))
        one = word == "one"
        numbers.add((value, one))
        if _IDENTIFIER.search(text, max(0, m.start() - 2), m.start()):
            continue  # "IL-6", "BNN-20": part of a name, whatever follows
        after, end = "", m.end()
        for w in _NEXT_WORD.finditer(text, m.end(), m.end() + 40):
            if not _JOINER.fullmatch(text, end, w.start()):
                break  # punctuation: what follows is not what the number counts
            tok = w.group().lower()
            if not (tok[0].isdigit() or tok in _NUMBER_WORDS or tok in _RANGE_WORDS):
                after = "" if tok in STOPWORDS else "%" if tok == "percent" else tok
                break
            end = w.end()
        if after:
            pending.append((value, one, after))
    after_words = sorted({w for _, _, w in pending})
    stems = dict(zip(after_words, stem(after_words), strict=True))
    return numbers, {((v, stems[w]), one) for v, one, w in pending}


def is_unit(word: str) -> bool:
    return _UNIT_WORD.fullmatch(word) is not None


def populations_in(words: list[str]) -> set[str]:
    """The patient groups named in ``words`` (folded tokens, as ``analyze.split`` gives)."""
    out: set[str] = set()
    skip = False
    for i, w in enumerate(words):
        if skip:
            skip = False
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if w in _PAIR_FIRST and (group := _POPULATION_PAIRS.get((w, following))):
            out.add(group)
            skip = True
        elif group := _POPULATION_WORDS.get(w):
            out.add(group)
    return out


@functools.cache
def _drug_names() -> tuple[dict[str, str], dict[str, int]]:
    """Lower-cased drug name (brand, synonym or generic) -> generic name, and the most
    words a name starting with a given word has; empty without the drug lexicon."""
    lex = drug_lexicon()
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
    tokens = _DRUG_TOKEN.findall(text.lower()) if names else []
    if not longest.keys() & set(tokens) and not any("-" in t for t in tokens):
        return frozenset()
    out: set[tuple[str, str]] = set()
    covered = 0  # tokens before this are part of a name already found
    for i, tok in enumerate(tokens):
        if i < covered:
            continue
        for n in range(min(longest.get(tok, 0), len(tokens) - i), 0, -1):
            name = tok if n == 1 else " ".join(tokens[i : i + n])
            if generic := names.get(name):
                out.add((name, generic))
                covered = i + n
                break
        else:
            # "ALK-crizotinib", "L-fucose": a drug inside a hyphenated word is still named.
            if "-" in tok:
                out.update((part, names[part]) for part in tok.split("-") if part in names)
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


def _contexts(clauses: tuple[tuple[tuple[str, ...], tuple[bool, ...]], ...], negated: bool,
              ) -> frozenset[tuple[str, ...]]:
    """The gaps between adjacent content words whose negation parity is ``negated``, each
    keyed by its neighbours: two words, and three or four with the gaps beside marked.

    The longer keys tell "remission rates were not significantly different" from
    "response rates were significantly greater" (both hold "rates … significantly").
    """
    out: set[tuple[str, ...]] = set()
    for seq, odd in clauses:
        last = len(odd) - 1
        for i, flag in enumerate(odd):
            if flag != negated:
                continue
            a, b = seq[i], seq[i + 1]
            out.add((a, b))
            if i > 0:
                left = (seq[i - 1], NEG if odd[i - 1] else "")
                out.add((*left, a, b))
            if i < last:
                right = (NEG if odd[i + 1] else "", seq[i + 2])
                out.add((a, b, *right))
                if i > 0:
                    out.add((*left, a, b, *right))
    return frozenset(out)


# ~30 KB a passage once its negation contexts are built: a few answers' worth.
@functools.lru_cache(maxsize=2048)
def facts(text: str) -> Facts:
    """The checkable content of ``text`` (cached)."""
    tokens = split(text)
    items = [_clause_items(c) for c in _CLAUSE.split(text)]
    words = sorted({w for clause in items for w in clause if w != NEG})
    stems = dict(zip(words, stem(words), strict=True))
    surface: dict[str, str] = {}
    clauses = []
    negated = False
    for clause in items:
        if not clause:
            continue
        seq, odd, negations = [BOS], [], 0
        for item in [*clause, EOS]:
            if item == NEG:
                negations += 1
                continue
            if item != EOS:
                surface.setdefault(stems[item], item)
            seq.append(stems.get(item, item))
            odd.append(negations % 2 == 1)
            negated = negated or negations > 0
            negations = 0
        clauses.append((tuple(seq), tuple(odd)))
    numbers, contexts = _numbers(text, set(tokens))
    return Facts(
        stems=frozenset(surface),
        surface=surface,
        numbers=frozenset(n for n, one in numbers if not one),
        number_ctx=frozenset(c for c, one in contexts if not one),
        passage_numbers=frozenset(n for n, _ in numbers),
        passage_number_ctx=frozenset(c for c, _ in contexts),
        populations=frozenset(populations_in(tokens)),
        units=frozenset(_norm_unit(m[1]) for m in _UNIT.finditer(text)),
        drugs=drugs_in(text),
        doses=frozenset(dose_signature(text)),
        negated=negated,
        clauses=tuple(clauses),
    )
