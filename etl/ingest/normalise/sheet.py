"""parse_sheet: one raw sheet -> its kind, header, columns, period and rows (ParsedSheet), or an
explanation of why it is not a table of any kind; summary sheets beside quarter sheets are skipped."""

from __future__ import annotations

import re

from etl.core import values
from etl.core.dictionary import KINDS
from etl.ingest.headers import current_alias_index
from etl.ingest.normalise.cells import HEADER_SCAN_ROWS
from etl.ingest.normalise.header import (
    _apply_table_scale,
    _candidates,
    _fill_merged,
    _found_row,
    _HeaderChoice,
)
from etl.ingest.normalise.model import NO_HINTS, Hints, ParsedSheet
from etl.ingest.normalise.periods import _decide_period, _sources_note, _title_cells
from etl.ingest.normalise.rows import _parse_rows
from etl.ingest.normalise.targets import _parse_targets
from etl.ingest.read import RawSheet

# a sheet that sums the others: 汇总, 合计, 全年累计 (a name without a quarter of its own)
_SUMMARY_SHEET = re.compile(r"汇总|合计|总计|总表|全年|累计")


def parse_sheet(
    sheet: RawSheet, file_name: str, hints: Hints = NO_HINTS, date1904: bool | None = None
) -> ParsedSheet:
    """One raw sheet -> its kind, header, columns, period and rows, with every problem located."""
    result = ParsedSheet(file_name, sheet.name)
    where = {"file": file_name, "sheet": sheet.name}
    date1904 = sheet.date1904 if date1904 is None else date1904
    grid = _fill_merged(sheet)
    index = current_alias_index()
    if hints.kind:
        index = {hints.kind: index[hints.kind]}
    best = _choose_header(grid, index, result, hints, where)
    if best is None:
        return result
    kind = best.kind
    if kind.shape != "plan" and _sums_other_sheets(sheet, kind.id, index):
        result.problems.warning(
            f"工作表「{sheet.name}」是汇总表，其数据已在各季度工作表中，未导入（避免重复计算）", **where
        )
        return result
    _apply_table_scale(grid, best.rows[0], best.columns, kind)
    result.kind, result.columns = kind.id, best.columns
    result.header_rows = tuple(r + 1 for r in best.rows)
    header_end = best.rows[-1] + 1
    title = " ".join(_title_cells(grid, best.rows[0]))
    if kind.shape == "plan":
        year = hints.year
        if year is None and "year" not in {c.field for c in best.columns}:
            # annual targets: only the year matters (a fixed quarter keeps the quarter out of it)
            year = _decide_period(sheet.name, title, file_name, Hints(quarter=0), result.problems, where).year
        result.frame = _parse_targets(sheet, result, header_end, year, where)
        return result
    mapped = {c.field for c in best.columns if c.field}
    own = frozenset(slot for slot in ("year", "quarter") if slot in mapped)
    period = _decide_period(sheet.name, title, file_name, hints, result.problems, where, own)
    if (
        kind.shape == "snapshot"
        and period.quarter is None
        and "quarter" not in mapped
        and _quarter_sheets_beside(sheet, kind.id, index)
    ):
        _skip_as_total(result, where)
        return result
    result.frame = _parse_rows(sheet, kind, result, header_end, period, hints, date1904, where)
    # what the rows actually used; events go by their dates (the page says so itself)
    result.period_note = "" if kind.shape == "events" else (_sources_note(period.used) or period.note)
    return result


def _choose_header(
    grid: list[list[object]], index: dict[str, dict[str, str]], result: ParsedSheet, hints: Hints, where: dict
) -> _HeaderChoice | None:
    """The best complete header, or None with an error saying why there is none (or two kinds fit)."""
    choices = _candidates(grid, index)
    complete = [c for c in choices if c.score >= 1000]
    if not complete:
        _explain_unknown(result, grid, choices, hints, where)
        return None
    best = complete[0]
    rivals = [c for c in complete if c.kind.id != best.kind.id and c.score == best.score]
    if rivals and not hints.kind:
        names = "、".join(sorted({best.kind.zh, *(c.kind.zh for c in rivals)}))
        result.problems.error(f"无法确定表格类型：表头同时符合 {names}。请手动选择类型", **where)
        return None
    return best


def _skip_as_total(result: ParsedSheet, where: dict) -> None:
    """A sheet without a quarter beside sheets split by quarter is their total: not loaded, and
    not an error (its missing period is no mistake)."""
    result.kind, result.columns, result.header_rows = None, [], ()
    result.problems.items = [p for p in result.problems.items if p.level != "error"]
    result.problems.warning(
        f"工作表「{result.sheet}」没有注明季度，而同一文件的其他工作表按季度分开：视为汇总表，"
        "未导入（避免重复计算）",
        **where,
    )


def _sums_other_sheets(sheet: RawSheet, kind_id: str, index: dict[str, dict[str, str]]) -> bool:
    """A sheet named 汇总 (with no quarter in its name) next to other sheets of the same kind
    repeats their figures: loading it too would count every unit twice."""
    name = values.fold(sheet.name)
    if not _SUMMARY_SHEET.search(name) or values.find_quarter(name) is not None:
        return False
    for other in sheet.book:
        if other is sheet or (
            _SUMMARY_SHEET.search(values.fold(other.name)) and values.find_quarter(other.name) is None
        ):
            continue
        if any(
            c.kind.id == kind_id and c.score >= 1000
            for c in _candidates(_fill_merged(other), {kind_id: index[kind_id]})
        ):
            return True
    return False


def _quarter_sheets_beside(sheet: RawSheet, kind_id: str, index: dict[str, dict[str, str]]) -> bool:
    """Other sheets of the same kind whose names say their quarter (一季度, Q2, …): a sheet
    without a quarter of its own next to them is their total (全年, 2025年, 汇总)."""
    for other in sheet.book:
        if other is sheet or values.find_quarter(other.name) is None:
            continue
        if any(
            c.kind.id == kind_id and c.score >= 1000
            for c in _candidates(_fill_merged(other), {kind_id: index[kind_id]})
        ):
            return True
    return False


def _explain_unknown(
    result: ParsedSheet, grid: list[list[object]], choices: list[_HeaderChoice], hints: Hints, where: dict
) -> None:
    if hints.kind:
        kind = KINDS[hints.kind]
        found = choices[0].columns if choices else []
        mapped = {c.field for c in found if c.field}
        missing = [kind.field(f).zh for f in kind.required if f not in mapped]
        headers = "、".join(c.header for c in found if c.header)
        if not headers:
            row = _found_row(grid)
            headers = "、".join(row[1]) if row else "（未找到表头）"
        result.problems.error(
            f"不是有效的{kind.zh}表：缺少必填列 {'、'.join(missing)}。找到的表头：{headers}", **where
        )
        return
    expected = "；".join(
        f"{k.zh}表需要 {'、'.join(k.field(f).zh for f in k.required)}" for k in KINDS.values()
    )
    if choices:
        best = choices[0]
        headers = "、".join(c.header for c in best.columns if c.header)
        lacking = "、".join(
            best.kind.field(f).zh for f in best.kind.required if f not in {c.field for c in best.columns}
        )
        result.problems.error(
            f"无法识别表格类型：第 {best.rows[0] + 1} 行表头为 {headers}，"
            f"最接近{best.kind.zh}表，但缺少 {lacking}。应为：{expected}",
            **where,
        )
        return
    labels = _found_row(grid)
    shown = f"（第 {labels[0] + 1} 行为：{'、'.join(labels[1][:12])}）" if labels else ""
    result.problems.error(
        f"未找到表头：前 {HEADER_SCAN_ROWS} 行中没有可识别的列名{shown}。应为：{expected}", **where
    )
