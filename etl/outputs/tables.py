"""Tables as a chair reads them: dictionary labels, numbers formatted, dates as dates.

A table is a frame plus a list of `Col` specs. From them come
- `shown(...)`: labelled columns, rates in percent, for the page (the page formats the numbers
  through its column config, so they still sort as numbers),
- `formatted(...)`: every cell as the text people read ('17,574', '97.8%', '2025年6月8日'), for CSV,
- `xlsx_bytes(...)`: a workbook with typed cells and number formats (千分位, 0.0%, dates).
No raw column id and no 'None' / 'nan' / 'NaT' reaches a reader.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from etl.core import fmt
from etl.core.dictionary import KINDS
from etl.core.i18n import category_label, field_label, kind_label, status_label, t

ColType = Literal["text", "count", "money", "rate", "number", "date", "status", "quarter", "period", "kind"]


@dataclass(frozen=True)
class Col:
    key: str  # column of the source frame
    type: ColType = "text"
    label: str | None = None  # i18n key; None: the dictionary field of `kind` with the same id
    kind: str | None = None

    def title(self, lang: str) -> str:
        if self.label:
            return t(self.label, lang)
        if self.kind:
            text = field_label(self.kind, self.key, lang)
            if self.type == "money":
                return f"{text}（元）" if lang != "en" else f"{text} (CNY)"
            return text
        return self.key


def kind_columns(kind_id: str, skip: Sequence[str] = ("year", "quarter", "unit", "parent")) -> list[Col]:
    """The measure columns of a spreadsheet kind, typed and labelled from the dictionary."""
    types: dict[str, ColType] = {"int": "count", "money": "money", "date": "date", "number": "number"}
    return [
        Col(f.id, types.get(f.type, "text"), kind=kind_id) for f in KINDS[kind_id].fields if f.id not in skip
    ]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _text(col: Col, value: object, lang: str) -> str:
    if _missing(value):
        return ""
    if col.type == "count":
        return fmt.fmt_count(value)
    if col.type == "money":
        return fmt.fmt_number(value, 2)
    if col.type == "number":
        return fmt.fmt_number(value, 2)
    if col.type == "rate":
        return fmt.fmt_rate(value)
    if col.type == "date":
        return fmt.fmt_date(value, lang)
    if col.type == "status":
        return status_label(str(value), lang)
    if col.type == "quarter":
        return fmt.quarter_label(int(value), lang)  # type: ignore[call-overload]
    if col.type == "period":
        period = int(value)  # type: ignore[call-overload]
        return fmt.period_label(period // 10, period % 10, lang)
    if col.type == "kind":
        return kind_label(str(value), lang)
    if col.key == "category":
        return category_label(str(value), lang)
    return str(value)


def formatted(frame: pd.DataFrame, cols: Sequence[Col], lang: str) -> pd.DataFrame:
    """Every cell as text people read, under its label (CSV, and tables that are text anyway)."""
    return pd.DataFrame(
        {c.title(lang): [_text(c, v, lang) for v in frame[c.key]] for c in cols}, index=range(len(frame))
    )


_NUMERIC = ("count", "money", "number", "rate")


def shown(frame: pd.DataFrame, cols: Sequence[Col], lang: str) -> pd.DataFrame:
    """Labelled columns for the page: numbers stay numbers (so they sort as numbers), the rest as text.

    `display_formats` gives how each number reads; the page shows those strings.
    """
    out = {}
    for c in cols:
        values = frame[c.key].reset_index(drop=True)
        if c.type in _NUMERIC:
            out[c.title(lang)] = pd.to_numeric(values, errors="coerce")
        else:
            out[c.title(lang)] = [_text(c, v, lang) for v in values]
    return pd.DataFrame(out)


def display_formats(cols: Sequence[Col], lang: str) -> dict[str, object]:
    """Header -> function giving the text a number reads as ('17,574', '97.8%'; a gap reads '')."""
    return {c.title(lang): (lambda v, c=c: _text(c, v, lang)) for c in cols if c.type in _NUMERIC}


_XLSX_FORMATS = {
    "count": "#,##0",
    "money": "#,##0.00",
    "number": "#,##0.00",
    "rate": "0.0%",
    "date": "yyyy-mm-dd",
}


def xlsx_bytes(
    frame: pd.DataFrame, cols: Sequence[Col], lang: str, sheet: str, title: str | None = None
) -> bytes:
    """A workbook of the table: typed cells with number formats, text that never becomes a formula."""
    import xlsxwriter

    from etl.outputs.templates import neutralise

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(_sheet_name(sheet))
    bold = book.add_format(
        {"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    formats = {k: book.add_format({"num_format": v, "border": 1}) for k, v in _XLSX_FORMATS.items()}
    plain = book.add_format({"border": 1})
    top = 0
    if title:
        ws.write_string(0, 0, neutralise(title), book.add_format({"bold": True, "font_size": 14}))
        top = 2
    widths = []
    for j, c in enumerate(cols):
        head = c.title(lang)
        ws.write_string(top, j, head, bold)
        width = _width(head)
        for i, value in enumerate(frame[c.key], start=top + 1):
            if _missing(value):
                ws.write_blank(i, j, None, plain)
                continue
            if c.type in _XLSX_FORMATS and c.type != "date":
                number = fmt.to_number(value)
                if number is not None:
                    ws.write_number(i, j, number, formats[c.type])
                    width = max(width, len(fmt.fmt_number(number, 2)) + 2)
                    continue
            if c.type == "date":
                day = pd.Timestamp(value).to_pydatetime()  # type: ignore[arg-type]
                ws.write_datetime(i, j, day, formats["date"])
                width = max(width, 12)
                continue
            text = neutralise(_text(c, value, lang))
            ws.write_string(i, j, text, plain)
            width = max(width, _width(text))
        widths.append(min(width, 48))
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.freeze_panes(top + 1, 0)
    book.close()
    return buffer.getvalue()


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet1"
    return cleaned[:31]
