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

from etl.core.dictionary import (
    ACTIVITY_CATEGORIES,
    INDICATORS,
    KINDS,
    WELFARE_CATEGORIES,
)
from etl.ingest.headers import alias_index, header_key
from etl.ingest.inspect import inspect_bytes
from etl.outputs.templates import TEMPLATE_FILE_NAMES, csv_bytes, template_bytes, write_frame_xlsx

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


def _filled_rows(sheet) -> list[list[object]]:
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_template_has_no_data_rows(kind_id):
    # a sample row left in a returned template would be loaded as a unit (滨江市第一中学工会 twice)
    kind = KINDS[kind_id]
    sheet = _book(kind_id)[kind.zh]
    assert _filled_rows(sheet) == []
    assert "滨江市第一中学工会" not in {c for r in sheet.iter_rows(values_only=True) for c in r}


def _guide_table(kind_id: str) -> dict[str, tuple]:
    kind = KINDS[kind_id]
    guide = _book(kind_id)["填写说明"]
    return {r[0]: r for r in guide.iter_rows(min_row=2, max_row=len(kind.fields) + 1, values_only=True)}


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_guide_sheet_lists_every_field(kind_id):
    kind = KINDS[kind_id]
    guide = _book(kind_id)["填写说明"]
    header = [c.value for c in guide[1]][:6]
    assert header == ["表头", "是否必填", "类型", "示例", "可用别名", "可选值"]
    rows = _guide_table(kind_id)
    for f in kind.fields:
        assert f.zh in rows, f.zh
        assert rows[f.zh][1] == ("是" if f.required else "否")
        for alias in f.aliases:
            assert alias in (rows[f.zh][4] or "")
    if kind_id in CATEGORIES:
        allowed = rows[kind.field("category").zh][5]
        assert all(c in allowed for c in CATEGORIES[kind_id])
    if kind_id == "targets":
        text = " ".join(str(v) for row in guide.iter_rows(values_only=True) for v in row if v)
        for ind in INDICATORS:
            assert ind.zh in text and ind.id in text


@pytest.mark.parametrize("kind_id", [k for k in KINDS if k != "targets"])
def test_guide_sheet_shows_an_example_for_every_field(kind_id):
    kind = KINDS[kind_id]
    examples = {f.id: _as_date(_guide_table(kind_id)[f.zh][3]) for f in kind.fields}
    for f in kind.fields:
        if f.example is None or (f.id in ("year", "quarter") and kind.shape == "events"):
            continue
        expected = dt.date.fromisoformat(f.example) if f.type == "date" else f.example
        assert examples[f.id] == expected, f.zh
    if kind.shape == "events":
        # the example's 年度/季度 must not contradict its own date
        day = examples["date"]
        assert examples["year"] == day.year
        assert examples["quarter"] == "第" + "一二三四"[(day.month - 1) // 3] + "季度"


def test_targets_guide_gives_example_targets_and_milestones():
    examples = {f.id: _guide_table("targets")[f.zh][3] for f in KINDS["targets"].fields}
    assert examples["indicator"] in {i.zh for i in INDICATORS}
    milestones = [examples[q] for q in ("q1", "q2", "q3", "q4")]
    assert milestones == sorted(milestones) and milestones[-1] == examples["target"]  # cumulative
    guide = _book("targets")["填写说明"]
    listing = next(r for r in range(1, guide.max_row + 1) if guide.cell(r, 1).value == "指标名称")
    for offset, ind in enumerate(INDICATORS, start=1):
        assert guide.cell(listing + offset, 1).value == ind.zh
        target = guide.cell(listing + offset, 5).value
        if ind.measure == "rate":
            assert isinstance(target, str) and target.endswith("%") and 0 < float(target[:-1]) <= 100
        else:
            assert isinstance(target, int | float) and target > 0, ind.zh


# two rows as a 干事 types them into the first empty rows of a downloaded template
FILLED = {
    "membership": [
        {
            "unit": "滨江新能源科技有限公司",
            "employees": 500,
            "members": 480,
            "year": 2025,
            "quarter": "第二季度",
        },
        {"unit": "滨江市财政局", "employees": 80, "members": 80, "year": 2025, "quarter": "第二季度"},
    ],
    "dues": [
        {"unit": "滨江新能源科技有限公司", "dues_due": 9000, "dues_paid": 8800, "year": 2025, "quarter": 2},
        {"unit": "滨江市财政局", "dues_due": 1600, "dues_paid": 1600, "year": 2025, "quarter": 2},
    ],
    "welfare": [
        {"date": dt.datetime(2025, 5, 1), "unit": "滨江市财政局", "category": "送温暖", "amount": 3000},
        {"date": dt.datetime(2025, 6, 2), "unit": "滨江市财政局", "category": "困难帮扶", "amount": 2000},
    ],
    "activities": [
        {"date": dt.datetime(2025, 5, 1), "unit": "滨江市财政局", "title": "健步走", "participants": 60},
        {"date": dt.datetime(2025, 6, 2), "unit": "滨江市财政局", "title": "读书会", "participants": 20},
    ],
    "targets": [
        {"year": 2025, "indicator": "入会率", "target": "95%"},
        {"year": 2025, "indicator": "新发展会员", "target": 900},
    ],
}


def filled_template(kind_id: str) -> bytes:
    kind = KINDS[kind_id]
    book = _book(kind_id)
    sheet = book[kind.zh]
    columns = {f.id: col for col, f in enumerate(kind.fields, start=1)}
    first = 3
    while any(sheet.cell(first, c).value is not None for c in columns.values()):
        first += 1  # below anything the template already holds
    for offset, row in enumerate(FILLED[kind_id]):
        for field_id, value in row.items():
            sheet.cell(first + offset, columns[field_id]).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind_id", list(KINDS))
def test_a_filled_template_loads_exactly_its_rows_without_warnings(kind_id):
    report = inspect_bytes(filled_template(kind_id), TEMPLATE_FILE_NAMES[kind_id])
    assert [p.text() for p in report.all_problems] == []
    assert [s.kind for s in report.data_sheets] == [kind_id]
    assert len(report.data_sheets[0].frame) == 2
    guide = next(s for s in report.sheets if s.sheet == "填写说明")
    assert guide.kind is None and not guide.problems.items  # the guide is passed over quietly


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
