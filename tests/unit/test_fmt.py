"""Number formatting, checked against values computed by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID

DASH = "—"
IND = INDICATOR_BY_ID


@pytest.mark.parametrize(
    "x, unit, expected",
    [
        (18486, "", "18,486"),
        (18486, "人", "18,486 人"),
        (0, "", "0"),
        (999, "", "999"),
        (1000, "", "1,000"),
        (1234567, "", "1,234,567"),
        (18486.0, "", "18,486"),
        (2.5, "", "3"),  # 四舍五入, not banker's rounding
        (-1234, "", "-1,234"),
        (None, "人", DASH),
        (float("nan"), "", DASH),
    ],
)
def test_fmt_count(x, unit, expected):
    assert fmt.fmt_count(x, unit) == expected


def test_fmt_count_pandas_na():
    pd = pytest.importorskip("pandas")
    assert fmt.fmt_count(pd.NA) == DASH


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fmt_count_round_trips(n):
    s = fmt.fmt_count(n)
    assert int(s.replace(",", "")) == n
    # groups of three digits after the first
    groups = s.lstrip("-").split(",")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@pytest.mark.parametrize(
    "yuan, expected",
    [
        (8650, "8,650 元"),
        (0, "0 元"),
        (57.5, "57.50 元"),
        (9999, "9,999 元"),
        (10000, "1.00 万元"),
        (21623, "2.16 万元"),
        (57600, "5.76 万元"),
        (576000, "57.60 万元"),
        (1_234_500, "123.45 万元"),
        (99_999_999, "1.00 亿元"),  # would round to 10,000.00 万元
        (123456789, "1.23 亿元"),
        (None, DASH),
    ],
)
def test_fmt_money_zh(yuan, expected):
    assert fmt.fmt_money(yuan) == expected


@pytest.mark.parametrize(
    "yuan, expected",
    [
        (8650, "CNY 8,650"),
        (57600, "CNY 57.6k"),
        (576000, "CNY 576.0k"),
        (1_230_000, "CNY 1.23m"),
        (1_234_567_890, "CNY 1.23bn"),
        (None, DASH),
    ],
)
def test_fmt_money_en(yuan, expected):
    assert fmt.fmt_money(yuan, "en") == expected


@pytest.mark.parametrize(
    "fraction, expected",
    [
        (0.9634, "96.3%"),
        (0.95, "95.0%"),
        (1, "100.0%"),
        (0, "0.0%"),
        (0.9635, "96.4%"),  # half up on the decimal value, although 0.9635*100 = 96.34999...
        (0.80, "80.0%"),
        (1.1667, "116.7%"),
        (None, DASH),
    ],
)
def test_fmt_rate(fraction, expected):
    assert fmt.fmt_rate(fraction) == expected


@pytest.mark.parametrize(
    "delta, zh, en",
    [
        (0.006, "提高0.6个百分点", "up 0.6 pp"),
        (-0.012, "下降1.2个百分点", "down 1.2 pp"),
        (0.0, "持平", "unchanged"),
        (0.0004, "持平", "unchanged"),
        (0.0963 - 0.0903, "提高0.6个百分点", "up 0.6 pp"),
        (None, DASH, DASH),
    ],
)
def test_fmt_pp_change(delta, zh, en):
    assert fmt.fmt_pp_change(delta) == zh
    assert fmt.fmt_pp_change(delta, "en") == en


def test_fmt_pp_delta():
    assert fmt.fmt_pp_delta(0.006) == "+0.6 个百分点"
    assert fmt.fmt_pp_delta(-0.012) == "-1.2 个百分点"
    assert fmt.fmt_pp_delta(0.006, "en") == "+0.6 pp"
    assert fmt.fmt_pp_delta(0) == "0.0 个百分点"
    assert fmt.fmt_pp_delta(-0.0001) == "0.0 个百分点"  # no "-0.0"
    assert fmt.fmt_pp_delta(None) == DASH


def test_fmt_growth():
    assert fmt.fmt_growth(0.125) == "增长12.5%"
    assert fmt.fmt_growth(-0.03) == "下降3.0%"
    assert fmt.fmt_growth(0) == "持平"
    assert fmt.fmt_growth(0.125, "en") == "up 12.5%"
    assert fmt.fmt_growth(None) == DASH
    assert fmt.fmt_growth_delta(0.125) == "+12.5%"
    assert fmt.fmt_growth_delta(-0.03) == "-3.0%"
    # 873 members this year against 776 last year: 873/776 - 1 = 0.125 -> 增长12.5%
    assert fmt.fmt_growth(873 / 776 - 1) == "增长12.5%"


def test_fmt_value_dispatches_on_measure():
    assert fmt.fmt_value(IND["membership_rate"], 0.9634) == "96.3%"
    assert fmt.fmt_value(IND["new_members"], 873) == "873 人"
    assert fmt.fmt_value(IND["new_unions"], 13) == "13 家"
    assert fmt.fmt_value(IND["activities_count"], 48) == "48 次"
    assert fmt.fmt_value(IND["welfare_spend"], 21623) == "2.16 万元"
    assert fmt.fmt_value(IND["welfare_spend"], 8650) == "8,650 元"
    assert fmt.fmt_value(IND["new_members"], 873, "en") == "873 people"
    assert fmt.fmt_value(IND["dues_collected"], 576000, "en") == "CNY 576.0k"
    assert fmt.fmt_value(IND["members"], None) == DASH


def test_fmt_yoy():
    assert fmt.fmt_yoy(IND["membership_rate"], 0.9634, 0.9574) == "提高0.6个百分点"
    assert fmt.fmt_yoy(IND["membership_rate"], 0.9634, 0.9574, compact=True) == "+0.6 个百分点"
    assert fmt.fmt_yoy(IND["membership_rate"], 0.9454, 0.9574, "en") == "down 1.2 pp"
    assert fmt.fmt_yoy(IND["new_members"], 900, 800) == "增长12.5%"
    assert fmt.fmt_yoy(IND["new_members"], 776, 800) == "下降3.0%"
    assert fmt.fmt_yoy(IND["new_members"], 900, 800, compact=True) == "+12.5%"
    assert fmt.fmt_yoy(IND["new_members"], 900, None) is None
    assert fmt.fmt_yoy(IND["new_members"], 900, 0) is None
    assert fmt.fmt_yoy(IND["new_members"], None, 800) is None
    assert fmt.fmt_yoy(IND["membership_rate"], 0.5, None) is None
    assert fmt.fmt_yoy(IND["membership_rate"], 0.05, 0.0) == "提高5.0个百分点"  # 0% is a real rate
    assert fmt.yoy_change(IND["new_members"], 900, 800) == pytest.approx(0.125)
    assert math.isclose(fmt.yoy_change(IND["membership_rate"], 0.96, 0.95), 0.01)


@pytest.mark.parametrize(
    "year, quarter, lang, cumulative, expected",
    [
        (2025, 3, "zh", False, "2025年第三季度"),
        (2025, 3, "zh", True, "2025年1-3季度"),
        (2025, 1, "zh", True, "2025年第一季度"),
        (2025, 4, "zh", True, "2025年全年"),
        (2025, 4, "zh", False, "2025年第四季度"),
        (2025, None, "zh", False, "2025年"),
        (2025, 3, "en", False, "2025 Q3"),
        (2025, 3, "en", True, "2025 Q1–Q3"),
        (2025, 4, "en", True, "2025 full year"),
    ],
)
def test_period_label(year, quarter, lang, cumulative, expected):
    assert fmt.period_label(year, quarter, lang, cumulative) == expected


def test_period_label_rejects_bad_quarter():
    with pytest.raises(ValueError):
        fmt.period_label(2025, 5)


def test_indicator_period_label_uses_kind():
    assert fmt.indicator_period_label(IND["new_members"], 2025, 3) == "2025年1-3季度"  # flow
    assert fmt.indicator_period_label(IND["dues_collection_rate"], 2025, 3) == "2025年1-3季度"  # year to date
    assert fmt.indicator_period_label(IND["membership_rate"], 2025, 3) == "2025年第三季度"  # rate at Q
    assert fmt.indicator_period_label(IND["members"], 2025, 3) == "2025年第三季度"  # stock
    assert fmt.quarter_label(3) == "第三季度"
    assert fmt.quarter_label(3, short=True) == "三季度"
    assert fmt.quarter_label(3, "en") == "Q3"
