"""Plain text: markers per level, hanging indents, aligned dose columns."""

from __future__ import annotations

import pytest
from render_helpers import text_items

from medcite.render import to_text
from medcite.types import Answer


@pytest.mark.parametrize("width", [40, 60, 88])
def test_wrapped_bullets_keep_their_indentation(answer: Answer, width: int) -> None:
    out = to_text(answer, width=width)
    lines = out.splitlines()
    items = text_items(out)
    # text_items only joins continuation lines indented exactly under the text; the joined items
    # must therefore equal the unwrapped ones.
    assert [i.text for i in items] == [i.text for i in text_items(to_text(answer, width=400))]
    if width < 88:  # the check above is only meaningful if something did wrap
        assert len(lines) > len(to_text(answer, width=400).splitlines())
    for line in lines:
        if " " in line.strip() and not line.strip().startswith("http"):
            assert len(line) <= width, line


def test_markers_differ_per_level(answer: Answer) -> None:
    lines = to_text(answer, width=200).splitlines()
    assert "• Options include:" in lines
    assert "  ◦ IVIg 0.4 g/kg daily for 5 days is as effective as plasma exchange. [1, 2]" in lines
    assert "    ▪ Treatment should start within 2 weeks of symptom onset. [2]" in lines


def test_dose_table_columns_align(answer: Answer) -> None:
    lines = to_text(answer, width=200).splitlines()
    header = next(line for line in lines if line.startswith("Drug "))
    rows = [line for line in lines if line.startswith("IVIg  ")]
    assert len(rows) == 2
    for column in ("Dose", "Frequency", "Route", "Population", "Source"):
        col = header.index(column)
        for row in rows:
            assert row[col - 1] == " " and row[col] != " ", (column, row)
    assert rows[0].split()[-1] == "[3]" and rows[1].split()[-1] == "[1]"


def test_narrow_table_wraps_cells_in_their_column(answer: Answer) -> None:
    lines = to_text(answer, width=88).splitlines()
    header = next(line for line in lines if line.startswith("Drug "))
    col = header.index("For this patient")
    start = next(i for i, line in enumerate(lines) if line.startswith("IVIg  "))
    assert lines[start][col:].startswith("28 g")
    assert lines[start + 1].strip() and lines[start + 1][:col].strip() == ""
    assert all(len(line) <= 88 for line in lines[start - 2:start + 3])


def test_too_narrow_table_becomes_records(answer: Answer) -> None:
    out = to_text(answer, width=30)
    assert "Drug: IVIg" in out and "Source: [3]" in out
