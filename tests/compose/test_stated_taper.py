"""A sentence that plainly states the asked taper answers "how do I wean it down?" though it
does not use the clinician's word. Real summary from ../shared/data: the BASHH guideline on
vulval conditions (ngc:10238), whose clobetasol regimen steps down month by month."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10238",), "vulval")


def test_a_stated_taper_answers_how_to_wean(store: SQLiteStore) -> None:
    answer = ask("pt in her late 50s, biopsy-confirmed vulval LS, itch waking her at night. starting Dermovate oint - "
                 "how do I wean it down over the first few months and when do I see her back?", store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    assert "alternate days for one month" in answer.bottom_line[0].text
