"""A stroke of the whole middle cerebral artery territory after a hemicraniectomy is a large
hemispheric infarction, and "what Hb do we keep him above before we transfuse?" asks for that
guideline's haemoglobin floor alone, not the blood pressure target beside it. Real summary from
../shared/data: the Neurocritical Care Society guideline on large hemispheric infarction
(ngc:11092), whose scope names the condition "also known as malignant middle cerebral infarction"."""

from __future__ import annotations

from datapath import ngc_fixture
from medcite.answering import ask
from medcite.store import SQLiteStore

store = ngc_fixture(("11092",), "lhi")

QUESTION = ("ICU: 61M R MCA stroke, whole territory on CT, NIHSS 19, decompressive hemicraniectomy day 1, now day 4, "
            "still intubated. Hb drifting 9.8 -> 7.6 with daily bloods, no bleeding, no cardiac hx. what Hb do we "
            "keep him above before we transfuse?")


def test_the_haemoglobin_floor_alone_is_the_bottom_line(store: SQLiteStore) -> None:
    answer = ask(QUESTION, store, save=False)
    assert len(answer.bottom_line) == 1
    assert answer.bottom_line[0].text.startswith("The authors recommend maintaining a hemoglobin of 7 g/dL or higher")


def test_a_condition_also_known_by_another_name_is_named_by_both() -> None:
    from medcite.retrieve.analyze import analyze
    from medcite.retrieve.scope import Scope, ScopeIndex

    lhi = Scope("ngc:11092", "guideline", "Large hemispheric infarction",
                ("Large hemispheric infarction (LHI), also known as malignant middle cerebral infarction",), "", ())
    index = ScopeIndex([lhi])
    for name in ("large hemispheric infarction", "malignant middle cerebral infarction", "LHI"):
        assert index.lists("ngc:11092", tuple(analyze(name))), name
    assert index.also_named[tuple(analyze("malignant middle cerebral infarction"))] == {"Large hemispheric infarction"}


def test_a_shared_common_prefix_is_no_shared_word() -> None:
    from medcite.compose.build import _shares
    from medcite.understand.concepts import concepts

    transfuse = concepts(["transfus"], None, lambda t: 1.0)
    assert not _shares(transfuse, frozenset({"hemorrhag", "transform", "ischem"}))
    assert _shares(transfuse, frozenset({"transfus", "platelet"}))
    allergy = concepts(["allergi"], None, lambda t: 1.0)
    assert _shares(allergy, frozenset({"allerg", "penicillin"}))
