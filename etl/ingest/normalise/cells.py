"""Reading cells: text as written and folded for recognising row types (合计, 表尾说明, values)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from etl.core import values
from etl.core.names import to_simplified

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


_UNIT_MARKER = re.compile(
    r"^[(\[【]?\s*(万元|千元|元|人|人次|家|个|户|次|项|场|%|单位[:：]\s*\S+)"
    r"\s*[)\]】]?$"
)


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
