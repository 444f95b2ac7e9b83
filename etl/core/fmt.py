"""Numbers written the way a Chinese union statistician writes them.

18,486 人 · 57.60 万元 · 1.23 亿元 · 96.3% · 提高0.6个百分点 · 增长12.5% · 2025年1-3季度.

Rounding is 四舍五入 (half up on the decimal value people see), not Python's
banker's rounding, so 96.35% shows as 96.4% as a hand check expects.
Missing values (None, NaN, pandas NA) always show as "—".
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from etl.core.dictionary import Indicator

DASH = "—"
LANGS = ("zh", "en")

_QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


# ---------------------------------------------------------------- helpers


def to_number(x: Any) -> float | None:
    """A float, or None for None / NaN / pandas NA / NaT / empty or non-numeric input."""
    if x is None or isinstance(x, bool):
        return None if x is None else float(x)
    if isinstance(x, str):
        s = x.strip().replace(",", "")
        if not s:
            return None
        try:
            x = float(s)
        except ValueError:
            return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None  # pd.NA raises TypeError
    if math.isnan(f) or math.isinf(f):
        return None
    return f


def _dec(x: float) -> Decimal:
    # repr gives the shortest decimal that round-trips, i.e. the number people typed.
    try:
        return Decimal(repr(float(x)))
    except InvalidOperation:  # pragma: no cover - to_number filters nan/inf first
        return Decimal(0)


def round_half_up(x: float, digits: int = 0) -> Decimal:
    q = Decimal(1).scaleb(-digits)
    return _dec(x).quantize(q, rounding=ROUND_HALF_UP)


def _group(d: Decimal, digits: int) -> str:
    """Decimal already quantised -> '1,234.56' (no '-0')."""
    s = f"{d:,.{digits}f}"
    if s.lstrip("-").strip("0.,") == "":
        s = s.lstrip("-")
    return s


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _percent_points(fraction: float, digits: int = 1) -> Decimal:
    """0.9634 -> Decimal('96.3'); computed on the decimal value to avoid 0.9635*100 = 96.349999."""
    return (_dec(fraction) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- values


def fmt_count(x: Any, unit: str = "") -> str:
    """18486 -> '18,486'; with unit '18,486 人'. Rounded to a whole number."""
    v = to_number(x)
    if v is None:
        return DASH
    s = _group(round_half_up(v, 0), 0)
    return f"{s} {unit}" if unit else s


def fmt_number(x: Any, digits: int = 1, unit: str = "") -> str:
    """A plain number with thousands separators and a fixed number of decimals."""
    v = to_number(x)
    if v is None:
        return DASH
    s = _group(round_half_up(v, digits), digits)
    return f"{s} {unit}" if unit else s


def fmt_money(yuan: Any, lang: str = "zh") -> str:
    """Yuan as people quote them.

    zh: < 1万 '8,650 元' (fen kept only when present: '57.50 元'); < 1亿 '57.60 万元'; else '1.23 亿元'.
    en: < 10k 'CNY 8,650'; < 1m 'CNY 576.0k'; < 1bn 'CNY 1.23m'; else 'CNY 1.23bn'.
    """
    v = to_number(yuan)
    if v is None:
        return DASH
    d = _dec(v)
    a = abs(d)
    if _lang(lang) == "zh":
        if a < 10_000:
            digits = 0 if d == d.to_integral_value() else 2
            return f"{_group(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP), digits)} 元"
        wan = (d / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if abs(wan) < 10_000:
            return f"{_group(wan, 2)} 万元"
        yi = (d / 100_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{_group(yi, 2)} 亿元"
    if a < 10_000:
        digits = 0 if d == d.to_integral_value() else 2
        return f"CNY {_group(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP), digits)}"
    k = (d / 1_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if abs(k) < 1_000:
        return f"CNY {_group(k, 1)}k"
    m = (d / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(m) < 1_000:
        return f"CNY {_group(m, 2)}m"
    bn = (d / 1_000_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"CNY {_group(bn, 2)}bn"


def fmt_rate(fraction: Any, digits: int = 1) -> str:
    """0.9634 -> '96.3%'."""
    v = to_number(fraction)
    if v is None:
        return DASH
    return f"{_group(_percent_points(v, digits), digits)}%"


# ---------------------------------------------------------------- changes


def fmt_pp_change(delta_fraction: Any, lang: str = "zh") -> str:
    """Change of a rate in percentage points, for sentences.

    +0.006 -> '提高0.6个百分点'; -0.012 -> '下降1.2个百分点'; rounds to 0 -> '持平'.
    en: 'up 0.6 pp' / 'down 1.2 pp' / 'unchanged'.
    """
    v = to_number(delta_fraction)
    if v is None:
        return DASH
    p = _percent_points(v, 1)
    zh = _lang(lang) == "zh"
    if p == 0:
        return "持平" if zh else "unchanged"
    s = _group(abs(p), 1)
    if zh:
        return f"{'提高' if p > 0 else '下降'}{s}个百分点"
    return f"{'up' if p > 0 else 'down'} {s} pp"


def fmt_pp_delta(delta_fraction: Any, lang: str = "zh") -> str:
    """Compact signed form for cards and tables: '+0.6 个百分点' / '-1.2 个百分点'; en '+0.6 pp'.

    The sign comes first so st.metric(delta=...) colours it correctly.
    """
    v = to_number(delta_fraction)
    if v is None:
        return DASH
    p = _percent_points(v, 1)
    sign = "+" if p > 0 else ("-" if p < 0 else "")
    unit = "个百分点" if _lang(lang) == "zh" else "pp"
    return f"{sign}{_group(abs(p), 1)} {unit}"


def fmt_growth(ratio_change: Any, lang: str = "zh") -> str:
    """Relative change (current / previous - 1), for sentences.

    0.125 -> '增长12.5%'; -0.03 -> '下降3.0%'; rounds to 0 -> '持平'. en 'up 12.5%' / 'down 3.0%'.
    """
    v = to_number(ratio_change)
    if v is None:
        return DASH
    p = _percent_points(v, 1)
    zh = _lang(lang) == "zh"
    if p == 0:
        return "持平" if zh else "unchanged"
    s = f"{_group(abs(p), 1)}%"
    if zh:
        return f"{'增长' if p > 0 else '下降'}{s}"
    return f"{'up' if p > 0 else 'down'} {s}"


def fmt_growth_delta(ratio_change: Any, lang: str = "zh") -> str:
    """Compact signed growth: '+12.5%' / '-3.0%' / '0.0%' (same in both languages)."""
    v = to_number(ratio_change)
    if v is None:
        return DASH
    p = _percent_points(v, 1)
    sign = "+" if p > 0 else ("-" if p < 0 else "")
    return f"{sign}{_group(abs(p), 1)}%"


# ---------------------------------------------------------------- indicators


def unit_of(ind: Indicator, lang: str = "zh") -> str:
    return ind.unit_en if _lang(lang) == "en" else ind.unit_zh


def fmt_value(ind: Indicator, value: Any, lang: str = "zh") -> str:
    """The value of an indicator with its unit: '96.3%', '57.60 万元', '873 人'."""
    if ind.measure == "rate":
        return fmt_rate(value)
    if ind.measure == "money":
        return fmt_money(value, lang)
    return fmt_count(value, unit_of(ind, lang))


def yoy_change(ind: Indicator, current: Any, previous: Any) -> float | None:
    """The number behind fmt_yoy: a difference of fractions for rates, a growth ratio otherwise.

    None when either side is missing, or (not for rates) when previous is 0.
    """
    c, p = to_number(current), to_number(previous)
    if c is None or p is None:
        return None
    if ind.measure == "rate":
        return c - p
    if p == 0:
        return None
    return c / p - 1


def fmt_yoy(
    ind: Indicator, current: Any, previous: Any, lang: str = "zh", compact: bool = False
) -> str | None:
    """同比: '提高0.6个百分点' for rates, '增长12.5%' for counts and money; None when not computable.

    compact=True gives '+0.6 个百分点' / '+12.5%' (for st.metric deltas and table cells).
    A previous rate of 0% is a real value (the change is computed); a previous count or
    amount of 0 has no growth rate (None).
    """
    ch = yoy_change(ind, current, previous)
    if ch is None:
        return None
    if ind.measure == "rate":
        return fmt_pp_delta(ch, lang) if compact else fmt_pp_change(ch, lang)
    return fmt_growth_delta(ch, lang) if compact else fmt_growth(ch, lang)


def fmt_change(ind: Indicator, change: Any, lang: str = "zh", compact: bool = False) -> str | None:
    """A computed 同比 (kpis.Kpi.yoy: points for rates, a growth ratio otherwise) as text; None if absent."""
    if to_number(change) is None:
        return None
    if ind.measure == "rate":
        return fmt_pp_delta(change, lang) if compact else fmt_pp_change(change, lang)
    return fmt_growth_delta(change, lang) if compact else fmt_growth(change, lang)


def fmt_coverage(reported: int, expected: int, lang: str = "zh", records: bool = False) -> str:
    """'29/31 个单位报送' (for event lists: '有记录'); en '29 of 31 units reported'."""
    if _lang(lang) == "en":
        return f"{reported} of {expected} units {'with records' if records else 'reported'}"
    return f"{reported}/{expected} 个单位{'有记录' if records else '报送'}"


def fmt_date(value: Any, lang: str = "zh") -> str:
    """A date as people write it: '2025年6月8日' (en '2025-06-08'); '—' when missing."""
    import datetime as dt

    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return DASH
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)
    if pd.isna(day):
        return DASH
    d: dt.date = day.date()
    return f"{d.year}年{d.month}月{d.day}日" if _lang(lang) == "zh" else d.isoformat()


# ---------------------------------------------------------------- periods


def is_cumulative(ind: Indicator) -> bool:
    """True when the indicator's value at quarter Q covers Q1..Q (flows and year-to-date rates)."""
    return ind.kind == "flow" or ind.year_to_date


def quarter_label(quarter: int, lang: str = "zh", short: bool = False) -> str:
    """3 -> '第三季度' (short: '三季度'); en 'Q3'."""
    q = int(quarter)
    if _lang(lang) == "en":
        return f"Q{q}"
    s = _QUARTER_ZH[q]
    return s[1:] if short else s


def period_label(year: int, quarter: int | None = None, lang: str = "zh", cumulative: bool = False) -> str:
    """'2025年第三季度' / cumulative '2025年1-3季度' / en '2025 Q3', '2025 Q1–Q3'.

    Cumulative to Q1 is just '2025年第一季度'; to Q4 is '2025年全年' / '2025 full year'.
    quarter None -> '2025年' / '2025'.
    """
    y = int(year)
    zh = _lang(lang) == "zh"
    if quarter is None:
        return f"{y}年" if zh else f"{y}"
    q = int(quarter)
    if q not in _QUARTER_ZH:
        raise ValueError(f"quarter must be 1-4, got {quarter!r}")
    if not cumulative or q == 1:
        return f"{y}年{_QUARTER_ZH[q]}" if zh else f"{y} Q{q}"
    if q == 4:
        return f"{y}年全年" if zh else f"{y} full year"
    return f"{y}年1-{q}季度" if zh else f"{y} Q1–Q{q}"


def indicator_period_label(ind: Indicator, year: int, quarter: int | None, lang: str = "zh") -> str:
    """period_label with cumulative chosen from the indicator (flows and year-to-date rates)."""
    return period_label(year, quarter, lang, cumulative=is_cumulative(ind))
