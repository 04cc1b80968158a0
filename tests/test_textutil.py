"""Sentence splitting and chunking on real clinical prose."""

from __future__ import annotations

import pytest

from medcite.textutil import chunk_text, split_sentences

CASES = [
    (
        "Based on 2 Class I studies, IVIg is as efficacious as plasmapheresis for treating GBS in "
        "adults. Because plasmapheresis is established as effective GBS treatment, the guideline "
        "committee concluded that IVIg also has established effectiveness.",
        2,
    ),
    ("Doses of 0.4 g/kg/day for 5 days, i.e. 2 g/kg in total, are typical. Monitor renal function.", 2),
    ("Smith et al. reported a 2.5-fold increase (p < 0.05). See Fig. 2 for details.", 2),
    ("Take 1 tab. twice daily e.g. with meals.", 1),
    ("", 0),
]


@pytest.mark.parametrize(("text", "count"), CASES)
def test_split_sentences(text: str, count: int) -> None:
    sentences = split_sentences(text)
    assert len(sentences) == count
    # Words are never changed by splitting.
    assert " ".join(sentences).split() == text.split()


def test_chunks_respect_limit_and_keep_words() -> None:
    para = " ".join(f"Sentence number {i} describes a finding in detail." for i in range(120))
    chunks = chunk_text(para, target=400, limit=700)
    assert len(chunks) > 5
    assert all(len(c) <= 700 for c in chunks)
    assert " ".join(chunks).split() == para.split()


def test_overlong_sentence_is_cut_at_words() -> None:
    sentence = "word " * 1000
    chunks = chunk_text(sentence, limit=500)
    assert all(len(c) <= 500 for c in chunks)
    assert sum(len(c.split()) for c in chunks) == 1000
