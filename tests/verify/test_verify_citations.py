"""Citation bookkeeping: pure checks on markers, references, evidence and numbering."""

from __future__ import annotations

import pytest

from medcite.types import Answer, DoseRow, Evidence, Reference, Section, Statement
from medcite.verify import check_citations, marker_numbers, segments


@pytest.mark.parametrize(("text", "numbers"), [
    ("IVIg should be offered [1].", [1]),
    ("A [1, 2] and B [3–5] and C [2-3; 7]", [1, 2, 3, 4, 5, 2, 3, 7]),
    ("[see Warnings and Precautions (5.1)] and (12)", []),
    ("typo [1-400]", [1, 400]),  # a range past _MAX_RANGE gives its ends
    # a guideline's date tag, and a four-digit number, are not reference numbers
    ("Do not routinely offer hCG for luteal phase support after IVF. [2013]", []),
    ("typo [1-4000]", []),
])
def test_marker_numbers(text: str, numbers: list[int]) -> None:
    assert marker_numbers(text) == numbers


def test_segments_split_at_markers() -> None:
    s = Statement(text="Sources differ: 1-2 mg/kg/day [3] vs 2-3 mg/kg/day [4].", citations=(3, 4),
                  passage_ids=(30, 40))
    assert segments(s) == [("1-2 mg/kg/day", (3,)), ("2-3 mg/kg/day", (4,))]
    plain = Statement(text="IVIg should be offered.", citations=(1, 1, 2), passage_ids=(1, 2, 3))
    assert segments(plain) == [("IVIg should be offered.", (1, 2))]
    # A citation no marker places is checked against the whole statement.
    partial = Statement(text="X is effective [1].", citations=(1, 2), passage_ids=(1, 2))
    assert segments(partial) == [("X is effective", (1,)), ("X is effective.", (2,))]


def _ref(n: int, doc: str) -> Reference:
    return Reference(number=n, doc_id=doc, source_type="research", label="Research", title=doc)


def _answer(statements: list[Statement], refs: list[Reference], evidence: list[Evidence],
            rows: tuple[DoseRow, ...] = ()) -> Answer:
    return Answer(id="a", question="q", title="t",
                  sections=(Section(key="k", title="K", statements=tuple(statements)),),
                  references=tuple(refs), evidence=tuple(evidence), dosing=rows)


def _ev(n: int, pid: int, doc: str) -> Evidence:
    return Evidence(reference=n, passage_id=pid, doc_id=doc, section="", text="")


def test_consistent_answer_has_no_issues() -> None:
    a = _answer([Statement(text="A.", citations=(1,), passage_ids=(10,)),
                 Statement(text="B.", citations=(2, 1), passage_ids=(20, 11))],
                [_ref(1, "d1"), _ref(2, "d2")], [_ev(1, 10, "d1"), _ev(1, 11, "d1"), _ev(2, 20, "d2")])
    check = check_citations(a)
    assert (check.dangling, check.uncited, check.issues) == ((), (), ())


def test_dose_rows_cite_too() -> None:
    row = DoseRow(drug="x", dose="1", unit="mg", citation=2, passage_id=20, source_text="1 mg")
    a = _answer([Statement(text="A.", citations=(1,), passage_ids=(10,))], [_ref(1, "d1"), _ref(2, "d2")],
                [_ev(1, 10, "d1"), _ev(2, 20, "d2")], rows=(row,))
    assert check_citations(a).uncited == ()
    a = a.model_copy(update={"dosing": (row.model_copy(update={"citation": 3}),)})
    check = check_citations(a)
    assert (check.dangling, check.uncited) == ((3,), (2,))


@pytest.mark.parametrize(("statements", "evidence", "check"), [
    ([Statement(text="A.", citations=(1,), passage_ids=())], [_ev(1, 10, "d1")], "citation_mismatch"),
    ([Statement(text="A [2].", citations=(1,), passage_ids=(10,))], [_ev(1, 10, "d1")], "citation_mismatch"),
    ([Statement(text="A.", citations=(1,), passage_ids=(99,))], [_ev(1, 10, "d1")], "evidence_mismatch"),
    ([Statement(text="A.", citations=(1,), passage_ids=(10,))], [_ev(1, 10, "d9")], "evidence_mismatch"),
])
def test_structural_issues(statements: list[Statement], evidence: list[Evidence], check: str) -> None:
    issues = check_citations(_answer(statements, [_ref(1, "d1")], evidence)).issues
    assert [i.check for i in issues] == [check]


def test_numbering() -> None:
    ev = [_ev(1, 10, "d1"), _ev(2, 20, "d2")]
    out_of_order = _answer([Statement(text="B.", citations=(2,), passage_ids=(20,)),
                            Statement(text="A.", citations=(1,), passage_ids=(10,))],
                           [_ref(1, "d1"), _ref(2, "d2")], ev)
    assert [i.check for i in check_citations(out_of_order).issues] == ["reference_order"]
    gap = _answer([Statement(text="A.", citations=(1,), passage_ids=(10,)),
                   Statement(text="B.", citations=(3,), passage_ids=(20,))],
                  [_ref(1, "d1"), _ref(3, "d2")], [_ev(1, 10, "d1"), _ev(3, 20, "d2")])
    assert [i.check for i in check_citations(gap).issues] == ["reference_numbering"]
