"""Data rows: skip blank, 合计, repeated-header, section and footer rows, parse each cell by its
field's type (同上 copies the row above), drop unlabelled sum rows; plain rows go the fast way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from etl.core import values
from etl.core.dictionary import ACTIVITY_CATEGORIES, CATEGORY_SYNONYMS, WELFARE_CATEGORIES, Kind
from etl.core.names import clean_cell_text, clean_name, to_simplified
from etl.core.problems import ProblemList
from etl.ingest import fastrows
from etl.ingest.headers import current_alias_index
from etl.ingest.normalise.cells import (
    _SECTION,
    _TOTAL_ROW,
    _UNIT_MARKER,
    _folded,
    _is_total_or_footer,
    _is_value,
)
from etl.ingest.normalise.frames import _frame_with_plain
from etl.ingest.normalise.header import _match
from etl.ingest.normalise.model import ColumnMap, Hints, ParsedSheet, _Row
from etl.ingest.normalise.periods import _assign_periods, _Period
from etl.ingest.read import RawSheet

_DITTO = ("同上", "〃", '"', "''")
_CATEGORIES = {"welfare": WELFARE_CATEGORIES, "activities": ACTIVITY_CATEGORIES}


def _category(kind_id: str, raw: str, problems: ProblemList, where: dict) -> str:
    text = to_simplified(clean_name(raw)).replace(" ", "")
    allowed = _CATEGORIES[kind_id]
    synonyms = CATEGORY_SYNONYMS[kind_id]
    if text in ("其它", "其他类", "其他项目"):
        return "其他"
    for candidate in (text, re.sub(r"(活动|类|项目)$", "", text)):
        if candidate in allowed:
            return candidate
        if candidate in synonyms:
            return synonyms[candidate]
    for category in allowed:  # 送温暖（春节） -> 送温暖
        if category != "其他" and category in text:
            return category
    for word in sorted(synonyms, key=len, reverse=True):  # 职工志愿服务队 -> 志愿公益
        if len(word) >= 2 and word in text:
            return synonyms[word]
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
    return clean_cell_text(raw, name=f.id in ("unit", "parent"))


def _is_column_numbers(row: list[object]) -> bool:
    """The 栏次 row of a statistics form under its header: 甲 乙 1 2 3 … (or just 1 2 3 …)."""
    numbers, others = [], []
    for cell in row:
        text = _folded(cell)
        if not text:
            continue
        try:
            numbers.append(values.parse_int(cell)[0])
        except ValueError:
            others.append(text)
    if len(numbers) < 2 or any(t not in ("甲", "乙", "丙", "丁", "栏次", "序号", "-") for t in others):
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= 2


def _data_merges(sheet: RawSheet, start: int, columns: list[int]) -> dict[tuple[int, int], object]:
    """Cells of the data rows covered by a merged range, in the columns that name things
    (unit, date, category): a unit merged down over its three disbursements owns all three.
    Numbers are never copied: a merged amount is one amount."""
    filled: dict[tuple[int, int], object] = {}
    for (r0, c0), (r1, c1) in sheet.merged:
        if r1 < start or r0 >= len(sheet.rows) or c0 >= len(sheet.rows[r0]):
            continue
        value = sheet.rows[r0][c0]
        for r in range(max(r0, start), r1 + 1):
            for c in range(c0, c1 + 1):
                if c in columns and (r, c) != (r0, c0):
                    filled[(r, c)] = value
    return filled


def _skip_reason(
    raw_row: list[object],
    cells: list[str],
    unit_text: str,
    mapped: list[ColumnMap],
    keys: dict[str, str],
    near_header: bool,
    in_footer: bool,
) -> str | None:
    """Why a row is no unit's data (合计行, 栏次行, 表尾说明, …), or None for a data row.
    Once a footer has begun, every row without a value belongs to it."""

    def no_values() -> bool:  # only asked when needed: most rows are decided before
        return not any(_is_value(raw_row[c.index]) for c in mapped if c.index < len(raw_row))

    skip = _is_total_or_footer(cells)
    if skip is None and _TOTAL_ROW.match(unit_text):
        skip = "合计行"
    if skip is None and all(_UNIT_MARKER.match(c) for c in cells if c):
        skip = "单位说明行"
    if skip is None and near_header and _is_column_numbers(raw_row):
        skip = "栏次行"
    if skip is None and unit_text and _match(unit_text, keys) == "unit":
        skip = "重复的表头行"
    if skip is None and _SECTION.match(unit_text or next((c for c in cells if c), "")) and no_values():
        skip = "分组标题行"
    if skip is None and in_footer and no_values():
        skip = "表尾说明"
    return skip


def _parse_rows(
    sheet: RawSheet,
    kind: Kind,
    result: ParsedSheet,
    start: int,
    period: _Period,
    hints: Hints,
    date1904: bool,
    where: dict,
) -> pd.DataFrame:
    mapped = [c for c in result.columns if c.field]
    unit_col = next(c for c in mapped if c.field == "unit")
    keys = current_alias_index()[kind.id]
    naming = [
        c.index
        for c in mapped
        if (c.field and kind.field(c.field).type in ("text", "date")) or c.field in ("year", "quarter")
    ]
    merges = _data_merges(sheet, start, naming)
    # plain rows are read column by column; the others, one by one below
    plain = fastrows.plain_block(sheet.rows, kind, mapped, start, {r for r, _ in merges}, keys)
    rows: list[_Row] = []
    in_footer = False
    previous: Mapping[str, object] = {}
    if plain is None:
        others: list[int] = list(range(start, len(sheet.rows)))
        last_plain = None
    else:  # only the rows the fast path left, each knowing the plain row last before it (同上)
        others = (np.flatnonzero(~plain.ok) + start).tolist()
        plain_at = np.where(plain.ok, np.arange(len(plain.ok)), -1)
        last_plain = np.maximum.accumulate(plain_at) if len(plain_at) else plain_at
    done = start - 1  # the last row handled one by one
    for r in others:
        if last_plain is not None and r > start:
            before = int(last_plain[r - start - 1])  # the nearest plain row above this one
            if before >= 0 and before + start > done:
                previous = fastrows.LazyRecord(plain, before + start)  # type: ignore[arg-type]
        done = r
        raw_row = [merges.get((r, c), v) for c, v in enumerate(sheet.rows[r])]
        cells = [_folded(c) for c in raw_row]
        if not any(cells):
            continue
        unit_text = cells[unit_col.index] if unit_col.index < len(cells) else ""
        skip = _skip_reason(raw_row, cells, unit_text, mapped, keys, r < start + 3, in_footer)
        in_footer = in_footer or skip == "表尾说明"
        if skip:
            result.skipped.append((r + 1, skip))
            continue
        parsed = _parse_record(kind, mapped, raw_row, r, previous, date1904, where)
        if parsed is None:
            result.skipped.append((r + 1, "无数据的行"))
            continue
        previous = parsed.record
        rows.append(parsed)
    if plain is not None and plain.position and not _plain_rows_settle(kind, rows, plain, period, hints):
        # a rule that looks at rows one by one applies (a sum row without label, a date
        # outside the period, a missing period): the plain rows join the others
        rows = sorted(rows + _plain_rows(plain), key=lambda row: row.number)
        plain = None
    rows = _drop_unlabelled_sums(rows, kind, result)
    _assign_periods(kind, rows, period, hints, result.problems, where)
    records = []
    for row in rows:
        result.problems.extend(row.problems)
        records.append(row.record)
    if not records and not (plain and plain.position) and not result.problems.errors:
        result.problems.error("表头下没有数据行", **where)
    if plain is not None and plain.position:
        return _frame_with_plain(kind, records, plain, period, hints)
    frame = pd.DataFrame.from_records(records)
    for f in kind.fields:
        if f.id not in frame:
            frame[f.id] = None
    return frame


def _plain_rows(plain: fastrows.PlainBlock) -> list[_Row]:
    return [_Row(r + 1, plain.record(r), ProblemList(), True) for r in plain.position]


def _plain_rows_settle(
    kind: Kind, rows: list[_Row], plain: fastrows.PlainBlock, period: _Period, hints: Hints
) -> bool:
    """Whether the plain rows can keep their column form: no row-by-row rule would touch them.
    (Sums are compared with unlabelled rows; periods are checked against each row.)"""
    if not all(row.labelled for row in rows):
        return False
    cols = plain.columns
    if kind.shape == "events":
        if period.year is None and period.quarter is None:
            return True
        days: list[dt.date] = list(cols["date"]) if "date" in cols else []
        return all(
            (period.year is None or d.year == period.year)
            and (period.quarter is None or values.quarter_of(d) == period.quarter)
            for d in days
        )
    if "paid_on" in {f.id for f in kind.fields} and period.quarter is None and hints.quarter is None:
        return False  # the quarter may come from the payment dates of all rows
    for slot in ("year", "quarter"):
        if getattr(hints, slot) is not None:
            continue
        from_sheet = getattr(period, slot)
        in_rows = cols.get(slot, [None] * len(plain.position))
        if from_sheet is None and any(v is None for v in in_rows):
            return False  # each such row is told it has no period
        if from_sheet is not None and any(v is not None and v != from_sheet for v in in_rows):
            return False
    return True


def _parse_record(
    kind: Kind,
    mapped: list[ColumnMap],
    row: list[object],
    r: int,
    previous: Mapping[str, object],
    date1904: bool,
    where: dict,
) -> _Row | None:
    """One data row -> its record and problems; None for a row with nothing in any mapped column."""
    record: dict[str, object] = {"_row": r + 1}
    problems = ProblemList()
    cells = {c.field: (row[c.index] if c.index < len(row) else None) for c in mapped}
    if all(values.is_blank(v) for v in cells.values()):
        return None
    for col in mapped:
        field_id = str(col.field)
        raw = cells[field_id]
        loc = {**where, "row": r + 1, "column": col.index, "header": col.header}
        if isinstance(raw, str) and raw.strip() in _DITTO and field_id in previous:
            record[field_id] = previous[field_id]  # 同上: the value of the row above
            continue
        if values.is_blank(raw):
            if kind.field(field_id).required and field_id not in ("year", "quarter"):
                problems.error(f"必填项「{kind.field(field_id).zh}」为空", **loc)
            continue
        value: object
        try:
            if field_id == "year":
                value, note = values.parse_year(raw), None
                _period_in_text(raw, record, "quarter")
            elif field_id == "quarter":
                value, note = values.parse_quarter(raw), None
                _period_in_text(raw, record, "year")
            else:
                value, note = _parse_cell(kind, col, raw, date1904)
        except ValueError as exc:
            problems.error(f"{exc}", **loc, value=raw)
            continue
        if note:
            problems.warning(note, **loc)
        if field_id == "category":
            value = _category(kind.id, str(value), problems, {**loc, "value": raw})
        record[field_id] = value
    for slot, label in (("year", "年度"), ("quarter", "季度")):
        implied = record.pop(f"_{slot}_in_text", None)
        if implied is not None and record.get(slot, implied) != implied:
            problems.error(f"本行{label}列与另一列所写的{label}（{implied}）矛盾", **where, row=r + 1)
        elif implied is not None:
            record[slot] = implied
    labelled = bool(record.get("unit")) or isinstance(record.get("date"), dt.date)
    return _Row(r + 1, record, problems, labelled)


def _period_in_text(raw: object, record: dict, slot: str) -> None:
    """报告期「2025年第二季度」 in a 季度 column also gives the year (and a 年度 cell the quarter)."""
    if isinstance(raw, str):
        found = values.find_year(raw) if slot == "year" else values.find_quarter(raw)
        if found is not None:
            record[f"_{slot}_in_text"] = found


def _drop_unlabelled_sums(rows: list[_Row], kind: Kind, result: ParsedSheet) -> list[_Row]:
    """A row with no unit and no 合计 label whose numbers are the sums of the other rows is a
    totals row (a SUM formula under the table): skipped, not reported as a unit without a name."""
    if all(row.labelled for row in rows):
        return rows
    numeric = [f.id for f in kind.fields if f.type in ("int", "money") and f.id not in ("year",)]
    named = [row for row in rows if row.labelled]
    kept = []
    for row in rows:
        present = [f for f in numeric if isinstance(row.record.get(f), (int, float, Decimal))]
        if row.labelled or not present or len(named) < 2:
            kept.append(row)
            continue
        sums = {
            f: sum(Decimal(str(x.record[f])) for x in named if x.record.get(f) is not None) for f in present
        }
        if all(abs(Decimal(str(row.record[f])) - sums[f]) < Decimal("0.01") for f in present):
            result.skipped.append((row.number, "合计行（无标签，数值等于各行之和）"))
            continue
        kept.append(row)
    return kept
