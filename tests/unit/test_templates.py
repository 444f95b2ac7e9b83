"""Templates are generated from the dictionary, and exports never turn text into formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine

from etl.dictionary import (
    ACTIVITY_CATEGORIES,
    INDICATORS,
    KINDS,
    WELFARE_CATEGORIES,
)
from etl.headers import alias_index, header_key
from etl.templates import TEMPLATE_FILE_NAMES, csv_bytes, template_bytes, write_frame_xlsx

CATEGORIES = {"welfare": WELFARE_CATEGORIES, "activities": ACTIVITY_CATEGORIES}
DANGEROUS = ["=1+1", "+cmd", "-2", "@x", "\tTAB", '=HYPERLINK("http://x")']


def _book(kind_id: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes(kind_id)))


def _as_date(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_template_sheets_title_and_headers(kind_id):
    kind = KINDS[kind_id]
    book = _book(kind_id)
    assert book.sheetnames == [kind.zh, "填写说明"]
    sheet = book[kind.zh]
    assert kind.zh in str(sheet.cell(1, 1).value)
    headers = [sheet.cell(2, c + 1).value for c in range(len(kind.fields))]
    assert headers == [f.zh for f in kind.fields]
    assert sheet.cell(2, len(kind.fields) + 1).value is None
    assert sheet.freeze_panes == "A3"


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_template_headers_map_back_to_fields(kind_id):
    kind = KINDS[kind_id]
    sheet = _book(kind_id)[kind.zh]
    index = alias_index("")[kind_id]
    mapped = [index.get(header_key(sheet.cell(2, c + 1).value)) for c in range(len(kind.fields))]
    assert mapped == [f.id for f in kind.fields]


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_required_headers_are_red_bold_with_comment(kind_id):
    kind = KINDS[kind_id]
    sheet = _book(kind_id)[kind.zh]
    for col, f in enumerate(kind.fields, start=1):
        cell = sheet.cell(2, col)
        if f.required:
            assert cell.font.b, f.zh
            assert cell.font.color is not None and cell.font.color.rgb.endswith("C00000"), f.zh
            assert cell.comment is not None and "必填" in cell.comment.text
        else:
            assert cell.comment is None, f.zh
            assert not (cell.font.color is not None and str(cell.font.color.rgb).endswith("C00000"))


@pytest.mark.parametrize("kind_id", [k for k in KINDS if k != "targets"])
def test_template_example_row(kind_id):
    kind = KINDS[kind_id]
    sheet = _book(kind_id)[kind.zh]
    values = {f.id: _as_date(sheet.cell(3, col).value) for col, f in enumerate(kind.fields, start=1)}
    assert sheet.cell(4, 1).value is None  # exactly one example row
    for f in kind.fields:
        if f.example is None or (f.id in ("year", "quarter") and kind.shape == "events"):
            continue
        expected = dt.date.fromisoformat(f.example) if f.type == "date" else f.example
        assert values[f.id] == expected, f.zh
    if kind.shape == "events":
        # the example's 年度/季度 must not contradict its own date
        day = values["date"]
        assert values["year"] == day.year
        assert values["quarter"] == "第" + "一二三四"[(day.month - 1) // 3] + "季度"


def test_targets_template_has_one_row_per_indicator():
    kind = KINDS["targets"]
    sheet = _book("targets")[kind.zh]
    cols = {f.id: col for col, f in enumerate(kind.fields, start=1)}
    rows = [
        [sheet.cell(r, c).value for c in range(1, len(kind.fields) + 1)] for r in range(3, sheet.max_row + 1)
    ]
    rows = [r for r in rows if any(v is not None for v in r)]
    assert [r[cols["indicator"] - 1] for r in rows] == [i.zh for i in INDICATORS]
    for ind, row in zip(INDICATORS, rows, strict=True):
        target = row[cols["target"] - 1]
        if ind.measure == "rate":
            assert isinstance(target, str) and target.endswith("%"), ind.zh
            assert 0 < float(target[:-1]) <= 100
        else:
            assert isinstance(target, int | float) and target > 0, ind.zh
        milestones = [row[cols[q] - 1] for q in ("q1", "q2", "q3", "q4")]
        if any(m is not None for m in milestones):
            assert milestones == sorted(milestones) and milestones[-1] == target  # cumulative


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_guide_sheet_lists_every_field(kind_id):
    kind = KINDS[kind_id]
    guide = _book(kind_id)["填写说明"]
    header = [c.value for c in guide[1]][:5]
    assert header == ["表头", "是否必填", "类型", "可用别名", "可选值"]
    rows = {r[0]: r for r in guide.iter_rows(min_row=2, max_row=len(kind.fields) + 1, values_only=True)}
    for f in kind.fields:
        assert f.zh in rows, f.zh
        assert rows[f.zh][1] == ("是" if f.required else "否")
        for alias in f.aliases:
            assert alias in (rows[f.zh][3] or "")
    if kind_id in CATEGORIES:
        allowed = rows[kind.field("category").zh][4]
        assert all(c in allowed for c in CATEGORIES[kind_id])
    if kind_id == "targets":
        text = " ".join(str(v) for row in guide.iter_rows(values_only=True) for v in row if v)
        for ind in INDICATORS:
            assert ind.zh in text and ind.id in text


@pytest.mark.parametrize("kind_id", list(CATEGORIES))
def test_category_column_has_dropdown(kind_id):
    kind = KINDS[kind_id]
    sheet = _book(kind_id)[kind.zh]
    col = [f.id for f in kind.fields].index("category")
    letter = openpyxl.utils.get_column_letter(col + 1)
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    covering = [dv for dv in lists if f"{letter}3" in dv.sqref]
    assert covering, "no dropdown on the category column"
    formula = covering[0].formula1
    assert all(c in formula for c in CATEGORIES[kind_id])


def test_columns_fit_chinese_headers():
    kind = KINDS["membership"]
    sheet = _book("membership")[kind.zh]
    for col, f in enumerate(kind.fields, start=1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width
        assert width >= min(2 * len(f.zh), 60), f.zh


def test_template_file_names_cover_every_kind():
    assert set(TEMPLATE_FILE_NAMES) == set(KINDS)
    for kind_id, name in TEMPLATE_FILE_NAMES.items():
        assert name.endswith(".xlsx") and KINDS[kind_id].zh in name


# ---------------------------------------------------------------- formula injection


def _dangerous_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "文本": DANGEROUS,
            "数字": [-2, 3.5, 0, 1, 2, 3],
            "日期": pd.to_datetime(
                ["2025-01-20", None, "2025-03-31", "2025-04-01", "2025-12-31", "2024-02-29"]
            ),
        }
    )


def test_write_frame_xlsx_keeps_text_as_text():
    data = write_frame_xlsx(_dangerous_frame(), "导出", title="测试导出")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.cell(1, 1).value == "测试导出"
    assert "A1:C1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(2, c).value for c in (1, 2, 3)] == ["文本", "数字", "日期"]
    for row, text in enumerate(DANGEROUS, start=3):
        cell = sheet.cell(row, 1)
        assert cell.data_type == "s" and cell.value == text
        assert cell._style.quotePrefix  # Excel's leading apostrophe: stays text when edited
    number = sheet.cell(3, 2)
    assert number.data_type == "n" and number.value == -2
    assert sheet.cell(3, 3).is_date and sheet.cell(3, 3).value == dt.datetime(2025, 1, 20)
    assert sheet.cell(4, 3).value is None
    assert sheet.freeze_panes == "A3"


def test_write_frame_xlsx_reads_back_with_calamine():
    data = write_frame_xlsx(_dangerous_frame(), "导出")
    rows = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["文本", "数字", "日期"]
    assert [r[0] for r in rows[1:]] == DANGEROUS
    assert rows[1][1] == -2 and isinstance(rows[1][1], float | int)
    assert _as_date(rows[1][2]) == dt.date(2025, 1, 20)


def test_write_frame_xlsx_without_title_and_odd_values():
    frame = pd.DataFrame(
        {"a": ["x", None, "y"], "b": [1, None, float("inf")], "c": [True, False, None]}, dtype=object
    )
    sheet = openpyxl.load_workbook(io.BytesIO(write_frame_xlsx(frame, "bad:/name[1]"))).active
    assert [sheet.cell(1, c).value for c in (1, 2, 3)] == ["a", "b", "c"]
    assert sheet.cell(3, 1).value is None and sheet.cell(3, 2).value is None
    assert sheet.cell(4, 2).value is None  # infinity is not a number Excel can hold
    assert sheet.cell(2, 3).value is True


def test_csv_bytes_neutralises_formulas_and_keeps_numbers():
    data = csv_bytes(_dangerous_frame())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["文本", "数字", "日期"]
    for row, text in zip(rows[1:], DANGEROUS, strict=True):
        assert row[0] == "'" + text
    assert float(rows[1][1]) == -2 and not rows[1][1].startswith("'")
    assert rows[1][2] == "2025-01-20"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["数字"].iloc[0] == -2 and pd.api.types.is_numeric_dtype(back["数字"])


def test_csv_bytes_leaves_plain_text_alone():
    frame = pd.DataFrame({"单位名称": ["滨江市第一中学", "a-b", " =x"], "金额": [1.5, -3, 0]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["滨江市第一中学", "a-b", " =x"]
    assert [r[1] for r in rows[1:]] == ["1.5", "-3.0", "0.0"]
