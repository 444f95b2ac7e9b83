"""Property tests (hypothesis) for the cell parsers of etl/core/values.py: numbers however an
office formats them, dates in every supported spelling, quarters, and the promise that a
parser given any cell at all raises nothing but ValueError."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from etl.core import values

FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
UNITS = ["", "人", "家", "元", "次", "人次", "个", "户", "项", "名"]
CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}

amounts = st.decimals(
    min_value=0, max_value=Decimal("999999999.99"), places=2, allow_nan=False, allow_infinity=False
)
counts = st.integers(min_value=0, max_value=10**12)
days = st.dates(min_value=dt.date(1955, 1, 1), max_value=dt.date(2099, 12, 31))


def grouped(number: Decimal | int, places: int) -> str:
    return f"{number:,.{places}f}"


@given(
    number=counts,
    unit=st.sampled_from(UNITS),
    full_width=st.booleans(),
    separators=st.booleans(),
    pad=st.sampled_from(["", " ", "\u3000", "\t"]),
    apostrophe=st.booleans(),
)
@example(number=1234, unit="", full_width=False, separators=True, pad="", apostrophe=False)
@example(number=123, unit="", full_width=True, separators=False, pad="", apostrophe=False)
def test_parse_number_round_trips_formatted_integers(
    number: int, unit: str, full_width: bool, separators: bool, pad: str, apostrophe: bool
) -> None:
    text = grouped(number, 0) if separators else str(number)
    if full_width:
        text = text.translate(FULL_WIDTH)
    text = f"{pad}{chr(39) if apostrophe else ''}{text}{unit}{pad}"
    assert values.parse_number(text) == (float(number), None)
    assert values.parse_int(text) == (number, None)


@given(
    amount=amounts,
    currency=st.sampled_from(["", "¥", "￥", "RMB", "人民币"]),
    suffix=st.sampled_from(["", "元"]),
    separators=st.booleans(),
)
def test_parse_money_round_trips_formatted_amounts(
    amount: Decimal, currency: str, suffix: str, separators: bool
) -> None:
    text = f"{currency}{grouped(amount, 2) if separators else f'{amount:.2f}'}{suffix}"
    assert values.parse_money(text) == (amount, None)


@given(
    amount=st.decimals(min_value=0, max_value=Decimal("99999.9999"), places=4),
    unit=st.sampled_from(["万", "万元"]),
)
def test_wan_scales_by_ten_thousand_in_a_cell_or_a_column(amount: Decimal, unit: str) -> None:
    expected = (amount * 10_000).quantize(Decimal("0.01"))
    assert values.parse_money(f"{amount}{unit}")[0] == expected
    assert values.parse_money(f"{amount}", 10_000)[0] == expected  # a 万元 column
    assert values.parse_money(f"{amount}{unit}", 10_000)[0] == expected  # the cell's own unit wins
    assert values.parse_money(float(amount), 1_000)[0] == (Decimal(repr(float(amount))) * 1000).quantize(
        Decimal("0.01")
    )


@given(
    number=st.integers(min_value=1, max_value=100_000),
    form=st.sampled_from(["约{n}人", "{n}余人", "{n}多人", "{n}人左右", "近{n}人", "大约{n}"]),
)
def test_approximations_read_as_the_number_with_a_note_quoting_the_cell(number: int, form: str) -> None:
    text = form.format(n=number)
    value, note = values.parse_int(text)
    assert value == number
    assert note is not None and text in note


@given(number=st.integers(min_value=0, max_value=10**9), fraction=st.integers(min_value=1, max_value=99))
def test_parse_int_rejects_non_integers(number: int, fraction: int) -> None:
    with pytest.raises(ValueError, match="整数"):
        values.parse_int(f"{number}.{fraction:02d}")
    with pytest.raises(ValueError, match="整数"):
        values.parse_int(number + fraction / 100)


@given(
    number=st.integers(min_value=1, max_value=10**9),
    form=st.sampled_from(["-{n}", "−{n}", "({n})", "（{n}）", "－{n}"]),
)
def test_parse_int_and_money_reject_negatives(number: int, form: str) -> None:
    text = form.format(n=number)
    with pytest.raises(ValueError, match="负数"):
        values.parse_int(text)
    with pytest.raises(ValueError, match="负数"):
        values.parse_money(text)
    with pytest.raises(ValueError, match="负数"):
        values.parse_int(-number)


@given(percent=st.integers(min_value=0, max_value=150))
def test_percentages_as_text_fraction_or_whole_number(percent: int) -> None:
    assert values.parse_fraction(f"{percent}%")[0] == pytest.approx(percent / 100)
    assert values.parse_fraction(f"{percent}％")[0] == pytest.approx(percent / 100)
    assert values.parse_fraction(percent / 100)[0] == pytest.approx(percent / 100)
    with pytest.raises(ValueError, match="百分比"):
        values.parse_number(f"{percent}%")


def date_spellings(day: dt.date) -> list[object]:
    y, m, d = day.year, day.month, day.day
    texts = [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}.{m}.{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}年{m}月{d}号",
        f"{y}{m:02d}{d:02d}",
        f"{y} 年 {m} 月 {d} 日",
        f"{y}-{m:02d}-{d:02d} 10:30:00",
        f"{y}-{m:02d}-{d:02d}T08:00",
        f"{y}年{m}月{d}日 星期一",
    ]
    texts.append(f"{y}年{m}月{d}日".translate(FULL_WIDTH))
    return [*texts, day, dt.datetime.combine(day, dt.time(9, 30))]


@given(day=days)
def test_parse_date_reads_every_supported_spelling_of_a_date(day: dt.date) -> None:
    for spelling in date_spellings(day):
        assert values.parse_date(spelling) == (day, None), spelling


@given(day=days, date1904=st.booleans(), as_text=st.booleans())
def test_excel_serials_in_both_date_systems(day: dt.date, date1904: bool, as_text: bool) -> None:
    epoch = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    serial = (day - epoch).days
    cell: object = str(serial) if as_text else float(serial)
    assert values.parse_date(cell, date1904) == (day, None)


@given(day=days)
def test_quarter_of_is_consistent_with_months_and_quarter_names(day: dt.date) -> None:
    q = values.quarter_of(day)
    assert 1 <= q <= 4
    assert (q - 1) * 3 < day.month <= q * 3
    first = dt.date(day.year, (q - 1) * 3 + 1, 1)
    assert values.quarter_of(first) == q
    for name in (
        f"第{CN_QUARTER[q]}季度",
        f"{CN_QUARTER[q]}季度",
        f"Q{q}",
        f"{day.year}年Q{q}",
        f"第{q}季度",
        f"{day.year}Q{q}",
        f"{day.year}年第{CN_QUARTER[q]}季度",
        str(q),
        q,
    ):
        assert values.parse_quarter(name) == q, name
    if day.year >= 2000:  # years in titles and file names are read as 20xx only
        assert values.find_year(f"{day.year}年第{CN_QUARTER[q]}季度会员发展") == day.year


@given(year=st.integers(min_value=2000, max_value=2099), q=st.integers(min_value=1, max_value=4))
def test_quarter_month_ranges_and_as_of_dates(year: int, q: int) -> None:
    first, last = (q - 1) * 3 + 1, q * 3
    assert values.find_quarter(f"{year}年{first}-{last}月") == q
    assert values.find_quarter(f"统计时间：{year}年{first}月1日至{last}月30日") == q
    assert values.find_quarter(f"截至{year}年{last}月底") == q


ANY_CELL = st.one_of(
    st.text(),
    st.text(alphabet="0123456789,.%-+()（）约余多人元万千亿¥￥年月日号/ 　'Q季度第一二三四", max_size=20),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.none(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.integers(), max_size=2),
)
PARSERS = [
    values.parse_number,
    values.parse_int,
    values.parse_money,
    values.parse_fraction,
    values.parse_date,
    values.parse_quarter,
    values.parse_year,
    lambda v: values.parse_money(v, 10_000),
    lambda v: values.parse_number(v, percent_ok=True),
    lambda v: values.parse_date(v, True),
]


@given(cell=ANY_CELL)
@example(cell="1" * 400)
@example(cell="9" * 30 + "亿")
@example(cell="(")
@example(cell="1e99")
@example(cell=float("nan"))
@example(cell="二〇二五年十三月五日")
def test_parsers_raise_nothing_but_value_error(cell: object) -> None:
    for parse in PARSERS:
        with contextlib.suppress(ValueError):
            parse(cell)


@given(text=st.text())
def test_find_helpers_never_raise(text: str) -> None:
    values.find_year(text)
    values.find_quarter(text)
    values.is_blank(text)
