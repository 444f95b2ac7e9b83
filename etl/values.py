"""Cell values as offices type them -> numbers, dates and quarters.

Each parser returns (value, note) where note is None for a clean value, a warning text
for an accepted approximation, or raises ValueError with what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Unit words people append to numbers; they carry no scale.
_SUFFIXES = re.compile(r"(人次|人|家|元|次|个|户|项|场|名|份|万元|千元|亿元|万|千|亿)$")
_SCALE = {"万元": 10_000, "万": 10_000, "千元": 1_000, "千": 1_000, "亿元": 100_000_000, "亿": 100_000_000}
_APPROX = re.compile(r"^(约|大约|近|将近|共计|共|合计)?(?P<num>[0-9.]+)(余|多)?")
_EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and _fold(value) in ("", "-", "—", "/", "无", "－", "--", "——")


def parse_number(value: object, *, percent_ok: bool = False) -> tuple[float, str | None]:
    """A number from a cell: 1,234 / １２３ / 80人 / ¥1,200.50 / 5万元 / 95% (if percent_ok)."""
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ValueError("应为数字")
        return number, None
    if not isinstance(value, str):
        raise ValueError("应为数字")
    text = _fold(value).replace(",", "").replace(" ", "").replace("¥", "").replace("￥", "")
    text = text.replace("RMB", "").replace("CNY", "")
    note = None
    percent = text.endswith("%")
    if percent:
        if not percent_ok:
            raise ValueError("应为数字，不应是百分比")
        text = text[:-1]
    scale = 1
    suffix = _SUFFIXES.search(text)
    if suffix:
        scale = _SCALE.get(suffix.group(1), 1)
        text = text[: suffix.start()]
    try:
        number = float(Decimal(text))
    except (InvalidOperation, ValueError):
        approx = _APPROX.match(text)
        if not approx or approx.end() != len(text):
            raise ValueError("应为数字") from None
        number = float(Decimal(approx.group("num")))
        note = f"「{value}」是约数，按 {approx.group('num')} 读入，请核实"
    if math.isnan(number) or math.isinf(number):
        raise ValueError("应为数字")
    number *= scale
    if percent:
        number /= 100
    return number, note


def parse_int(value: object) -> tuple[int, str | None]:
    number, note = parse_number(value)
    if abs(number - round(number)) > 1e-9:
        raise ValueError("应为整数")
    result = int(round(number))
    if result < 0:
        raise ValueError("不能为负数")
    return result, note


def parse_money(value: object, scale: int = 1) -> tuple[Decimal, str | None]:
    """Money in yuan; `scale` is 10,000 for a 万元 column, 1,000 for 千元."""
    number, note = parse_number(value)
    if number < 0:
        raise ValueError("金额不能为负数")
    amount = (Decimal(repr(number)) * scale).quantize(Decimal("0.01"))
    return amount, note


def parse_fraction(value: object) -> tuple[float, str | None]:
    """A rate as a fraction: "95%" -> 0.95, 0.95 -> 0.95, 95 -> 0.95 (with a note)."""
    number, note = parse_number(value, percent_ok=True)
    if isinstance(value, str) and value.strip().endswith("%"):
        return number, note
    if number > 1.5:
        return number / 100, f"「{value}」按百分数 {number:g}% 读入"
    return number, note


_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


def excel_serial_to_date(serial: float, date1904: bool = False) -> dt.date:
    if date1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(serial))
    return _EXCEL_EPOCH_1900 + dt.timedelta(days=int(serial))


def parse_date(value: object, date1904: bool = False) -> tuple[dt.date, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= float(value) <= 80000:  # an Excel serial day number (1954–2119)
            return excel_serial_to_date(float(value), date1904), None
        raise ValueError("应为日期，例如 2025-03-05")
    if isinstance(value, str):
        text = _fold(value).replace(" ", "")
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return dt.date(int(match["y"]), int(match["m"]), int(match["d"])), None
                except ValueError:
                    break
    raise ValueError("应为日期，例如 2025-03-05、2025/3/5 或 2025年3月5日")


_QUARTER_TEXT = re.compile(
    r"(?:第\s*)?(?P<n>[一二三四1-4])\s*季度?|Q\s*(?P<q>[1-4])|(?P<s>[1-4])\s*Q\b", re.IGNORECASE)


def parse_quarter(value: object) -> int:
    """1–4 from 3, "3", "Q3", "第三季度", "三季度", "2025Q3"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value) in (1, 2, 3, 4):
            return int(value)
        raise ValueError("季度应为 1–4")
    if isinstance(value, str):
        text = _fold(value)
        if text in ("1", "2", "3", "4"):
            return int(text)
        found = find_quarter(text)
        if found is not None:
            return found
    raise ValueError("季度应为 1–4，例如 3、Q3 或 第三季度")


def find_quarter(text: str) -> int | None:
    match = _QUARTER_TEXT.search(_fold(text))
    if not match:
        return None
    token = match["n"] or match["q"] or match["s"]
    return _CN_DIGITS[token]


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
