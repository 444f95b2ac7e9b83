"""Cell values as offices type them -> numbers, dates and quarters.

Each parser returns (value, note) where note is None for a clean value, a warning text
for an accepted approximation, or raises ValueError with what was expected. Nothing but
ValueError ever escapes a parser, whatever the cell holds.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Scale words and unit words people append to numbers: 1.2万, 5万元, 80人, 3家, 12人次.
_SCALE = {"万": 10_000, "千": 1_000, "亿": 100_000_000, "百万": 1_000_000}
_UNITS = ("人次", "元", "人", "家", "次", "个", "户", "项", "场", "名", "份", "件", "所", "位", "期", "批")
# 约80人, 80余人, 80多人, 80人左右, 近80, 逾80 are approximations; 共80人 is exact.
_NUMBER = re.compile(
    r"^(?P<pre>约|大约|近|将近|逾|超过|不少于|≈|~)?(?P<exact>共计|共|合计)?"
    r"(?P<sign>[-+])?(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,2})?)"
    r"(?P<mid>余|多)?(?P<scale>百万|万|千|亿)?(?P<unit>" + "|".join(_UNITS) + r")?"
    r"(?P<post>左右|以上|余|多|\+)?$"
)
_CURRENCY = re.compile(r"^(人民币|RMB|CNY|¥|￥)|(RMB|CNY)$", re.IGNORECASE)
_MINUS = {"\u2212": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-"}
_EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_BLANKS = ("", "-", "--", "—", "——", "/", "无", "空", "暂无", "n/a", "na", "null", "none", "nan", "\\")


# invisible format characters that copy-paste leaves behind: soft hyphen, zero-width
# spaces and joiners, direction marks, word joiner, BOM
_INVISIBLE = dict.fromkeys(
    [0x00AD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF]
)


@lru_cache(maxsize=65536)
def _fold_text(text: str) -> str:
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def fold(text: str) -> str:
    """NFKC (full-width digits, letters, brackets and spaces to half-width) without invisible
    format characters (zero-width spaces, BOMs)."""
    return _fold_text(str(text))


_fold = fold


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and _fold(value).lower() in _BLANKS


class _Number:
    """What one cell says: the number, whether it was approximate, and any unit it named."""

    def __init__(self, value: float, note: str | None, cell_scale: int | None, percent: bool):
        self.value, self.note, self.cell_scale, self.percent = value, note, cell_scale, percent


def _read_number(value: object, percent_ok: bool) -> _Number:
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, (int, float, Decimal)):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            raise ValueError("应为数字") from None
        if math.isnan(number) or math.isinf(number):
            raise ValueError("应为数字")
        return _Number(number, None, None, False)
    if not isinstance(value, str):
        raise ValueError("应为数字")
    text = _fold(value)
    text = "".join(_MINUS.get(ch, ch) for ch in text)
    # a leading apostrophe is how Excel and WPS keep a number as text ('1234)
    text = text.lstrip("'‘’`").replace(",", "").replace(" ", "")
    text = _CURRENCY.sub("", text)
    negative = False
    if len(text) > 2 and text[0] == "(" and text[-1] == ")":
        negative, text = True, text[1:-1]  # accounting style: (1,200) is -1200
    percent = text.endswith("%")
    if percent:
        if not percent_ok:
            raise ValueError("应为数字，不应是百分比")
        text = text[:-1]
    match = _NUMBER.match(text)
    if not match:
        raise ValueError("应为数字")
    try:
        exact = Decimal(match["num"])
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        raise ValueError("应为数字") from None
    cell_scale = None
    if match["scale"]:
        cell_scale = _SCALE[match["scale"]]
        exact *= cell_scale
    elif match["unit"] == "元":
        cell_scale = 1
    if match["sign"] == "-" or negative:
        exact = -exact
    note = None
    if match["pre"] or match["mid"] or match["post"]:
        note = f"「{value}」是约数，按 {_plain(exact)} 读入，请核实"
    result = float(exact)
    if math.isinf(result):
        raise ValueError("应为数字")
    if percent:
        result /= 100
    return _Number(result, note, cell_scale, percent)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_number(value: object, *, percent_ok: bool = False) -> tuple[float, str | None]:
    """A number from a cell: 1,234 / １２３ / 80人 / ¥1,200.50 / 5万元 / 95% (if percent_ok)."""
    read = _read_number(value, percent_ok)
    return read.value, read.note


def parse_int(value: object) -> tuple[int, str | None]:
    number, note = parse_number(value)
    if number < 0:
        raise ValueError("不能为负数")
    if abs(number - round(number)) > 1e-6:
        raise ValueError("应为整数")
    return round(number), note


def parse_money(value: object, scale: int = 1) -> tuple[Decimal, str | None]:
    """Money in yuan; `scale` is 10,000 for a 万元 column, 1,000 for 千元. A cell that names
    its own unit (5000元, 1.2万) keeps it: the column's unit does not apply twice."""
    read = _read_number(value, False)
    if read.value < 0:
        raise ValueError("金额不能为负数（括号或负号表示负数）")
    factor = 1 if read.cell_scale is not None else scale
    if abs(read.value * factor) >= 1e15:
        raise ValueError("金额过大，请检查单位（元、万元）")
    amount = (Decimal(repr(read.value)) * factor).quantize(Decimal("0.01"))
    return amount, read.note


def parse_fraction(value: object) -> tuple[float, str | None]:
    """A rate as a fraction: "95%" -> 0.95, 0.95 -> 0.95, 95 -> 0.95 (with a note)."""
    read = _read_number(value, True)
    if read.percent:
        return read.value, read.note
    if read.value > 1.5:
        return read.value / 100, f"「{value}」按百分数 {read.value:g}% 读入"
    return read.value, read.note


# ---------------------------------------------------------------- dates

_CN_NUMERALS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})(?:[日号]|(?!\d))"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
# a month without a day: enough to place an event in its quarter
_MONTH_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月份?$"),
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$"),
)
_DATE_SPACES = re.compile(r"\s*([-/.年月日号])\s*")
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel serials of 1950–2100 (18264–73415 in the 1900 system): numbers outside are not dates
_FIRST_DAY, _LAST_DAY = dt.date(1950, 1, 1), dt.date(2100, 12, 31)


def excel_serial_to_date(serial: float, date1904: bool = False) -> dt.date:
    epoch = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH_1900
    return epoch + dt.timedelta(days=int(serial))


def _serial_date(serial: float, date1904: bool) -> dt.date | None:
    """The date of an Excel serial number, or None for a number that is not a plausible date."""
    if not 0 < serial < 100_000:
        return None
    day = excel_serial_to_date(serial, date1904)
    return day if _FIRST_DAY <= day <= _LAST_DAY else None


_CN_DATE = re.compile(
    r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月"
    r"([一二三四五六七八九十]{1,3})[日号]"
)


def _cn_date_digits(text: str) -> str:
    """二〇二五年三月十五日 -> 2025年3月15日 (formal documents write dates in Chinese numerals)."""

    def number(part: str) -> str:
        if "十" in part:  # 十 = 10, 十五 = 15, 二十 = 20, 三十一 = 31 (anything odder fails as a date)
            tens, _, ones = part.partition("十")
            return str(_CN_NUMERALS.get(tens, 1) * 10 + _CN_NUMERALS.get(ones, 0))
        return "".join(str(_CN_NUMERALS[ch]) for ch in part)

    match = _CN_DATE.fullmatch(text)
    if not match:
        return text
    return f"{number(match[1])}年{number(match[2])}月{number(match[3])}日"


def parse_date(value: object, date1904: bool = False) -> tuple[dt.date, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _serial_date(float(value), date1904)  # an Excel serial day number
        if day is None:
            raise ValueError("应为日期，例如 2025-03-05")
        return day, None
    if isinstance(value, str):
        # spaces around the separators go (2025 年 3 月 5 日); a time after the date stays apart
        text = _DATE_SPACES.sub(r"\1", _fold(value).lstrip("'‘’`"))
        text = _cn_date_digits(text)
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return dt.date(int(match["y"]), int(match["m"]), int(match["d"])), None
                except ValueError:
                    raise ValueError(f"「{value}」不是有效日期") from None
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(text)
            if match and 1 <= int(match["m"]) <= 12:
                day = dt.date(int(match["y"]), int(match["m"]), 1)
                return day, f"「{value}」只有年月，按 {day:%Y-%m-%d} 计入第{quarter_of(day)}季度"
        serial = _serial_date(float(text), date1904) if _SERIAL_TEXT.match(text) else None
        if serial is not None:
            # a date pasted into a Text-formatted cell shows as its serial number
            return serial, None
    raise ValueError("应为日期，例如 2025-03-05、2025/3/5 或 2025年3月5日")


# ---------------------------------------------------------------- periods

_QUARTER_TEXT = re.compile(
    r"(?:第\s*)?(?P<n>[一二三四1-4])\s*季度?|Q\s*(?P<q>[1-4])|(?P<s>[1-4])\s*Q\b", re.IGNORECASE
)
# 4-6月, 4月1日至6月30日, 7～9月: a range of exactly one quarter's months
_MONTH_RANGE = re.compile(
    r"(?<!\d)(?P<a>\d{1,2})\s*月?(?:\s*\d{1,2}\s*[日号])?\s*[-~至到—]+\s*(?:\d{4}\s*年\s*)?"
    r"(?P<b>\d{1,2})\s*月"
)
# 截至6月底, 截止2025年9月30日, 9月末: a snapshot at a quarter's end
_AS_OF = re.compile(r"截[至止]\s*(?:\d{4}\s*年\s*)?(?P<m>\d{1,2})\s*月|(?<!\d)(?P<e>\d{1,2})\s*月\s*[底末]")
# 1-3季度, 一至三季度, 前三季度: several quarters, not one
_QUARTER_SPAN = re.compile(
    r"(?<!\d)[一二三四1-4]\s*(?:季度?)?\s*[-~至到—、]\s*(?:第\s*)?[一二三四1-4]\s*季"
    r"|前\s*[二三四2-4]\s*个?季"
)


def parse_quarter(value: object) -> int:
    """1–4 from 3, "3", "Q3", "第三季度", "三季度", "2025Q3"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value) in (1, 2, 3, 4):
            return int(value)
        raise ValueError("季度应为 1–4")
    if isinstance(value, str):
        text = _fold(value)
        if text in ("1", "2", "3", "4", "1.0", "2.0", "3.0", "4.0"):
            return int(float(text))
        found = find_quarter(text)
        if found is not None:
            return found
    raise ValueError("季度应为 1–4，例如 3、Q3 或 第三季度")


def find_quarter(text: str) -> int | None:
    """The one quarter a title, sheet or file name speaks of; None when it names none, several
    (一季度至三季度), a range (1-3季度) or a cumulative span (前三季度)."""
    folded = _fold(text)
    if _QUARTER_SPAN.search(folded):
        return None
    found = {_CN_DIGITS[m["n"] or m["q"] or m["s"]] for m in _QUARTER_TEXT.finditer(folded)}
    if found:
        return found.pop() if len(found) == 1 else None
    months = _MONTH_RANGE.search(folded)
    if months:
        first, last = int(months["a"]), int(months["b"])
        if first in (1, 4, 7, 10) and last == first + 2:
            return (first - 1) // 3 + 1
        return None
    as_of = _AS_OF.search(folded)
    month = int(as_of["m"] or as_of["e"]) if as_of else 0
    return month // 3 if month in (3, 6, 9, 12) else None


_YEAR_TEXT = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def find_year(text: str) -> int | None:
    years = set(_YEAR_TEXT.findall(_fold(text)))
    if len(years) == 1:
        return int(years.pop())
    return None


def parse_year(value: object) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and find_year(value) is not None:
        year = find_year(value)  # type: ignore[assignment]
    else:
        raise ValueError("年度应为四位年份，例如 2025")
    if not 2000 <= year <= 2100:
        raise ValueError("年度应在 2000–2100 之间")
    return year


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1
