"""A guideline about a condition the question rules out is not the one that answers it: "permanent
AF, resting HR 118, no heart failure. what rate control drug do I start" is answered by the atrial
fibrillation guideline, though the heart failure guideline also speaks of rate control. Real
summaries from ../shared/data: NICE atrial fibrillation (ngc:10473), NICE heart failure (ngc:9982)."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("10473", "9982"), "af")


def test_the_guideline_on_a_ruled_out_condition_does_not_answer(store: SQLiteStore) -> None:
    answer = ask("pt in her 70s w/ permanent AF, resting HR 118, no heart failure. what rate control drug do I start",
                 store, save=False)
    assert answer.bottom_line, [g.text for g in answer.gaps]
    cited = {r.number: r.doc_id for r in answer.references}
    assert cited[answer.bottom_line[0].citations[0]] == "ngc:10473", answer.bottom_line[0].text
