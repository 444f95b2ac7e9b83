"""The two-part reading of long xlsx sheets (etl.ingest.xlsx_fast: calamine for the first rows, fastexcel's
Arrow columns for the rest) gives exactly what calamine alone gives: the same cells of the same
Python types, the same merged ranges, and after parsing the same rows, values, skipped rows and
every message. Sheets fastexcel cannot type exactly (mixed columns, dates, error cells) are read
by calamine whole."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from etl.demo import demo_files
from etl.ingest import fastrows, xlsx_fast
from etl.ingest.normalise import parse_sheet
from etl.ingest.read import read_bytes
from etl.ingest.validate import validate_sheet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def workbook(sheets: dict[str, list[list[object]]], merges=(), start=(0, 0)) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                at = (r + start[0], c + start[1])
                if isinstance(value, dt.date):
                    ws.write_datetime(*at, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, bool):
                    ws.write_boolean(*at, value)
                elif isinstance(value, str) and value.startswith("="):
                    ws.write_formula(*at, value, None, 7)
                elif value is not None:
                    ws.write(*at, value)
        for r0, c0, r1, c1, value in merges:
            ws.merge_range(r0, c0, r1, c1, value)
    book.close()
    return buffer.getvalue()


HEADER = ["序号", "单位名称", "上级工会", "职工人数", "会员人数", "新发展会员", "年度", "备注"]


def membership(count: int) -> list[list[object]]:
    rows: list[list[object]] = [["2025年第二季度会员发展情况统计表"], HEADER]
    for i in range(count):
        rows.append(
            [i + 1, f"滨江市第{i + 1}机械厂工会", "滨江市总工会", 100 + i, 80 + i % 15, i % 4, 2025, None]
        )
    return rows


def messy(count: int) -> list[list[object]]:
    rows = membership(count)
    rows[7] = [6, "滨江市測試廠工會（東院）", "滨江市总工会", "约120人", 90, 1, 2025, "数字是文字"]
    rows[11] = [10, "同上", "滨江市总工会", 100, 80, 0, 2025, ""]
    rows[13] = [12, "滨江市第十二厂工会", None, -5, 80.5, None, 2025, None]
    rows[22] = [None, "二、企业", None, None, None, None, None, None]
    rows[42] = [41, "滨江市第四十一厂工会", "滨江市总工会", 50, 60, 0, 2024, None]
    rows[52] = [51, "单位名称", "上级工会", "职工人数", "会员人数", "新发展会员", "年度", "备注"]
    rows[62] = [61, " 滨江市 第六十一厂 工会 ", "滨江市总工会", 10.0000001, 8, "-", 2025, None]
    rows[72] = [71, "ABC(中国)有限公司工会", "滨江市总工会", True, 8, 0, 2025, None]
    rows += [[None, "合计", None, 99999, 88888, 100, None, None], ["填表人：张三"], [], ["注：本表……"]]
    return rows


def cases() -> dict[str, bytes]:
    found = {
        "plain": workbook({"2025年Q2": membership(300)}),
        "messy": workbook({"会员": messy(260)}, merges=[(0, 0, 0, 7, "2025年第二季度会员发展情况统计表")]),
        "moved": workbook({"会员": membership(120)}, start=(3, 2)),
        "gaps": workbook({"会员": [*membership(60), [], [], [], *membership(50)[2:]]}),
        "merged units": workbook(
            {"会员": membership(90)},
            merges=[(30, 1, 33, 1, "滨江市合并单位工会"), (0, 0, 0, 7, "2025年第二季度")],
        ),
        "formulas": workbook(
            {"会员": [*membership(70), [None, "合计", None, "=SUM(D3:D72)", 1, 1, None, None]]}
        ),
        "dates": workbook(
            {
                "帮扶": [
                    ["2025年第二季度帮扶慰问明细"],
                    ["发放日期", "单位名称", "类别", "受益人次", "金额（万元）"],
                ]
                + [[dt.date(2025, 4, 1 + i % 28), f"第{i % 9}中学工会", "送温暖", 1, 0.25] for i in range(80)]
            }
        ),
        "two sheets": workbook({"一季度": membership(50), "二季度": membership(45)}),
    }
    for name, content in demo_files().items():
        if name.endswith(".xlsx"):
            found[f"demo {name}"] = content
    found["libreoffice"] = (FIXTURES / "libreoffice-2025年会费收缴.xlsx").read_bytes()
    return found


CASES = cases()


def typed_rows(rows) -> list[list[tuple[type, object]]]:
    return [[(type(v), v) for v in row] for row in rows]


def read_both(data: bytes, name: str, monkeypatch: pytest.MonkeyPatch, keep: int):
    with monkeypatch.context() as m:
        m.setattr(xlsx_fast, "prepare", lambda *a, **k: None)
        whole = read_bytes(data, name)
    with monkeypatch.context() as m:
        m.setattr(xlsx_fast, "HEAD_ROWS", keep)
        parts = read_bytes(data, name)
    return whole, parts


def parsed(raw, name: str):
    sheet = parse_sheet(raw, name)
    validate_sheet(sheet)
    return sheet


@pytest.mark.parametrize("keep", [2, 5, 40])
@pytest.mark.parametrize("case", sorted(CASES))
def test_two_part_reading_equals_calamine_alone(
    case: str, keep: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastrows, "MIN_ROWS", 5)  # the column checks run on these small sheets too
    name = f"{case}.xlsx"
    whole, parts = read_both(CASES[case], name, monkeypatch, keep)
    assert [s.name for s in parts] == [s.name for s in whole]
    for fast, slow in zip(parts, whole, strict=True):
        assert typed_rows(fast.rows) == typed_rows(slow.rows), fast.name
        assert fast.merged == slow.merged
        a, b = parsed(fast, name), parsed(slow, name)
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert [p.text() for p in a.problems.items] == [p.text() for p in b.problems.items]
        assert [(p.row, p.column, p.value) for p in a.problems.items] == [
            (p.row, p.column, p.value) for p in b.problems.items
        ]
        assert a.skipped == b.skipped and a.kind == b.kind and a.periods == b.periods


def test_long_plain_sheets_take_the_arrow_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    [sheet] = read_bytes(CASES["plain"], "plain.xlsx")
    assert isinstance(sheet.rows, xlsx_fast.HybridRows)
    [dates] = read_bytes(CASES["dates"], "dates.xlsx")
    assert not isinstance(dates.rows, xlsx_fast.HybridRows)  # dates: calamine reads the sheet whole
    monkeypatch.setattr(xlsx_fast, "HEAD_ROWS", 5)
    [mixed] = read_bytes(CASES["messy"], "messy.xlsx")
    assert not isinstance(mixed.rows, xlsx_fast.HybridRows)  # numbers and text in one column


def test_the_per_cell_parser_agrees_on_the_arrow_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    title, *table = membership(400)
    rows = [title, *(row[1:] for row in table)]  # no 序号: the footer below stays in a text column
    data = workbook({"会员": [*rows, ["合计", None, 1, 1, 1, None, None], ["填表人：张三"]]})
    [raw] = read_bytes(data, "m.xlsx")
    assert isinstance(raw.rows, xlsx_fast.HybridRows)
    fast = parsed(raw, "m.xlsx")
    monkeypatch.setattr(fastrows, "MIN_ROWS", 10**9)
    slow = parsed(raw, "m.xlsx")
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.skipped == slow.skipped == [(403, "合计行"), (404, "表尾说明")]
    assert len(fast.frame) == 400 and not fast.problems.items


OOXML = "http://schemas.openxmlformats.org"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{OOXML}/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{OOXML}/package/2006/'
    f'relationships"><Relationship Id="rId1" Type="{OOXML}/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{OOXML}/spreadsheetml/2006/'
    f'main" xmlns:r="{OOXML}/officeDocument/2006/relationships"><sheets><sheet name="2025年Q2" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{OOXML}/'
    f'package/2006/relationships"><Relationship Id="rId1" Type="{OOXML}/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def hand_made(rows: list[str]) -> bytes:
    """A workbook whose sheet XML is written by hand (rows out of order, rows without numbers)."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{OOXML}/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(r: int, cells: str = "", numbered: bool = True) -> str:
    return f'<row r="{r}">{cells}</row>' if numbered else f"<row>{cells}</row>"


def unit_row(r: int, numbered: bool = True) -> str:
    cells = (
        text(f"A{r}", f"第{r}厂工会") + f'<c r="B{r}"><v>{r}</v></c>'
        if numbered
        else (f'<c t="inlineStr"><is><t>第{r}厂工会</t></is></c><c><v>{r}</v></c>')
    )
    return row(r, cells, numbered)


HEAD = [row(1, text("A1", "2025年第二季度")), row(2, text("A2", "单位名称") + text("B2", "职工人数"))]
ODD_SHEETS = {
    "in order": [*HEAD, *(unit_row(r) for r in range(3, 60))],
    "a row placed back among the first": [*HEAD, *(unit_row(r) for r in range(5, 60)), unit_row(3)],
    "a cell placed back among the first": [
        *HEAD,
        *(unit_row(r) for r in range(3, 60)),
        row(70, text("C4", "x")),
    ],
    "rows without numbers": [*HEAD, *(unit_row(r, numbered=False) for r in range(3, 60))],
}


@pytest.mark.parametrize("case", sorted(ODD_SHEETS))
def test_rows_out_of_order_are_read_as_calamine_reads_them(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = hand_made(ODD_SHEETS[case])
    whole, parts = read_both(data, "2025年Q2.xlsx", monkeypatch, 5)
    assert typed_rows(parts[0].rows) == typed_rows(whole[0].rows)
    assert isinstance(parts[0].rows, xlsx_fast.HybridRows) == (case == "in order")
