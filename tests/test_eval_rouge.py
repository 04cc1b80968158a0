import pytest

from medcite.eval.rouge import rouge_n, tokens

CASES = [
    # candidate, reference, precision, recall  (hand-counted bigrams)
    ("the cat sat on the mat", "the cat sat on the mat", 1.0, 1.0),
    ("the cat sat", "the cat sat on the mat", 1.0, 2 / 5),
    ("IVIg is effective.", "ivig is EFFECTIVE", 1.0, 1.0),
    ("a b a b", "a b", 1 / 3, 1.0),  # candidate bigrams: ab, ba, ab; clipped overlap 1
    ("completely different words", "the cat sat", 0.0, 0.0),
    ("", "the cat sat", 0.0, 0.0),
]


@pytest.mark.parametrize(("cand", "ref", "p", "r"), CASES)
def test_rouge2_table(cand: str, ref: str, p: float, r: float) -> None:
    score = rouge_n(cand, ref, 2)
    assert score.precision == pytest.approx(p)
    assert score.recall == pytest.approx(r)
    expected_f1 = 0.0 if score.precision + score.recall == 0 else (
        2 * score.precision * score.recall / (score.precision + score.recall))
    assert score.f1 == pytest.approx(expected_f1)


def test_tokens_drop_punctuation_and_case() -> None:
    assert tokens("Guillain-Barré (GBS), 2 g/kg!") == ["guillain", "barr", "gbs", "2", "g", "kg"]
