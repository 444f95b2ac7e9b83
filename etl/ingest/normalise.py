"""Raw sheet grids -> canonical rows of one kind, with every problem located.

Steps per sheet: find the header (one row, or two rows with group labels above — merged
in Excel, written once above the first sub-column in a CSV — or a row of units below),
map headers to fields, decide the kind, decide the period, then parse each data row,
skipping blank, 合计, repeated-header and footer rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from etl.core import values
from etl.core.dictionary import ACTIVITY_CATEGORIES, CATEGORY_SYNONYMS, KINDS, WELFARE_CATEGORIES, Kind
from etl.core.names import clean_cell_text, clean_name, to_simplified
from etl.core.problems import ProblemList
from etl.ingest import fastrows
from etl.ingest.headers import (
    current_alias_index,
    find_indicator,
    header_key,
    header_scale,
    loose_header_key,
    table_scale,
)
from etl.ingest.read import RawSheet

HEADER_SCAN_ROWS = 30
# 合计, 总 计, 全市合计, 合计（3家）, 其中：非公企业 — rows that add up other rows, never a unit
_TOTAL_ROW = re.compile(r"^(?:.{0,6}?(?:合计|总计|小计|共计|总合计)(?:数|行)?|其中)(?:$|[:(\[【])")
# footer labels (texts are folded: no spaces, half-width colons); short words need a colon
# or a number after them, so that 注册会计师协会工会 or 审计局工会 stay units
_FOOTER = re.compile(
    r"^(?:填表人|填报人|审核人|制表人|负责人|单位负责人|联系人|联系电话|联系方式|"
    r"填报日期|填表日期|报送日期|制表日期|审核日期|(?:注|备注|说明|附注|审核|制表|填报单位|报送单位|制表单位|"
    r"盖章|单位盖章|签字|签名)(?:[:(\d]|$))"
)
# numbered notes under a table: 1. 本表…, 2、…, （1）…, ※…
_NOTE_LINE = re.compile(r"^(?:\d{1,2}[、.]|[(]\d{1,2}[)]|[*※])\D")
# 一、市直机关 / （二）企业: a heading that groups the units below it
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.]|[(][一二三四五六七八九十]{1,3}[)]|"
    r"第[一二三四五六七八九十]+[部类组片])"
)
_REPORT_DATE = re.compile(r"(填报|填表|报送|报出|制表|打印|编制|审核)(日期|时间)|^日期\s*[:：]")
# the label and the date after it: 填报日期：2025年7月5日, 填表时间:2025-07-05
_REPORT_DATE_VALUE = re.compile(
    r"(?:(?:填报|填表|报送|报出|制表|打印|编制|审核)(?:日期|时间)|^日期)"
    r"\s*[:：]?\s*[\d\s年月日号./\-]*"
)
_GROUP_SUFFIX = re.compile(r"(基本情况|情况|状况|统计|信息)$")
_UNIT_MARKER = re.compile(
    r"^[(\[【]?\s*(万元|千元|元|人|人次|家|个|户|次|项|场|%|单位[:：]\s*\S+)"
    r"\s*[)\]】]?$"
)
# a sheet that sums the others: 汇总, 合计, 全年累计 (a name without a quarter of its own)
_SUMMARY_SHEET = re.compile(r"汇总|合计|总计|总表|全年|累计")
# sub-labels that add nothing to the group label above them
_GENERIC_SUB = re.compile(r"^(合计|小计|总计|计|总数|总量|数量|数|实数|本期|本季度|本季)$")
_DITTO = ("同上", "〃", '"', "''")
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
    header_rows: tuple[int, ...] = ()  # 1-based
    columns: list[ColumnMap] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_note: str = ""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)

    @property
    def periods(self) -> list[tuple[int, int]]:
        if self.frame.empty or "quarter" not in self.frame:
            return []
        pairs = self.frame[["year", "quarter"]].dropna().drop_duplicates().sort_values(["year", "quarter"])
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


def _folded(cell: object) -> str:
    """Text for recognising row types: widths folded, no spaces (合　计 -> 合计), Simplified."""
    if not isinstance(cell, str):
        return _text(cell)
    return _folded_text(cell)


@lru_cache(maxsize=65536)
def _folded_text(text: str) -> str:
    return to_simplified(values.fold(text)).replace(" ", "")


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
    if not label:
        return None
    return keys.get(header_key(label)) or keys.get(loose_header_key(label))


def _spread_groups(top: list[object], bottom: list[object]) -> list[str]:
    """A group label written once above the first of its sub-columns (no merge: CSV, or a
    hand-made table) also stands above the sub-columns to its right."""
    width = max(len(top), len(bottom))
    texts = [_text(top[c]) if c < len(top) else "" for c in range(width)]
    below = [_text(bottom[c]) if c < len(bottom) else "" for c in range(width)]
    for c in range(1, width):
        if not texts[c] and below[c] and below[c - 1] and texts[c - 1]:
            texts[c] = texts[c - 1]
    return texts


def _combined_labels(
    top: list[object], bottom: list[object], keys: dict[str, str]
) -> list[tuple[str, str | None]]:
    """Label and field per column for a two-row header: 职工情况 / 人数 -> 职工人数,
    会费（元）/ 应缴 -> 应缴会费, 会员 / 新发展 -> 新发展会员, 职工人数 / 其中：女 -> 女职工人数."""
    out: list[tuple[str, str | None]] = []
    tops = _spread_groups(top, bottom)
    for c, t in enumerate(tops):
        b = _text(bottom[c]) if c < len(bottom) else ""
        group = _GROUP_SUFFIX.sub("", header_key(t)) if t else ""
        if not b or t == b:
            candidates = [b or t]
        else:
            candidates = [t + b, group + b, b + t, b + group, b]
            if _GENERIC_SUB.match(header_key(b)):
                candidates.append(t)  # 职工人数 / 合计: the sub-column is the group itself
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


def _is_value(cell: object) -> bool:
    """A number or a date: what data rows hold and header rows do not."""
    if isinstance(cell, (int, float, dt.date)) and not isinstance(cell, bool):
        return _text(cell) != ""
    if not isinstance(cell, str) or not cell.strip():
        return False
    for parse in (values.parse_number, values.parse_date):
        try:
            parse(cell)
            return True
        except ValueError:
            continue
    return False


def _is_date(cell: object) -> bool:
    if isinstance(cell, dt.date):
        return True
    try:
        values.parse_date(cell)
        return isinstance(cell, str)
    except ValueError:
        return False


def _header_like(top: list[object], bottom: list[object]) -> bool:
    """The row below a header row is header too (sub-labels, or units like （人）/（万元））:
    it has text but no number or date, under a row of several different labels."""
    if len({_text(c) for c in top if _text(c)}) < 2 or any(_is_value(c) for c in top if _text(c)):
        return False  # a title merged across, or a data row: not a header
    cells = [c for c in bottom if _text(c)]
    return len(cells) >= 2 and not any(_is_value(c) or _TOTAL_ROW.match(_folded(c)) for c in cells)


@dataclass
class _HeaderChoice:
    rows: tuple[int, ...]  # 0-based
    kind: Kind
    columns: list[ColumnMap]
    score: int  # 1000 for a complete kind, + 10 per mapped field

    @property
    def order(self) -> tuple:
        # best first: complete, most fields, the earliest header (a header repeated for the
        # second printed page is not the header), then two rows over one
        return (-self.score, self.rows[0], -len(self.rows))


def _option(
    rows: tuple[int, ...], labels: list[tuple[str, str | None]], texts: list[str], kind: Kind
) -> _HeaderChoice:
    cols = _map_columns(labels, kind, texts)
    mapped = {c.field for c in cols if c.field}
    # a targets sheet may leave its year to the title or file name (2025年度目标.xlsx)
    required = [f for f in kind.required if not (kind.shape == "plan" and f == "year")]
    complete = all(f in mapped for f in required)
    return _HeaderChoice(rows, kind, cols, (1000 if complete else 0) + len(mapped) * 10)


def _candidates(grid: list[list[object]], index: dict[str, dict[str, str]]) -> list[_HeaderChoice]:
    """Every plausible header (one row, or two) of every kind, best first."""
    choices = []
    last = min(len(grid), HEADER_SCAN_ROWS)
    header_like = {r: r + 1 < len(grid) and _header_like(grid[r], grid[r + 1]) for r in range(last)}
    for kind_id, keys in index.items():
        kind = KINDS[kind_id]
        singles = [
            _option(
                (r,), [(_text(c), _match(_text(c), keys)) for c in grid[r]], [_text(c) for c in grid[r]], kind
            )
            for r in range(min(len(grid), last + 1))
        ]
        choices += [ch for ch in singles[:last] if ch.score >= 20]
        for r in range(min(last, len(grid) - 1)):
            top, below = grid[r], grid[r + 1]
            tops = _spread_groups(top, below)
            texts = [f"{t}{_text(below[c]) if c < len(below) else ''}" for c, t in enumerate(tops)]
            pair = _option((r, r + 1), _combined_labels(top, below, keys), texts, kind)
            # two rows only when the second adds to the first: more fields (職工情况 / 人数),
            # or sub-labels and units that are no header alone (（人）/（万元）)
            adds = pair.score > max(singles[r].score, singles[r + 1].score)
            subordinate = header_like[r] and singles[r + 1].score < 20 and pair.score >= singles[r].score
            if pair.score >= 20 and (adds or subordinate):
                choices.append(pair)
    return sorted(choices, key=lambda ch: ch.order)


def _apply_table_scale(
    grid: list[list[object]], header_start: int, columns: list[ColumnMap], kind: Kind
) -> None:
    """「金额单位：万元」 written above the table scales the money columns whose own header
    names no unit."""
    scale = None
    for row in grid[:header_start]:
        for cell in row:
            found = table_scale(_text(cell)) if _text(cell) else None
            scale = found if found is not None else scale
    if not scale or scale == 1:
        return
    for col in columns:
        if col.field and kind.field(col.field).type == "money" and col.scale == 1 and "元" not in col.header:
            col.scale = scale


# ---------------------------------------------------------------- periods


def _title_cells(grid: list[list[object]], header_start: int) -> list[str]:
    """Text above the header that may name the period — without any 填报日期: the day a
    sheet was filled in is not the period it reports. A date typed into a cell of its own
    (usually the value next to a 「填报日期：」 label) is left out too."""
    cells = []
    for row in grid[:header_start]:
        for cell in row:
            text = _text(cell)
            if not text or _is_date(cell):
                continue
            folded = values.fold(text)
            if _REPORT_DATE.search(folded):
                text = _REPORT_DATE_VALUE.sub(" ", folded).strip()  # the title may share the cell
            if text and not _REPORT_DATE.search(text):
                cells.append(text)
    return list(dict.fromkeys(cells))  # a merged title is filled into every cell it covers


_SLOT_LABEL = {"year": "年度", "quarter": "季度"}
HINT_SOURCE = "手动指定"
COLUMN_SOURCE = "column"  # the row's own 年度/季度 cell


def _period_text(slot: str, value: object) -> str:
    return f"{value}年" if slot == "year" else f"第{value}季度"


@dataclass
class _Period:
    """The period a sheet's name, title or file name speak of, and what the rows made of it.

    The sheet's own 年度/季度 columns win over the names: a file copied from last quarter
    keeps its old name far more often than its rows keep an old year.
    """

    year: int | None
    quarter: int | None
    note: str  # where year and quarter came from, before the rows are read
    # slot -> where its value came from: 文件名「2025年第二季度.xlsx」, 手动指定, 缴纳日期
    sources: dict[str, str] = field(default_factory=dict)
    # slot -> 工作表名「三季度」为第3季度，文件名「…」为第2季度 (names that contradict each other)
    conflicts: dict[str, str] = field(default_factory=dict)
    # filled while rows are assigned: slot -> sources used, in order (COLUMN_SOURCE for a row's own cell)
    used: dict[str, list[str]] = field(default_factory=dict)
    # slot -> (value in the rows, value of the names) -> row numbers where they differ
    overridden: dict[str, dict[tuple[object, object], list[int]]] = field(default_factory=dict)

    def value(self, slot: str) -> int | None:
        return self.year if slot == "year" else self.quarter

    def use(self, slot: str, source: str) -> None:
        used = self.used.setdefault(slot, [])
        if source not in used:
            used.append(source)


def _decide_period(
    sheet_name: str,
    title: str,
    file_name: str,
    hints: Hints,
    problems: ProblemList,
    where: dict,
    own_columns: frozenset[str] = frozenset(),
) -> _Period:
    """Year and quarter from a manual hint, else from the sheet name, title and file name.

    Names that contradict each other are an error — unless the sheet has a column of its
    own for that slot: its rows then say the period, and only a row with an empty cell needs
    the names (and gets the error; see _snapshot_period)."""
    sources = [("工作表名", sheet_name), ("表格标题", title), ("文件名", file_name)]
    found: dict[str, tuple[str, int | None, int | None]] = {
        label: (text, values.find_year(text), values.find_quarter(text)) for label, text in sources
    }
    period = _Period(None, None, "")
    for slot, hint in (("year", hints.year), ("quarter", hints.quarter)):
        word = _SLOT_LABEL[slot]
        if hint is not None:
            setattr(period, slot, hint)
            period.sources[slot] = HINT_SOURCE
            continue
        seen = [
            (label, sig[0], value)
            for label, sig in found.items()
            if (value := sig[1] if slot == "year" else sig[2]) is not None
        ]
        if len({v for _, _, v in seen}) > 1:
            listing = "，".join(f"{label}「{text}」为{_period_text(slot, v)}" for label, text, v in seen)
            period.conflicts[slot] = listing
            if slot not in own_columns:
                problems.error(
                    f"无法确定{word}：{listing}，两者矛盾。请把它们改成一致，或手动指定{word}", **where
                )
        elif seen:
            label, text, value = seen[0]
            setattr(period, slot, value)
            period.sources[slot] = f"{label}「{text}」"
    period.note = _sources_note({slot: [source] for slot, source in period.sources.items()})
    return period


def _sources_note(used: dict[str, list[str]]) -> str:
    """Where year and quarter came from, for the page:
    {'year': ['column', '文件名「x」'], 'quarter': ['column']}
    -> '年度来自表中「年度」列（该列为空的行取自文件名「x」）；季度来自表中「季度」列'."""
    slots = [slot for slot in _SLOT_LABEL if used.get(slot)]
    if len(slots) == 2 and used["year"] == used["quarter"]:
        return "年度、季度" + _sources_phrase(used["year"], "「年度」「季度」列", "这两列")
    return "；".join(
        _SLOT_LABEL[slot] + _sources_phrase(used[slot], f"「{_SLOT_LABEL[slot]}」列", "该列")
        for slot in slots
    )


def _sources_phrase(sources: list[str], columns: str, those: str) -> str:
    def name(source: str) -> str:
        return f"表中{columns}" if source == COLUMN_SOURCE else source

    first, rest = sources[0], "、".join(name(s) for s in sources[1:])
    text = "为手动指定" if first == HINT_SOURCE else f"来自{name(first)}"
    if rest:
        text += f"（{those}为空的行取自{rest}）" if first == COLUMN_SOURCE else f"（部分行来自{rest}）"
    return text


def _overridden_warnings(period: _Period, problems: ProblemList, where: dict) -> None:
    """One warning per slot for rows whose own 年度/季度 differs from the names: said once,
    with the rows, since the rows' value is the one loaded."""
    for slot, pairs in period.overridden.items():
        word = _SLOT_LABEL[slot]
        for (in_rows, named), numbers in pairs.items():
            listed = "、".join(str(n) for n in numbers[:10])
            shown = f"第 {listed} 行" if len(numbers) <= 10 else f"第 {listed} 等 {len(numbers)} 行"
            in_text, named_text = _period_text(slot, in_rows), _period_text(slot, named)
            problems.warning(
                f"{shown}的「{word}」为{in_text}，与{period.sources[slot]}所写的{named_text}不同："
                f"已按表中「{word}」列导入为{in_text}。如果表中的{word}填错了，请改正后重新上传",
                **where,
            )


# ---------------------------------------------------------------- row parsing


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


def _is_total_or_footer(cells: list[str]) -> str | None:
    """合计行 or 表尾说明 from the row's texts (as _folded gives them)."""
    texts = [c for c in cells if c]
    first = texts[0] if texts else ""
    if _TOTAL_ROW.match(first) or (
        len(texts) > 1 and _TOTAL_ROW.match(texts[1]) and re.fullmatch(r"\d{1,4}", first)
    ):
        return "合计行"
    if _FOOTER.match(first):
        return "表尾说明"
    if _NOTE_LINE.match(first) and len(texts) <= 2:
        return "表尾说明"
    return None


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


def parse_sheet(
    sheet: RawSheet, file_name: str, hints: Hints = Hints(), date1904: bool | None = None
) -> ParsedSheet:
    result = ParsedSheet(file_name, sheet.name)
    where = {"file": file_name, "sheet": sheet.name}
    date1904 = sheet.date1904 if date1904 is None else date1904
    grid = _fill_merged(sheet)
    index = current_alias_index()
    if hints.kind:
        index = {hints.kind: index[hints.kind]}
    choices = _candidates(grid, index)
    complete = [c for c in choices if c.score >= 1000]
    if not complete:
        _explain_unknown(result, grid, choices, hints, where)
        return result
    best = complete[0]
    rivals = [c for c in complete if c.kind.id != best.kind.id and c.score == best.score]
    if rivals and not hints.kind:
        names = "、".join(sorted({best.kind.zh, *(c.kind.zh for c in rivals)}))
        result.problems.error(f"无法确定表格类型：表头同时符合 {names}。请手动选择类型", **where)
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
        result.kind, result.columns, result.header_rows = None, [], ()
        result.problems.items = [p for p in result.problems.items if p.level != "error"]
        result.problems.warning(
            f"工作表「{sheet.name}」没有注明季度，而同一文件的其他工作表按季度分开：视为汇总表，"
            "未导入（避免重复计算）",
            **where,
        )
        return result
    result.frame = _parse_rows(sheet, kind, result, header_end, period, hints, date1904, where)
    # what the rows actually used; events go by their dates (the page says so itself)
    result.period_note = "" if kind.shape == "events" else (_sources_note(period.used) or period.note)
    return result


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


def _found_row(grid: list[list[object]]) -> tuple[int, list[str]] | None:
    """The row of the first 30 with the most labels (text, not numbers): what the user's header is."""
    best = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        labels = [_text(c) for c in row if _text(c) and not _is_value(c)]
        labels = list(dict.fromkeys(labels))
        if len(labels) >= 2 and (best is None or len(labels) > len(best[1])):
            best = (r, labels)
    return best


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


@dataclass
class _Row:
    number: int  # 1-based
    record: dict[str, object]
    problems: ProblemList
    labelled: bool  # has a unit (or any text) naming what it is


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
        skip = _is_total_or_footer(cells)
        if skip is None and _TOTAL_ROW.match(unit_text):
            skip = "合计行"
        if skip is None and all(_UNIT_MARKER.match(c) for c in cells if c):
            skip = "单位说明行"
        if skip is None and r < start + 3 and _is_column_numbers(raw_row):
            skip = "栏次行"
        if skip is None and unit_text and _match(unit_text, keys) == "unit":
            skip = "重复的表头行"
        if (
            skip is None
            and _SECTION.match(unit_text or next((c for c in cells if c), ""))
            and not any(_is_value(raw_row[c.index]) for c in mapped if c.index < len(raw_row))
        ):
            skip = "分组标题行"
        if skip == "表尾说明":
            in_footer = True
        if (
            skip is None
            and in_footer
            and not any(_is_value(raw_row[c.index]) for c in mapped if c.index < len(raw_row))
        ):
            skip = "表尾说明"
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


def _frame_with_plain(
    kind: Kind, records: list[dict], plain: fastrows.PlainBlock, period: _Period, hints: Hints
) -> pd.DataFrame:
    """The frame of the slow records and the plain rows together, in sheet order, with the
    periods _assign_periods would have given the plain rows; column types as
    DataFrame.from_records infers them from the same values."""
    cols = dict(plain.columns)
    count = len(plain.position)
    if kind.shape == "events":
        days: list[dt.date] = cols["date"].tolist()
        cols["year"] = np.array([d.year for d in days], dtype=float)
        cols["quarter"] = np.array([values.quarter_of(d) for d in days], dtype=float)
    else:
        for slot in ("year", "quarter"):
            hint, from_sheet = getattr(hints, slot), getattr(period, slot)
            given = cols.get(slot)
            if hint is not None or given is None:
                cols[slot] = np.full(count, hint if hint is not None else from_sheet, dtype=float)
            else:
                cols[slot] = np.where(np.isnan(given), from_sheet, given)
    names = ["_row", *(n for n in cols if n not in ("year", "quarter")), "year", "quarter"]
    for record in records:
        names += [k for k in record if k not in names]
    plain_rows = np.fromiter(plain.position, np.int64, count) + 1
    if not records:  # the usual big sheet: every data row plain, columns as they are
        data: dict[str, object] = {"_row": plain_rows}
        for name in names[1:]:
            column = cols[name]
            whole = column.dtype.kind == "f" and not np.isnan(column).any()
            data[name] = column.astype(np.int64) if whole else column
        frame = pd.DataFrame(data)
        strings = [n for n in names if frame[n].dtype == object]
        frame[strings] = frame[strings].infer_objects()
    else:
        frame = _merged_frame(names, cols, plain_rows, records)
    for f in kind.fields:
        if f.id not in frame:
            frame[f.id] = None
    return frame


def _merged_frame(
    names: list[str], cols: dict[str, np.ndarray], plain_rows: np.ndarray, records: list[dict]
) -> pd.DataFrame:
    slow_rows = np.array([int(str(rec["_row"])) for rec in records], dtype=np.int64)
    total = len(plain_rows) + len(records)
    at = np.searchsorted(np.sort(np.concatenate([plain_rows, slow_rows])), plain_rows)
    slow_at = np.setdiff1d(np.arange(total), at, assume_unique=True)
    data: dict[str, np.ndarray] = {}
    for name in names:
        out = np.full(total, np.nan, dtype=object)
        if name == "_row":
            out[at], out[slow_at] = plain_rows, slow_rows
        elif name in cols:
            fast = cols[name]
            if fast.dtype.kind == "f":
                out[at] = [np.nan if v != v else int(v) for v in fast.tolist()]
            else:
                out[at] = np.where(pd.isna(fast), np.nan, fast)
        if name != "_row" and records:
            out[slow_at] = fastrows.as_objects([rec.get(name, np.nan) for rec in records])
        data[name] = out
    return pd.DataFrame(data).infer_objects()


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


def _assign_periods(
    kind: Kind, rows: list[_Row], period: _Period, hints: Hints, problems: ProblemList, where: dict
) -> None:
    if kind.shape == "events":
        for row in rows:
            _event_period(row, period, hints, {**where, "row": row.number})
        return
    dated = _period_from_payment_dates(kind, rows, period, hints, problems, where)
    for row in rows:
        _snapshot_period(row, dated, hints, {**where, "row": row.number})
    period.used, period.overridden = dated.used, dated.overridden  # the caller's period shows the note
    _overridden_warnings(dated, problems, where)


def _event_period(row: _Row, period: _Period, hints: Hints, where: dict) -> None:
    """Each event counts in the quarter of its date. The date is checked against the period
    the row says (its 年度/季度 cells) or else the sheet names: a date far from it is an error
    (a typo), a neighbouring quarter only a warning."""
    record, problems = row.record, row.problems
    day = record.get("date")
    if not isinstance(day, dt.date):
        return  # the missing date is already reported
    expected: dict[str, tuple[int | None, str]] = {}
    for slot in ("year", "quarter"):
        own = record.get(slot)
        if getattr(hints, slot) is None and isinstance(own, int):
            expected[slot] = (own, f"本行「{_SLOT_LABEL[slot]}」列")
        else:
            expected[slot] = (period.value(slot), period.sources.get(slot, ""))
    (want_year, year_source), (want_quarter, quarter_source) = expected["year"], expected["quarter"]
    year, quarter = day.year, values.quarter_of(day)
    if want_year is not None and year != want_year:
        near = want_quarter is not None and abs((year * 4 + quarter) - (want_year * 4 + want_quarter)) <= 1
        if near:
            problems.warning(
                f"日期 {day:%Y-%m-%d} 不在{year_source}所写的 {want_year} 年内，"
                f"按日期计入{year}年第{quarter}季度",
                **where,
            )
        else:
            problems.error(
                f"日期 {day:%Y-%m-%d} 不在{year_source}所写的 {want_year} 年内，请核对日期或年度",
                **where,
                value=str(day),
            )
    elif want_quarter is not None and quarter != want_quarter:
        problems.warning(
            f"日期 {day:%Y-%m-%d} 属于第{quarter}季度，与{quarter_source}所写的第{want_quarter}季度不同，"
            f"按日期计入第{quarter}季度",
            **where,
        )
    record["year"], record["quarter"] = year, quarter


def _period_from_payment_dates(
    kind: Kind, rows: list[_Row], period: _Period, hints: Hints, problems: ProblemList, where: dict
) -> _Period:
    """A dues sheet that names no period anywhere but whose 缴纳日期 all fall in one quarter
    is that quarter's sheet (said in a warning)."""
    if period.quarter is not None or hints.quarter is not None or period.conflicts.get("quarter"):
        return period
    if "paid_on" not in {f.id for f in kind.fields}:
        return period
    if any("quarter" in row.record for row in rows):
        return period
    days = [day for row in rows if isinstance(day := row.record.get("paid_on"), dt.date)]
    found = {(d.year, values.quarter_of(d)) for d in days}
    if len(found) != 1:
        return period
    year, quarter = found.pop()
    if period.year is not None and period.year != year:
        return period
    problems.warning(f"表中没有注明统计期，已按缴纳日期计入{year}年第{quarter}季度，请核实", **where)
    sources = {"year": period.sources.get("year", "缴纳日期"), "quarter": "缴纳日期"}
    note = _sources_note({slot: [source] for slot, source in sources.items()})
    return _Period(year, quarter, note, sources, dict(period.conflicts))


def _snapshot_period(row: _Row, period: _Period, hints: Hints, where: dict) -> None:
    """A manual hint, else the row's own 年度/季度 cell, else the sheet names (see _Period)."""
    record, problems = row.record, row.problems
    for slot, label in _SLOT_LABEL.items():
        from_names = period.value(slot)
        in_row = record.get(slot)
        if getattr(hints, slot) is not None:
            record[slot] = getattr(hints, slot)
            period.use(slot, HINT_SOURCE)
        elif in_row is not None:
            period.use(slot, COLUMN_SOURCE)
            if from_names is not None and in_row != from_names:
                period.overridden.setdefault(slot, {}).setdefault((in_row, from_names), []).append(row.number)
        elif from_names is not None:
            record[slot] = from_names
            period.use(slot, period.sources[slot])
        elif slot in period.conflicts:
            problems.error(
                f"无法确定{label}：本行「{label}」为空，而{period.conflicts[slot]}，两者矛盾。"
                f"请在本行填写{label}，或把它们改成一致",
                **where,
            )
        else:
            problems.error(
                f"无法确定{label}：本行没有填写{label}，工作表名、标题和文件名中也没有写明。"
                f"请在表中加入「{label}」列，或在文件名中注明（例如 2025年第二季度），或手动指定{label}",
                **where,
            )


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
