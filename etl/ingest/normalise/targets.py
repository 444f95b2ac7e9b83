"""Annual targets: one target (and quarter milestones) per indicator row."""

from __future__ import annotations

import pandas as pd

from etl.core import values
from etl.core.names import clean_cell_text
from etl.ingest.headers import find_indicator, header_scale
from etl.ingest.normalise.cells import _SECTION, _folded, _is_total_or_footer
from etl.ingest.normalise.model import ParsedSheet
from etl.ingest.read import RawSheet


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

        def cell(fid: str, row: list[object] = row) -> object:
            col = cols.get(fid)
            return row[col.index] if col and col.index < len(row) else None

        def loc(fid: str, r: int = r) -> dict:
            col = cols.get(fid)
            return {
                **where,
                "row": r + 1,
                "column": col.index if col else None,
                "header": col.header if col else "",
            }

        name = cell("indicator")
        if values.is_blank(name) or (_SECTION.match(_folded(name)) and values.is_blank(cell("target"))):
            result.skipped.append((r + 1, "分组标题行" if not values.is_blank(name) else "无数据的行"))
            continue
        ind = find_indicator(name)
        if ind is None:
            result.problems.error(
                "未知指标（应为入会率、新发展会员等指标名称或指标代码）", **loc("indicator"), value=name
            )
            continue
        record: dict[str, object] = {"_row": r + 1, "indicator": ind.id}
        if "year" in cols:
            try:
                record["year"] = values.parse_year(cell("year"))
            except ValueError as exc:
                result.problems.error(str(exc), **loc("year"), value=cell("year"))
        elif year is not None:
            record["year"] = year
        else:
            result.problems.error(
                "无法确定年度：请加入「年度」列，或在工作表名、标题或文件名中注明（例如 2025年度目标）",
                **where,
                row=r + 1,
            )
        unit = cell("unit")
        record["unit"] = None
        if not values.is_blank(unit):
            try:
                record["unit"], note = clean_cell_text(unit, name=True)
            except ValueError as exc:
                result.problems.error(str(exc), **loc("unit"))
            else:
                if note:
                    result.problems.warning(note, **loc("unit"))
        for fid in ("target", "q1", "q2", "q3", "q4"):
            raw = cell(fid)
            if values.is_blank(raw):
                if fid == "target":
                    result.problems.error("目标值为空", **loc(fid))
                continue
            try:
                if ind.measure == "rate":
                    number, note = values.parse_fraction(raw)
                elif ind.measure == "money":
                    scale = header_scale(name) if header_scale(name) != 1 else header_scale(cols[fid].header)
                    amount, note = values.parse_money(raw, scale)
                    number = float(amount)
                else:
                    number, note = values.parse_number(raw)
            except ValueError as exc:
                result.problems.error(f"{exc}", **loc(fid), value=raw)
                continue
            if number < 0:
                result.problems.error("目标值不能为负数", **loc(fid), value=raw)
            if note:
                result.problems.warning(note, **loc(fid))
            record[fid] = number
        records.append(record)
    frame = pd.DataFrame.from_records(
        records, columns=["_row", "year", "indicator", "unit", "target", "q1", "q2", "q3", "q4"]
    )
    if frame.empty and not result.problems.errors:
        result.problems.error("表头下没有目标数据行", **where)
    return frame
