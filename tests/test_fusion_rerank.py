"""Fusion and reranking: pure functions, table-tested."""

from __future__ import annotations

import math

import pytest

from medcite.retrieve.fusion import convex, normalise, ranked, rrf
from medcite.retrieve.rerank import Candidate, RerankWeights, boosted, rerank


def test_rrf_matches_the_formula() -> None:
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert [i for i, _ in ranked(fused)] == [1, 3, 2]


@pytest.mark.parametrize(
    ("scores", "floor", "expected"),
    [
        ({1: 10.0, 2: 5.0, 3: 0.0}, 0.0, {1: 1.0, 2: 0.5, 3: 0.0}),
        ({1: 0.8, 2: 0.6}, 0.4, {1: 1.0, 2: 0.5}),
        ({1: 0.3, 2: 0.2}, 0.4, {1: 0.0, 2: 0.0}),  # all below the floor
        ({1: 2.0, 2: 2.0}, None, {1: 1.0, 2: 1.0}),
        ({}, None, {}),
    ],
)
def test_normalise(scores: dict[int, float], floor: float | None, expected: dict[int, float]) -> None:
    assert normalise(scores, floor) == pytest.approx(expected)


def test_convex_combines_the_union() -> None:
    fused = convex({1: 10.0, 2: 5.0}, {2: 0.9, 3: 0.5}, alpha=0.6, dense_floor=0.1)
    assert fused[1] == pytest.approx(0.6)
    assert fused[2] == pytest.approx(0.6 * 0.5 + 0.4 * 1.0)
    assert fused[3] == pytest.approx(0.4 * 0.5)
    assert [i for i, _ in ranked(fused)] == [2, 1, 3]


def test_ties_break_by_id_for_determinism() -> None:
    assert ranked({5: 1.0, 2: 1.0, 9: 0.5}) == [(2, 1.0), (5, 1.0), (9, 0.5)]


def test_guideline_outranks_case_report_saying_the_same() -> None:
    same = 1.0
    guide = Candidate(1, "ngc:9085", same, "guideline", 2012)
    case = Candidate(2, "pmid:1", same, "case_report", 2012)
    order = rerank([case, guide], now_year=2026)
    assert [c.doc_id for c, _ in order] == ["ngc:9085", "pmid:1"]


def test_evidence_does_not_beat_clearly_better_relevance() -> None:
    guide = Candidate(1, "ngc:1", 1.0, "guideline", 2005)
    rct = Candidate(2, "pmid:2", 1.3, "rct", 2020)
    assert [c.doc_id for c, _ in rerank([guide, rct], now_year=2026)] == ["pmid:2", "ngc:1"]


def test_recency_boost_fades() -> None:
    w = RerankWeights()
    new = boosted(Candidate(1, "a", 1.0, "other", 2026), 2026, w)
    old = boosted(Candidate(2, "b", 1.0, "other", 1990), 2026, w)
    unknown = boosted(Candidate(3, "c", 1.0, "other", None), 2026, w)
    assert new > old and math.isclose(old, unknown)


def test_diversity_caps_passages_per_document() -> None:
    cands = [Candidate(i, "ngc:9085", 1.0 - i * 0.01, "guideline", 2012) for i in range(4)]
    cands.append(Candidate(10, "pmid:7", 0.5, "rct", 2012))
    order = [c.passage_id for c, _ in rerank(cands, now_year=2026)]
    assert order == [0, 1, 10, 2, 3]


@pytest.mark.parametrize(
    ("query", "top", "beta", "expected"),
    [
        ([1.0, 0.0], [[0.0, 1.0]], 1.0, [math.sqrt(0.5), math.sqrt(0.5)]),
        ([1.0, 0.0], [[0.0, 1.0], [0.0, -1.0]], 1.0, [1.0, 0.0]),  # opposite feedback cancels
        ([2.0, 0.0], [[0.0, 1.0], [0.0, 1.0]], 0.5, [2 / math.sqrt(4.25), 0.5 / math.sqrt(4.25)]),
        ([0.6, 0.8], [[1.0, 0.0]], 0.0, [0.6, 0.8]),  # beta 0: the query alone
        ([3.0, 4.0], [], 0.5, [0.6, 0.8]),  # no feedback passages: normalised query
    ],
)
def test_feedback_query_is_rocchio_normalised(query, top, beta, expected) -> None:
    import numpy as np

    from medcite.retrieve.fusion import feedback_query

    out = feedback_query(np.array(query), np.array(top, dtype=np.float32), beta)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(out), 1.0, atol=1e-6)


def test_rescored_hit_changes_only_score_and_snippet() -> None:
    import dataclasses

    from medcite.types import Hit

    hit = Hit("ngc:9085", 7, "guideline", "IVIg in neuromuscular disorders", 2012, "Recommendations",
              "IVIg should be offered to treat GBS in adults (Level A).", 0.5, "", "guideline", 3, 10, 66,
              {"grade": "Level A"})
    assert hit.rescored(0.9, "…IVIg…") == dataclasses.replace(hit, score=0.9, snippet="…IVIg…")
    # Every field is carried over: a field added to Hit must be added to rescored() too.
    changed = {f.name for f in dataclasses.fields(Hit)
               if getattr(hit.rescored(0.9, "x"), f.name) != getattr(hit, f.name)}
    assert changed == {"score", "snippet"}


def test_snippet_markers_are_removed_or_replaced_in_one_place() -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.highlight import HIGHLIGHT, mark, snippet, unmark

    text = "IVIg should be offered to treat GBS in adults (Level A)."
    marked = snippet(text, set(analyze("IVIg adults")))
    assert marked.count(HIGHLIGHT[0]) == 2 and marked.count(HIGHLIGHT[1]) == 2
    assert unmark(marked) == text
    assert mark(marked, "<b>", "</b>") == "<b>IVIg</b> should be offered to treat GBS in <b>adults</b> (Level A)."
