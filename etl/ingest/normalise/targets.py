"""Annual targets: one target (and quarter milestones) per indicator row."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.core import values
from etl.core.dictionary import Indicator
from etl.core.names import clean_cell_text
from etl.core.problems import ProblemList
from etl.ingest.headers import find_indicator, header_scale
from etl.ingest.normalise.cells import _SECTION, _folded, _is_total_or_footer
from etl.ingest.normalise.model import ColumnMap, ParsedSheet
from etl.ingest.read import RawSheet

_COLUMNS = ["_row", "year", "indicator", "unit", "target", "q1", "q2", "q3", "q4"]


@dataclass
class _TargetRow:
    """One row of a targets sheet: its cells by field, and where each is (for the messages)."""

    row: list[object]
    r: int  # 0-based
    cols: dict[str, ColumnMap]
    where: dict

    def cell(self, fid: str) -> object:
        col = self.cols.get(fid)
        return self.row[col.index] if col and col.index < len(self.row) else None

    def loc(self, fid: str) -> dict:
        col = self.cols.get(fid)
        return {
            **self.where,
            "row": self.r + 1,
            "column": col.index if col else None,
            "header": col.header if col else "",
        }


def _year(tr: _TargetRow, year: int | None, record: dict, problems: ProblemList) -> None:
    if "year" in tr.cols:
        try:
            record["year"] = values.parse_year(tr.cell("year"))
        except ValueError as exc:
            problems.error(str(exc), **tr.loc("year"), value=tr.cell("year"))
    elif year is not None:
        record["year"] = year
    else:
        problems.error(
            "无法确定年度：请加入「年度」列，或在工作表名、标题或文件名中注明（例如 2025年度目标）",
            **tr.where,
            row=tr.r + 1,
        )


def _unit(tr: _TargetRow, record: dict, problems: ProblemList) -> None:
    """The unit a target is for (empty: the whole organisation)."""
    unit = tr.cell("unit")
    record["unit"] = None
    if values.is_blank(unit):
        return
    try:
        record["unit"], note = clean_cell_text(unit, name=True)
    except ValueError as exc:
        problems.error(str(exc), **tr.loc("unit"))
    else:
        if note:
            problems.warning(note, **tr.loc("unit"))


def _number(tr: _TargetRow, fid: str, ind: Indicator, name: object) -> tuple[float, str | None]:
    """A rate as a fraction, money in 元 (万元 in the indicator or the column header), else a number."""
    raw = tr.cell(fid)
    if ind.measure == "rate":
        return values.parse_fraction(raw)
    if ind.measure == "money":
        scale = header_scale(name) if header_scale(name) != 1 else header_scale(tr.cols[fid].header)
        amount, note = values.parse_money(raw, scale)
        return float(amount), note
    return values.parse_number(raw)


def _numbers(tr: _TargetRow, ind: Indicator, name: object, record: dict, problems: ProblemList) -> None:
    """The annual target (required) and the quarter milestones q1–q4 (optional)."""
    for fid in ("target", "q1", "q2", "q3", "q4"):
        raw = tr.cell(fid)
        if values.is_blank(raw):
            if fid == "target":
                problems.error("目标值为空", **tr.loc(fid))
            continue
        try:
            number, note = _number(tr, fid, ind, name)
        except ValueError as exc:
            problems.error(f"{exc}", **tr.loc(fid), value=raw)
            continue
        if number < 0:
            problems.error("目标值不能为负数", **tr.loc(fid), value=raw)
        if note:
            problems.warning(note, **tr.loc(fid))
        record[fid] = number


def _target_record(tr: _TargetRow, year: int | None, result: ParsedSheet) -> dict | None:
    """The record of one row, or None for a row that is skipped or names no known indicator."""
    name = tr.cell("indicator")
    if values.is_blank(name) or (_SECTION.match(_folded(name)) and values.is_blank(tr.cell("target"))):
        result.skipped.append((tr.r + 1, "分组标题行" if not values.is_blank(name) else "无数据的行"))
        return None
    ind = find_indicator(name)
    if ind is None:
        result.problems.error(
            "未知指标（应为入会率、新发展会员等指标名称或指标代码）", **tr.loc("indicator"), value=name
        )
        return None
    record: dict[str, object] = {"_row": tr.r + 1, "indicator": ind.id}
    _year(tr, year, record, result.problems)
    _unit(tr, record, result.problems)
    _numbers(tr, ind, name, record, result.problems)
    return record


def _parse_targets(
    sheet: RawSheet, result: ParsedSheet, start: int, year: int | None, where: dict
) -> pd.DataFrame:
    """One target per row. The year comes from the 年度 column, else from the sheet name,
    title or file name (2025年度目标.xlsx); money targets follow 万元 in the indicator or the
    column header (帮扶慰问支出（万元）)."""
    records = []
    cols = {c.field: c for c in result.columns if c.field}
    for r in range(start, len(sheet.rows)):
        row = sheet.rows[r]
        cells = [_folded(c) for c in row]
        if not any(cells) or _is_total_or_footer(cells):
            continue
        record = _target_record(_TargetRow(row, r, cols, where), year, result)
        if record is not None:
            records.append(record)
    frame = pd.DataFrame.from_records(records, columns=_COLUMNS)
    if frame.empty and not result.problems.errors:
        result.problems.error("表头下没有目标数据行", **where)
    return frame
