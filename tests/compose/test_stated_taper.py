"""A sentence that plainly states the asked taper answers "how do I wean it down?" though it
does not use the clinician's word. Real summary from ../shared/data: the BASHH guideline on
vulval conditions (ngc:10238), whose clobetasol regimen steps down month by month."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import ngc_store
from medcite.answering import ask
from medcite.store import SQLiteStore


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[SQLiteStore]:
    with ngc_store(("10238",), tmp_path_factory.mktemp("vulval"), data_dir) as s:
        yield s


def test_a_stated_taper_answers_how_to_wean(store: SQLiteStore) -> None:
    answer = ask("pt in her late 50s, biopsy-confirmed vulval LS, itch waking her at night. starting Dermovate oint - "
                 "how do I wean it down over the first few months and when do I see her back?", store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    assert "alternate days for one month" in answer.bottom_line[0].text
