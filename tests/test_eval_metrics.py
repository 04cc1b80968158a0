"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from medcite.eval.metrics import (
    mrr_at_k,
    ndcg_at_k,
    percentile,
    precision_at_k,
    recall_at_k,
    summarize,
)

L2_3 = 1 / math.log2(3)  # discount at rank 2
L2_4 = 1 / math.log2(4)  # discount at rank 3 (= 0.5)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b", "c"], {"a", "b", "c"}, 10, 1.0),  # perfect ranking
        (["a"], {"a"}, 1, 1.0),
        (["x", "a"], {"a"}, 10, L2_3),  # one relevant, found at rank 2
        (["x", "y", "a"], {"a"}, 10, L2_4),
        (["x", "y", "a"], {"a"}, 2, 0.0),  # beyond the cutoff
        (["a", "x", "b"], {"a", "b"}, 10, (1 + L2_4) / (1 + L2_3)),
        # Two relevant but k=1: the ideal DCG counts only min(|rel|, k) = 1 document.
        (["a", "b"], {"a", "b"}, 1, 1.0),
        (["x", "a"], {"a", "b", "c"}, 10, L2_3 / (1 + L2_3 + L2_4)),
        ([], {"a"}, 10, 0.0),
        (["a"], set(), 10, 0.0),  # no relevant documents: defined as 0
    ],
)
def test_ndcg(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "x", "b"], {"a", "b", "c"}, 10, 2 / 3),  # 3 relevant, 2 in the top 10
        (["a", "x", "b"], {"a", "b", "c"}, 2, 1 / 3),
        (["a", "b", "c"], {"a", "b", "c"}, 10, 1.0),
        (["x", "y"], {"a"}, 10, 0.0),
        (["a"], set(), 10, 0.0),
    ],
)
def test_recall(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert recall_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "x"], {"a"}, 10, 1.0),
        (["x", "a"], {"a"}, 10, 0.5),
        (["x", "y", "a", "b"], {"a", "b"}, 10, 1 / 3),  # first relevant counts
        (["x", "y", "a"], {"a"}, 2, 0.0),
        ([], {"a"}, 10, 0.0),
    ],
)
def test_mrr(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert mrr_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "x", "b", "y"], {"a", "b"}, 4, 0.5),
        (["a", "x", "b", "y"], {"a", "b"}, 2, 0.5),
        (["a"], {"a"}, 10, 0.1),  # divides by k, not by the number returned
        (["a"], {"a"}, 0, 0.0),
    ],
)
def test_precision(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert precision_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4, 5], 50, 3.0),
        ([1, 2, 3, 4], 50, 2.5),
        ([10, 20], 95, 19.5),
        ([1, 2, 3, 4, 5], 0, 1.0),
        ([1, 2, 3, 4, 5], 100, 5.0),
        ([5, 1, 3], 50, 3.0),  # unsorted input
        ([7], 95, 7.0),
        ([], 50, 0.0),
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_summarize_means_each_metric() -> None:
    rows = [{"ndcg@10": 1.0, "mrr@10": 0.5}, {"ndcg@10": 0.0, "mrr@10": 1.0}]
    assert summarize(rows) == pytest.approx({"ndcg@10": 0.5, "mrr@10": 0.75})
    assert summarize([]) == {}
