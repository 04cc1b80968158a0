"""A bold bottom line of two sentences takes both from one document: a second guideline's "Any
imaging decisions should be guided on those examination findings" speaks of findings the first
never named. Real summaries from ../shared/data: the AAO-HNSF tinnitus guideline (ngc:10567) and
ngc:11323."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10567", "11323"), "tinnitus")


def test_the_bottom_line_cites_one_document(store: SQLiteStore) -> None:
    answer = ask("47F, 9 mo of constant high-pitched ringing in both ears, not pulsatile, no vertigo, neuro exam nl, "
                 "audiogram shows symmetrical mild high-freq SNHL. the tinnitus is really bothering her and she's asking "
                 "for an MRI head. when do I actually need to image someone with tinnitus?", store, save=False)
    assert answer.bottom_line
    refs = {r.number: r.doc_id for r in answer.references}
    assert len({refs[n] for s in answer.bottom_line for n in s.citations}) == 1
    assert not any("those examination findings" in s.text for s in answer.bottom_line)
