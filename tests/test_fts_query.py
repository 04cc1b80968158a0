"""Any user text becomes a safe FTS5 expression (pure function tests)."""

from __future__ import annotations

import pytest

from medcite.store.fts_query import MAX_TERMS, match_expression, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IVIg Guillain-Barré adults", ['"ivig"', '"guillain"', '"barre"', '"adults"']),
        ('"unterminated quote', ['"unterminated"', '"quote"']),
        ("ivig AND plasmapheresis NOT children", ['"ivig"', '"plasmapheresis"', '"children"']),
        ("NEAR(ivig plasmapheresis, 5)", ['"ivig"', '"plasmapheresis"', '"5"']),
        ("immuno* -steroid title:myopathy", ['"immuno"', '"steroid"', '"title"', '"myopathy"']),
        ("((((", []),
        ("", []),
        ("   ", []),
        ("what is the", []),
    ],
)
def test_match_expression_quotes_every_token(text: str, expected: list[str]) -> None:
    expr = match_expression(text)
    assert expr.split(" OR ") == expected if expected else expr == ""


def test_fts_operators_never_reach_fts5_unquoted() -> None:
    for text in ("x AND y", "OR", "NOT NOT", "NEAR/3", "col:term", "^start", "a + b"):
        expr = match_expression(text)
        for part in filter(None, expr.split(" OR ")):
            assert part.startswith('"') and part.endswith('"')


def test_huge_input_is_bounded() -> None:
    text = " ".join(f"word{i}" for i in range(5000))
    assert len(tokens(text)) == MAX_TERMS


def test_non_ascii_is_folded() -> None:
    assert tokens("Sjögren síndrome Ménière") == ["sjogren", "sindrome", "meniere"]
    assert tokens("免疫球蛋白") == ["免疫球蛋白"]


def test_extra_terms_become_phrases() -> None:
    expr = match_expression("IVIG dermatomyositis", ["intravenous immunoglobulin"])
    assert '"intravenous immunoglobulin"' in expr
