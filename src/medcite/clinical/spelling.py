"""British spellings written the American way, so "anaemia" and "anemia" index as one term.

Half the guidelines in the archive are British (NICE, SIGN, BCSH) and clinicians type
either spelling: "anaemia in CKD", "paediatric sepsis", "oesophageal varices",
"randomised". The rules act on one folded word before stemming, and the same rules run
on passages and questions, so a rule only has to be consistent, not perfect: an American
word it rewrites ("anaerobic" -> "anerobic") is rewritten the same way everywhere.
Pure and linear in the word's length.
"""

from __future__ import annotations

import re

_RULES = (
    # ae inside a word: anaemia, haemorrhage, paediatric, leukaemia, ischaemia, caesarean,
    # gynaecology, anaesthesia, aetiology (not at the start: "aerobic"; not at the end: "influenzae")
    (re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"),
    (re.compile(r"^ae(?=tiol)"), "e"),
    # oe: oesophagus, oedema, oestrogen, diarrhoea, dyspnoea, coeliac, foetus, amoeba, manoeuvre
    (re.compile(r"^oe(?=soph|dem|str)"), "e"),
    (re.compile(r"(rrh|pn)oe"), r"\1e"),
    (re.compile(r"^(c|f)oe(?=li|t)"), r"\1e"),
    (re.compile(r"(am|hom)oe(?=b|o)"), r"\1e"),
    (re.compile(r"^manoeuvre?"), "maneuver"),
    # our: tumour, behaviour, labour, colour, odour, favour, honour, vapour, humour, rumour
    (re.compile(r"^(tum|behavi|lab|col|od|fav|hon|vap|hum|rum|flav|harb|neighb)our"), r"\1or"),
    # -ise, -isation: randomised, hospitalisation, recognise (not "exercise"-like short stems)
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z])ys(e|es|ed|ing)$"), r"yz\1"),
    # -tre, -bre: centre, litre, millilitre, metre, fibre, calibre
    (re.compile(r"(?<=[a-z]{2})(t|b)re(s?)$"), r"\1er\2"),
    (re.compile(r"^sulph"), "sulf"),
    (re.compile(r"(?<=[a-z])ogue(s?)$"), r"og\1"),  # analogue, catalogue
    (re.compile(r"(?<=[a-z]{3})amme(s?)$"), r"am\1"),  # programme
)


def american(word: str) -> str:
    """``word`` (folded, lower-case) with British spelling rewritten the American way."""
    if len(word) < 4 or not word.isascii():
        return word
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word
