"""A pregnant woman's iron dose comes from the maternity guideline, not from a guideline on infants
and children, and not from its sentence for women without anaemia. Real summaries from
../shared/data: the Australian patient blood management module on obstetrics and maternity
(ngc:10813) and the WHO guideline on daily iron supplementation in infants and children
(ngc:10942)."""

from __future__ import annotations

import pytest

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore
from medcite.understand.populations import title_mismatch

store = ngc_fixture(("10813", "10942"), "maternity")


def test_the_maternity_guidelines_dose_for_anaemia(store: SQLiteStore) -> None:
    answer = ask("G2P1 at 24+3, tired, Hb 93, MCV 74, ferritin 7, no bleeding, no GI sx, fine swallowing tablets. iron "
                 "deficiency anaemia - what daily dose of elemental iron should I put her on?", store, save=False)
    assert answer.references and answer.references[0].doc_id == "ngc:10813"
    assert answer.bottom_line
    assert "iron deficiency anaemia, a therapeutic dose of elemental iron (100–200 mg daily)" in \
        answer.bottom_line[0].text


@pytest.mark.parametrize(("title", "other"), [
    ("WHO guideline: daily iron supplementation in infants and children.", True),
    ("Patient blood management guidelines: module 5 - obstetrics and maternity.", False),
    ("Prevention of perinatal group B streptococcal disease in neonates", False),
    ("Iron deficiency anaemia in adults", False),
])
def test_a_title_for_children_is_for_another_population_than_a_pregnancy(title: str, other: bool) -> None:
    assert title_mismatch(title, "pregnancy") is other
