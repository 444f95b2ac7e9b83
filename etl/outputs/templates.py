"""Spreadsheet output: blank templates generated from the dictionary, and safe xlsx/CSV export.

Everything written here is opened by people in Excel/WPS, so text that starts like a
formula (= + - @, tab, CR) is never allowed to become one (CSV/formula injection).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from etl.core.dictionary import (
    ACTIVITY_CATEGORIES,
    INDICATORS,
    KINDS,
    WELFARE_CATEGORIES,
    Field,
    Indicator,
    Kind,
)

TEMPLATE_FILE_NAMES: dict[str, str] = {k.id: f"{k.zh}_模板.xlsx" for k in KINDS.values()}
GUIDE_SHEET = "填写说明"

TYPE_ZH = {
    "text": "文本",
    "int": "整数",
    "money": "金额（元）",
    "date": "日期",
    "number": "数值",
    "rate": "比率（如95%）",
}
_TITLE_HINT = {
    "snapshot": "（请填写年度、季度）",
    "events": "（每条记录一行，请填写实际日期）",
    "plan": "（每个指标一行；单位名称留空表示全单位）",
}
# Categories offered in a dropdown, per kind; the loader also accepts CATEGORY_SYNONYMS.
_CATEGORY_CHOICES = {"welfare": WELFARE_CATEGORIES, "activities": ACTIVITY_CATEGORIES}
# Example targets for the targets template; unknown indicators fall back by measure.
_EXAMPLE_TARGETS: dict[str, object] = {
    "membership_rate": "95%",
    "female_membership_rate": "95%",
    "migrant_membership_rate": "90%",
    "members": 18000,
    "new_members": 900,
    "unionization_rate": "90%",
    "new_unions": 12,
    "contract_signing_rate": "80%",
    "wage_agreement_rate": "70%",
    "female_contract_rate": "75%",
    "dues_collection_rate": "100%",
    "funds_collection_rate": "100%",
    "dues_collected": 4800000,
    "welfare_spend": 500000,
    "welfare_beneficiaries": 1200,
    "activities_count": 48,
    "activity_participants": 6000,
    "activity_participation_rate": "85%",
    "reporting_rate": "100%",
}
_EXAMPLE_MILESTONES = {"new_members": (200, 450, 680, 900)}
_FALLBACK_TARGET = {"rate": "95%", "count": 100, "money": 100000}
_QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TEMPLATE_ROWS = 1000  # rows covered by dropdowns in a template
_WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


# ---------------------------------------------------------------- cell helpers


def looks_like_formula(text: str) -> bool:
    return text.startswith(_FORMULA_STARTS)


def display_width(value: object) -> int:
    """Approximate Excel column width: CJK and full-width characters count double."""
    text = value if isinstance(value, str) else _plain_text(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _plain_text(value: object) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False  # containers are not "missing"


class _Formats:
    """The few cell formats every sheet shares; one instance per workbook."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.text = book.add_format({"quote_prefix": True})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.required = book.add_format(
            {
                "bold": True,
                "font_color": "#C00000",
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        self.title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.section = book.add_format({"bold": True, "font_size": 12})


def write_cell(sheet: Worksheet, row: int, col: int, value: object, fmt: _Formats) -> None:
    """One cell with its real type; text is always text, never a formula or URL."""
    if _is_missing(value):
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)  # Excel has no time zones
        has_time = (stamp.hour, stamp.minute, stamp.second) != (0, 0, 0)
        sheet.write_datetime(row, col, stamp.to_pydatetime(), fmt.datetime if has_time else fmt.date)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt.date)
    elif isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, number)
    else:
        text = str(value)
        # quote_prefix is Excel's own "leading apostrophe": shown as typed, never evaluated
        sheet.write_string(row, col, text, fmt.text if looks_like_formula(text) else None)


def _fit_columns(
    sheet: Worksheet, columns: Sequence[Iterable[object]], minimum: int = 6, maximum: int = 60
) -> None:
    for col, values in enumerate(columns):
        width = max((display_width(v) for v in values), default=0) + 2
        sheet.set_column(col, col, min(max(width, minimum), maximum))


def _title_row(sheet: Worksheet, title: str, ncols: int, fmt: _Formats) -> None:
    sheet.set_row(0, 28)
    if ncols > 1:
        sheet.merge_range(0, 0, 0, ncols - 1, title, fmt.title)
    else:
        sheet.write_string(0, 0, title, fmt.title)


# ---------------------------------------------------------------- generic export


def write_frame_xlsx(frame: pd.DataFrame, sheet_name: str, title: str | None = None) -> bytes:
    """An .xlsx of one table: optional merged title row, bold header, frozen header, real types."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    fmt = _Formats(book)
    sheet = book.add_worksheet(_safe_sheet_name(sheet_name))
    headers = [str(c) for c in frame.columns]
    top = 0
    if title:
        _title_row(sheet, title, max(len(headers), 1), fmt)
        top = 1
    for col, header in enumerate(headers):
        sheet.write_string(top, col, header, fmt.header)
    for offset, row in enumerate(frame.itertuples(index=False, name=None), start=top + 1):
        for col, value in enumerate(row):
            write_cell(sheet, offset, col, value, fmt)
    sheet.freeze_panes(top + 1, 0)
    if headers and len(frame):
        sheet.autofilter(top, 0, top + len(frame), len(headers) - 1)
    _fit_columns(sheet, [[h, *frame.iloc[:, i].tolist()] for i, h in enumerate(headers)])
    book.close()
    return buffer.getvalue()


def _safe_sheet_name(name: str) -> str:
    # Excel forbids []:*?/\ in sheet names and caps them at 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip("'") or "Sheet1"
    return cleaned[:31]


def _neutralise_csv(value: object) -> object:
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ …) gets a leading '; other text unchanged."""
    return "'" + text if looks_like_formula(text) else text


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with BOM (so Excel detects the encoding); formula-like text gets a leading '."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)):
            safe[column] = series.map(_neutralise_csv).astype(object)
    safe.columns = [_neutralise_csv(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8-sig")


# ---------------------------------------------------------------- templates


def template_title(kind: Kind) -> str:
    name = f"{kind.zh}计划表" if kind.shape == "plan" else f"{kind.zh}情况统计表"
    return name + _TITLE_HINT[kind.shape]


def example_target(indicator: Indicator) -> object:
    return _EXAMPLE_TARGETS.get(indicator.id, _FALLBACK_TARGET.get(indicator.measure, 100))


def _example_value(f: Field) -> object:
    # Dates are written as real dates so the example shows the expected cell type.
    if f.type == "date" and isinstance(f.example, str):
        try:
            return dt.date.fromisoformat(f.example)
        except ValueError:
            return f.example
    return f.example


def example_values(kind: Kind) -> dict[str, object]:
    """One example value per field, shown in the guide sheet's 示例 column.

    Examples live in the guide sheet, never as a row of the data sheet: a sample row left in
    a returned template would be loaded as a unit of its own (滨江市第一中学工会 twice over).
    """
    if kind.id == "targets":
        ind = next(i for i in INDICATORS if i.id in _EXAMPLE_MILESTONES)
        q1, q2, q3, q4 = _EXAMPLE_MILESTONES[ind.id]
        target = example_target(ind)
        return {
            "year": kind.field("year").example,
            "indicator": ind.zh,
            "target": target,
            "unit": "（留空表示全单位）",
            "q1": q1,
            "q2": q2,
            "q3": q3,
            "q4": q4,
        }
    values = {f.id: _example_value(f) for f in kind.fields}
    day = values.get("date")
    if kind.shape == "events" and isinstance(day, dt.date):
        # 年度/季度 must agree with the example date, or the example would contradict itself
        values["year"] = day.year
        values["quarter"] = _QUARTER_ZH[(day.month - 1) // 3 + 1]
    return values


def _choices(kind: Kind, f: Field) -> tuple[str, ...]:
    if f.id == "category":
        return tuple(_CATEGORY_CHOICES.get(kind.id, ()))
    if kind.id == "targets" and f.id == "indicator":
        return tuple(ind.zh for ind in INDICATORS)
    return ()


def _add_dropdown(sheet: Worksheet, col: int, first_row: int, choices: Sequence[str], header: str) -> None:
    # Excel caps an inline list at 255 characters; longer lists are left to the guide sheet.
    if not choices or len(",".join(choices)) > 255:
        return
    sheet.data_validation(
        first_row,
        col,
        first_row + _TEMPLATE_ROWS - 1,
        col,
        {
            "validate": "list",
            "source": list(choices),
            "input_title": header[:32],
            "input_message": "请从下拉列表中选择",
            # a warning, not a stop: the loader also understands common synonyms
            "error_type": "warning",
            "error_title": "不在可选范围内",
            "error_message": f"「{header}」建议从下拉列表中选择；其他写法导入时可能归为“其他”。",
        },
    )


def _write_data_sheet(book: xlsxwriter.Workbook, kind: Kind, fmt: _Formats) -> None:
    sheet = book.add_worksheet(_safe_sheet_name(kind.zh))
    headers = [f.zh for f in kind.fields]
    _title_row(sheet, template_title(kind), len(headers), fmt)
    for col, f in enumerate(kind.fields):
        sheet.write_string(1, col, f.zh, fmt.required if f.required else fmt.header)
        if f.required:
            sheet.write_comment(1, col, "必填")
    # no data rows: whatever is below the header is the unit's own data (examples: 填写说明)
    for col, f in enumerate(kind.fields):
        _add_dropdown(sheet, col, 2, _choices(kind, f), f.zh)
    sheet.freeze_panes(2, 0)
    _fit_columns(sheet, [[f.zh] for f in kind.fields], minimum=12)
    sheet.activate()


GUIDE_HEADERS = ["表头", "是否必填", "类型", "示例", "可用别名", "可选值"]


def guide_rows(kind: Kind) -> list[list[object]]:
    """One row per field: 表头, 是否必填, 类型, 示例, 可用别名, 可选值 — one field per row, so
    the guide is never taken for a data table."""
    examples = example_values(kind)
    rows: list[list[object]] = []
    for f in kind.fields:
        choices = _choices(kind, f)
        if kind.id == "targets" and f.id == "indicator":
            allowed = "、".join(f"{ind.zh}（{ind.id}）" for ind in INDICATORS)
        else:
            allowed = "、".join(choices)
        rows.append(
            [
                f.zh,
                "是" if f.required else "否",
                TYPE_ZH.get(f.type, f.type),
                examples.get(f.id),
                "，".join(f.aliases),
                allowed,
            ]
        )
    return rows


def _write_guide_sheet(book: xlsxwriter.Workbook, kind: Kind, fmt: _Formats) -> None:
    sheet = book.add_worksheet(GUIDE_SHEET)
    headers = GUIDE_HEADERS
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, fmt.header)
    rows = guide_rows(kind)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            write_cell(sheet, r, col, value, fmt)
    notes = _guide_notes(kind)
    row = len(rows) + 2
    sheet.write_string(row, 0, "说明", fmt.section)
    for note in notes:
        row += 1
        sheet.write_string(row, 0, note)
    if kind.id == "targets":
        _write_indicator_list(sheet, row + 2, fmt)
    sheet.freeze_panes(1, 0)
    widths = [[h, *(r[i] for r in rows)] for i, h in enumerate(headers)]
    _fit_columns(sheet, widths, minimum=10, maximum=80)


def _guide_notes(kind: Kind) -> list[str]:
    notes = [
        "表头文字请保持不变（红色加粗为必填列）；也可使用“可用别名”中的写法。",
        "第一行标题可以修改或删除；数据从第 3 行起填写，每行一条，不要保留空行或示例。",
        "上表“示例”列是每一列的填写示例，只作参考，不要抄进数据表。",
        "金额以元为单位；如表头注明“（万元）”，导入时自动换算为元。",
    ]
    if kind.shape == "snapshot":
        notes.append("每个单位每个季度填写一行；季度可写 3、Q3 或 第三季度；数据为季度末时点数。")
    elif kind.shape == "events":
        notes.append("每条记录一行，按发生日期自动归入对应季度；日期格式如 2025-09-20。")
    else:
        notes.append(
            "比率可写 95% 或 0.95；一季度至四季度为累计进度目标，可不填（不填时按“时间过半、任务过半”计算）。"
        )
        notes.append("单位名称留空表示全单位（本级工会）目标；比率类目标同时作为各单位的标准。")
    return notes


def _write_indicator_list(sheet: Worksheet, first_row: int, fmt: _Formats) -> None:
    sheet.write_string(first_row, 0, "可填写的指标", fmt.section)
    headers = ["指标名称", "指标代码", "计算公式", "计量单位", "目标值示例"]
    for col, header in enumerate(headers):
        sheet.write_string(first_row + 1, col, header, fmt.header)
    for r, ind in enumerate(INDICATORS, start=first_row + 2):
        for col, value in enumerate([ind.zh, ind.id, ind.formula_zh, ind.unit_zh, example_target(ind)]):
            write_cell(sheet, r, col, value, fmt)


def template_bytes(kind_id: str) -> bytes:
    """An .xlsx template for one spreadsheet kind, generated from the dictionary."""
    kind = KINDS[kind_id]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    fmt = _Formats(book)
    _write_data_sheet(book, kind, fmt)
    _write_guide_sheet(book, kind, fmt)
    book.close()
    return buffer.getvalue()
