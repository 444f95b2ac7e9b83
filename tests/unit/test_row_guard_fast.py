"""The quick pass of the row guard (RE2 over the streamed worksheet) never lets through what the
exact count refuses: every sheet it passes is within the limits, and a refusal reads exactly as
the exact count words it."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.ingest import guard

SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData>{rows}</sheetData></worksheet>'
)


def workbook(rows: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/worksheets/sheet1.xml", SHEET.format(rows=rows))
    return buffer.getvalue()


def exact(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as m:
        m.setattr(guard, "_surely_within", lambda *args: False)
        return guard.check_rows(data, "a.xlsx")


def quick_pass(data: bytes, max_rows: int, max_cols: int) -> bool:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return guard._surely_within(archive, "xl/worksheets/sheet1.xml", max_rows, max_cols)


def cell(ref: str) -> str:
    return f'<c r="{ref}"><v>1</v></c>'


CASES = {
    "plain rows under the limit": "".join(f'<row r="{r}">{cell(f"A{r}")}</row>' for r in range(1, 40)),
    "a row numbered past the limit": f'<row r="1">{cell("A1")}</row><row r="60">{cell("A60")}</row>',
    "rows without numbers, too many": "".join(f"<row>{cell('A1')}</row>" for _ in range(60)),
    "a namespaced row element": "".join(f"<x:row>{cell('A1')}</x:row>" for _ in range(60)),
    "a cell placed far below its row": f'<row r="1">{cell("B9999")}</row>',
    "a cell far to the right": f'<row r="1">{cell("ZZ1")}</row>',
    "a reference with odd spacing": '<row r="1"><c r\v=\v"A500"><v>1</v></c></row>',
    "single quotes": "<row r='1'><c r='A700'><v>1</v></c></row>",
    "the number after other attributes": f'<row spans="1:3" r="70">{cell("A70")}</row>',
    "a wide but allowed sheet": f'<row r="1">{cell("AZ1")}</row>',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_quick_pass_agrees_with_the_exact_count(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_MAX_ROWS", "50")
    monkeypatch.setenv("UNION_KPI_MAX_COLUMNS", "100")
    data = workbook(CASES[name])
    refused = exact(data, monkeypatch)
    if quick_pass(data, 50, 100):
        assert not refused, f"{name}: passed quickly, refused by the exact count"
    assert [p.message for p in guard.check_rows(data, "a.xlsx")] == [p.message for p in refused]


def test_a_plain_sheet_takes_the_quick_pass_and_a_long_one_does_not() -> None:
    assert quick_pass(workbook(CASES["plain rows under the limit"]), 50, 100)
    assert not quick_pass(workbook(CASES["a row numbered past the limit"]), 50, 100)
    assert not quick_pass(workbook(CASES["a cell far to the right"]), 50, 100)


_ROW = st.tuples(
    st.sampled_from(
        ['<row r="{n}">', "<row>", '<row spans="1:2" r="{n}">', '<x:row r="{n}">', "<row r='{n}'>"]
    ),
    st.integers(0, 120),
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "Z", "AA", "CV", "CW", "ZZ", "AAA"]), st.integers(0, 130)),
        max_size=3,
    ),
)


@settings(max_examples=150)
@given(st.lists(_ROW, max_size=12))
def test_any_sheet_the_quick_pass_lets_through_is_within_the_limits(rows: list) -> None:
    xml = []
    for opening, number, cells in rows:
        tag = "x:row" if opening.startswith("<x:") else "row"
        refs = "".join(cell(f"{letters}{n}") for letters, n in cells)
        xml.append(opening.format(n=number) + refs + f"</{tag}>")
    data = workbook("".join(xml))
    if quick_pass(data, 50, 100):
        archive = zipfile.ZipFile(io.BytesIO(data))
        rows_seen, cols_seen = guard._sheet_extent(archive, "xl/worksheets/sheet1.xml", 50, 100)
        assert rows_seen <= 50 and cols_seen <= 100
