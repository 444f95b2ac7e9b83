"""The period of a sheet and of each row: a manual hint, the row's own 年度/季度 cells, else the sheet
name, title or file name; events go by their dates, dues without a period by their payment dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from etl.core import values
from etl.core.dictionary import Kind
from etl.core.problems import ProblemList
from etl.ingest.normalise.cells import _is_date, _text
from etl.ingest.normalise.model import Hints, _Row

_REPORT_DATE = re.compile(r"(填报|填表|报送|报出|制表|打印|编制|审核)(日期|时间)|^日期\s*[:：]")


# the label and the date after it: 填报日期：2025年7月5日, 填表时间:2025-07-05
_REPORT_DATE_VALUE = re.compile(
    r"(?:(?:填报|填表|报送|报出|制表|打印|编制|审核)(?:日期|时间)|^日期)"
    r"\s*[:：]?\s*[\d\s年月日号./\-]*"
)


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
