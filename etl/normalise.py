"""Raw sheet grids -> canonical rows of one kind, with every problem located.

Steps per sheet: find the header (one row, or two rows with merged group labels above),
map headers to fields, decide the kind, decide the period, then parse each data row,
skipping blank, 合计 and footer rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from etl import values
from etl.dictionary import (ACTIVITY_CATEGORIES, CATEGORY_SYNONYMS, KINDS, WELFARE_CATEGORIES, Kind)
from etl.headers import current_alias_index, find_indicator, header_key, header_scale
from etl.names import clean_name, to_simplified
from etl.problems import ProblemList
from etl.read import RawSheet

HEADER_SCAN_ROWS = 30
_TOTAL_ROW = re.compile(r"^(合计|总计|小计|全市合计|全区合计|总合计|合计数|共计)")
_FOOTER = re.compile(r"^(填表人|填报人|审核人|审核|制表人|制表|负责人|单位负责人|联系人|联系电话|填报日期|填表日期|"
                     r"报送日期|制表日期|注|备注|说明|附注)\s*[:：]?")
_REPORT_DATE = re.compile(r"(填报|填表|报送|制表|打印)(日期|时间)")
_GROUP_SUFFIX = re.compile(r"(情况|状况|统计|信息|基本情况)$")
_CATEGORIES = {"welfare": WELFARE_CATEGORIES, "activities": ACTIVITY_CATEGORIES}


@dataclass
class ColumnMap:
    index: int
    header: str
    field: str | None
    scale: int = 1

    @property
    def note(self) -> str:
        return {10_000: "万元 → 元（×10000）", 1_000: "千元 → 元（×1000）"}.get(self.scale, "")


@dataclass
class ParsedSheet:
    file: str
    sheet: str
    kind: str | None = None
    header_rows: tuple[int, ...] = ()     # 1-based
    columns: list[ColumnMap] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_note: str = ""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)

    @property
    def periods(self) -> list[tuple[int, int]]:
        if self.frame.empty or "quarter" not in self.frame:
            return []
        pairs = self.frame[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"])
        return [(int(y), int(q)) for y, q in pairs.itertuples(index=False)]


@dataclass(frozen=True)
class Hints:
    kind: str | None = None
    year: int | None = None
    quarter: int | None = None


# ---------------------------------------------------------------- header detection

def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell != cell:
        return ""
    return str(cell).strip()


def _fill_merged(sheet: RawSheet) -> list[list[object]]:
    """Copy a merged range's value into every cell it covers (header rows only matter)."""
    rows = [list(r) for r in sheet.rows[: HEADER_SCAN_ROWS + 2]]
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                if not _text(rows[r][c]):
                    rows[r][c] = value
    return rows


def _match(label: str, keys: dict[str, str]) -> str | None:
    return keys.get(header_key(label)) if label else None


def _combined_labels(top: list[object], bottom: list[object], keys: dict[str, str]) -> list[tuple[str, str | None]]:
    """Label and field per column for a two-row header: 职工情况 / 人数 -> 职工人数."""
    out = []
    width = max(len(top), len(bottom))
    for c in range(width):
        t = _text(top[c]) if c < len(top) else ""
        b = _text(bottom[c]) if c < len(bottom) else ""
        candidates = [t + b, _GROUP_SUFFIX.sub("", t) + b, b] if b else [t]
        if b and t == b:
            candidates = [b]
        chosen = next(((lab, f) for lab in candidates if (f := _match(lab, keys))), None)
        out.append(chosen or ((t + "/" + b).strip("/") if t != b else b, None))
    return out


def _map_columns(labels: list[tuple[str, str | None]], kind: Kind, header_text: list[str]) -> list[ColumnMap]:
    columns, seen = [], set()
    for index, (label, field_id) in enumerate(labels):
        if field_id in seen:
            field_id = None  # a second column for the same field is shown as unused
        if field_id:
            seen.add(field_id)
        scale = header_scale(header_text[index]) if field_id and kind.field(field_id).type == "money" else 1
        if label or field_id:
            columns.append(ColumnMap(index, label, field_id, scale))
    return columns


@dataclass
class _HeaderChoice:
    rows: tuple[int, ...]            # 0-based
    kind: Kind
    columns: list[ColumnMap]
    score: int


def _candidates(grid: list[list[object]], index: dict[str, dict[str, str]]) -> list[_HeaderChoice]:
    choices = []
    last = min(len(grid), HEADER_SCAN_ROWS)
    for kind_id, keys in index.items():
        kind = KINDS[kind_id]
        for r in range(last):
            row = grid[r]
            single = [(_text(c), _match(_text(c), keys)) for c in row]
            options = [((r,), single, [_text(c) for c in row])]
            if r + 1 < len(grid):
                below = grid[r + 1]
                combined = _combined_labels(row, below, keys)
                texts = [f"{_text(a)}{_text(b)}" for a, b in zip(row + [""] * len(below), below + [""] * len(row))]
                options.append(((r, r + 1), combined, texts))
            for rows, labels, texts in options:
                cols = _map_columns(labels, kind, texts)
                mapped = {c.field for c in cols if c.field}
                if len(mapped) < 2:
                    continue
                missing = [f for f in kind.required if f not in mapped]
                # complete kinds first, then more mapped fields, then a single header row
                score = (0 if missing else 1000) + len(mapped) * 10 - len(rows)
                choices.append(_HeaderChoice(rows, kind, cols, score))
    return sorted(choices, key=lambda ch: -ch.score)


# ---------------------------------------------------------------- periods

def _signal(text: str) -> tuple[int | None, int | None]:
    return values.find_year(text), values.find_quarter(text)


def _title_text(grid: list[list[object]], header_start: int) -> str:
    cells = []
    for row in grid[:header_start]:
        for cell in row:
            text = _text(cell)
            if text and not _REPORT_DATE.search(text):
                cells.append(text)
    return " ".join(cells)


@dataclass
class _Period:
    year: int | None
    quarter: int | None
    note: str


def _decide_period(sheet_name: str, title: str, file_name: str, hints: Hints,
                   problems: ProblemList, where: dict) -> _Period:
    sources = [("工作表名", sheet_name), ("表格标题", title), ("文件名", file_name)]
    found = {label: _signal(text) for label, text in sources}
    chosen: dict[str, tuple[int | None, str]] = {}
    for slot, pos, hint in (("year", 0, hints.year), ("quarter", 1, hints.quarter)):
        if hint is not None:
            chosen[slot] = (hint, "手动指定")
            continue
        seen = [(label, sig[pos]) for label, sig in found.items() if sig[pos] is not None]
        distinct = {v for _, v in seen}
        if len(distinct) > 1:
            word = "年度" if slot == "year" else "季度"
            listing = "，".join(f"{label}为{v}" for label, v in seen)
            problems.error(f"{word}信号相互矛盾：{listing}。请统一，或手动指定{word}", **where)
            chosen[slot] = (None, "")
        elif seen:
            chosen[slot] = (seen[0][1], seen[0][0])
        else:
            chosen[slot] = (None, "")
    notes = [f"{'年度' if s == 'year' else '季度'}来自{src}" for s, (v, src) in chosen.items() if v is not None]
    return _Period(chosen["year"][0], chosen["quarter"][0], "；".join(notes))


# ---------------------------------------------------------------- row parsing

def _category(kind_id: str, raw: str, problems: ProblemList, where: dict) -> str:
    text = to_simplified(clean_name(raw))
    allowed = _CATEGORIES[kind_id]
    if text in allowed:
        return text
    synonym = CATEGORY_SYNONYMS[kind_id].get(text)
    if synonym:
        return synonym
    for category in allowed:  # 送温暖（春节） -> 送温暖
        if category != "其他" and category in text:
            return category
    problems.warning(f"类别「{raw}」不在标准类别中（{'、'.join(allowed)}），按「其他」统计", **where)
    return "其他"


def _parse_cell(kind: Kind, col: ColumnMap, raw: object, date1904: bool):
    f = kind.field(col.field)  # type: ignore[arg-type]
    if f.type == "int":
        return values.parse_int(raw)
    if f.type == "money":
        return values.parse_money(raw, col.scale)
    if f.type == "date":
        return values.parse_date(raw, date1904)
    if f.type == "number":
        return values.parse_number(raw, percent_ok=True)
    return clean_name(raw) if f.id in ("unit", "parent") else str(raw).strip(), None


def _is_total_or_footer(cells: list[str]) -> str | None:
    first = next((c for c in cells if c), "")
    joined = "".join(cells)
    if _TOTAL_ROW.match(first.replace(" ", "")) or _TOTAL_ROW.match(joined.replace(" ", "")):
        return "合计行"
    if _FOOTER.match(first):
        return "表尾说明"
    return None


def parse_sheet(sheet: RawSheet, file_name: str, hints: Hints = Hints(), date1904: bool = False) -> ParsedSheet:
    result = ParsedSheet(file_name, sheet.name)
    where = {"file": file_name, "sheet": sheet.name}
    grid = _fill_merged(sheet)
    index = current_alias_index()
    if hints.kind:
        index = {hints.kind: index[hints.kind]}
    choices = _candidates(grid, index)
    complete = [c for c in choices if c.score >= 1000]
    if not complete:
        _explain_unknown(result, choices, hints, where)
        return result
    best = complete[0]
    rivals = [c for c in complete if c.kind.id != best.kind.id and c.score == best.score]
    if rivals and not hints.kind:
        names = "、".join(sorted({best.kind.zh, *(c.kind.zh for c in rivals)}))
        result.problems.error(f"无法确定表格类型：表头同时符合 {names}。请手动选择类型", **where)
        return result
    kind = best.kind
    result.kind, result.columns = kind.id, best.columns
    result.header_rows = tuple(r + 1 for r in best.rows)
    header_end = best.rows[-1] + 1
    if kind.shape == "plan":
        result.frame = _parse_targets(sheet, result, header_end, where)
        return result
    period = _decide_period(sheet.name, _title_text(grid, best.rows[0]), file_name, hints, result.problems, where)
    result.period_note = period.note
    result.frame = _parse_rows(sheet, kind, result, header_end, period, hints, date1904, where)
    return result


def _explain_unknown(result: ParsedSheet, choices: list[_HeaderChoice], hints: Hints, where: dict) -> None:
    if hints.kind:
        kind = KINDS[hints.kind]
        found = choices[0].columns if choices else []
        mapped = {c.field for c in found if c.field}
        missing = [kind.field(f).zh for f in kind.required if f not in mapped]
        headers = "、".join(c.header for c in found if c.header) or "（未找到表头）"
        result.problems.error(f"不是有效的{kind.zh}表：缺少必填列 {'、'.join(missing)}。"
                              f"找到的表头：{headers}", **where)
        return
    expected = "；".join(f"{k.zh}表需要 {'、'.join(k.field(f).zh for f in k.required)}" for k in KINDS.values())
    if choices:
        best = choices[0]
        headers = "、".join(c.header for c in best.columns if c.header)
        missing = "、".join(best.kind.field(f).zh for f in best.kind.required
                           if f not in {c.field for c in best.columns})
        result.problems.error(f"无法识别表格类型：第 {best.rows[0] + 1} 行表头为 {headers}，"
                              f"最接近{best.kind.zh}表，但缺少 {missing}。应为：{expected}", **where)
    else:
        result.problems.error(f"未找到表头：前 {HEADER_SCAN_ROWS} 行中没有可识别的列名。应为：{expected}", **where)


def _parse_rows(sheet: RawSheet, kind: Kind, result: ParsedSheet, start: int, period: _Period,
                hints: Hints, date1904: bool, where: dict) -> pd.DataFrame:
    problems = result.problems
    mapped = [c for c in result.columns if c.field]
    unit_col = next(c for c in mapped if c.field == "unit")
    records = []
    for r in range(start, len(sheet.rows)):
        row = sheet.rows[r]
        cells = [_text(c) for c in row]
        if not any(cells):
            continue
        skip = _is_total_or_footer(cells)
        unit_text = cells[unit_col.index] if unit_col.index < len(cells) else ""
        if skip or _TOTAL_ROW.match(unit_text.replace(" ", "")):
            result.skipped.append((r + 1, skip or "合计行"))
            continue
        record: dict[str, object] = {"_row": r + 1}
        row_problems = ProblemList()
        for col in mapped:
            raw = row[col.index] if col.index < len(row) else None
            loc = {**where, "row": r + 1, "column": col.index, "header": col.header}
            if values.is_blank(raw):
                if kind.field(col.field).required and col.field not in ("year", "quarter"):
                    row_problems.error(f"必填项「{kind.field(col.field).zh}」为空", **loc)
                continue
            try:
                if col.field == "year":
                    value, note = values.parse_year(raw), None
                elif col.field == "quarter":
                    value, note = values.parse_quarter(raw), None
                else:
                    value, note = _parse_cell(kind, col, raw, date1904)
            except ValueError as exc:
                row_problems.error(f"{exc}", **loc, value=raw)
                continue
            if note:
                row_problems.warning(note, **loc)
            if col.field == "category":
                value = _category(kind.id, str(value), row_problems, {**loc, "value": raw})
            record[col.field] = value
        if not record.get("unit") and all(k in ("_row", "year", "quarter") for k in record) \
                and not row_problems.errors:
            result.skipped.append((r + 1, "无单位和数据的行"))
            continue
        _assign_period(kind, record, period, hints, row_problems, {**where, "row": r + 1})
        problems.extend(row_problems)
        records.append(record)
    if not records and not problems.errors:
        problems.error("表头下没有数据行", **where)
    frame = pd.DataFrame.from_records(records)
    for f in kind.fields:
        if f.id not in frame:
            frame[f.id] = None
    return frame


def _assign_period(kind: Kind, record: dict, period: _Period, hints: Hints, problems: ProblemList,
                   where: dict) -> None:
    if kind.shape == "events":
        day = record.get("date")
        if not isinstance(day, dt.date):
            return  # the missing date is already reported
        year, quarter = day.year, values.quarter_of(day)
        if period.year is not None and year != period.year:
            problems.error(f"日期 {day:%Y-%m-%d} 不在 {period.year} 年内（{period.note or '年度'}）",
                           **where, value=str(day))
        elif period.quarter is not None and quarter != period.quarter:
            problems.warning(f"日期 {day:%Y-%m-%d} 属于第{quarter}季度，与表格所标第{period.quarter}季度不同，"
                             f"按日期计入第{quarter}季度", **where)
        record["year"], record["quarter"] = year, quarter
        return
    for slot, label in (("year", "年度"), ("quarter", "季度")):
        from_sheet = getattr(period, slot)
        from_hint = getattr(hints, slot)
        in_row = record.get(slot)
        if from_hint is not None:
            record[slot] = from_hint
        elif in_row is not None:
            if from_sheet is not None and in_row != from_sheet:
                problems.error(f"本行{label}为 {in_row}，与{period.note}的 {from_sheet} 矛盾", **where)
        elif from_sheet is not None:
            record[slot] = from_sheet
        else:
            problems.error(f"无法确定{label}：请在表中加入「{label}」列，或在工作表名、标题或文件名中注明"
                           f"（例如 2025年第二季度），或手动指定{label}", **where)


def _parse_targets(sheet: RawSheet, result: ParsedSheet, start: int, where: dict) -> pd.DataFrame:
    records = []
    cols = {c.field: c for c in result.columns if c.field}
    for r in range(start, len(sheet.rows)):
        row = sheet.rows[r]
        cells = [_text(c) for c in row]
        if not any(cells) or _is_total_or_footer(cells):
            continue

        def cell(fid: str) -> object:
            col = cols.get(fid)
            return row[col.index] if col and col.index < len(row) else None

        def loc(fid: str) -> dict:
            col = cols.get(fid)
            return {**where, "row": r + 1, "column": col.index if col else None, "header": col.header if col else ""}

        ind = find_indicator(cell("indicator") or "")
        if ind is None:
            result.problems.error("未知指标（应为入会率、新发展会员等指标名称或指标代码）", **loc("indicator"),
                                  value=cell("indicator"))
            continue
        record: dict[str, object] = {"_row": r + 1, "indicator": ind.id}
        try:
            record["year"] = values.parse_year(cell("year"))
        except ValueError as exc:
            result.problems.error(str(exc), **loc("year"), value=cell("year"))
        unit = cell("unit")
        record["unit"] = None if values.is_blank(unit) else clean_name(str(unit))
        for fid in ("target", "q1", "q2", "q3", "q4"):
            raw = cell(fid)
            if values.is_blank(raw):
                if fid == "target":
                    result.problems.error("目标值为空", **loc(fid))
                continue
            try:
                if ind.measure == "rate":
                    number, note = values.parse_fraction(raw)
                else:
                    number, note = values.parse_number(raw)
                    number *= cols[fid].scale if fid in cols else 1
            except ValueError as exc:
                result.problems.error(f"{exc}", **loc(fid), value=raw)
                continue
            if number < 0:
                result.problems.error("目标值不能为负数", **loc(fid), value=raw)
            if note:
                result.problems.warning(note, **loc(fid))
            record[fid] = number
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=["_row", "year", "indicator", "unit", "target",
                                                        "q1", "q2", "q3", "q4"])
    if frame.empty and not result.problems.errors:
        result.problems.error("表头下没有目标数据行", **where)
    return frame
