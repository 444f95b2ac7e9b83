"""Drafted sentences (etl.outputs.narrative): every branch of the wording, and the figures they quote
equal the indicators of `kpis.compute`, formatted by etl.core.fmt."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import store
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, INDICATORS, THEMES
from etl.indicators import kpis
from etl.indicators.kpis import Kpi
from etl.outputs import narrative


def k(ind: str, actual, target=None, expected=None, status=None, previous=None, achievement=None) -> Kpi:
    """A Kpi as kpis.compute builds it (achievement = actual / target unless given)."""
    if achievement is None and actual is not None and target:
        achievement = actual / target
    if status is None:
        status = "no_data" if actual is None else ("no_target" if target is None else "on_track")
    return Kpi(
        ind,
        actual,
        target,
        expected,
        achievement,
        status,
        previous,
        fmt.yoy_change(INDICATOR_BY_ID[ind], actual, previous),
    )


# ---------------------------------------------------------------- flows


def test_flow_sentence_in_the_register_of_the_seeds() -> None:
    s = narrative.indicator_sentence("new_members", k("new_members", 700, 900, 675, "on_track", 560), 2025, 3)
    assert s == "截至三季度，全年新发展会员700人，完成年度计划的77.8%，符合进度，同比增长25.0%"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("ahead", "进度超前（进度预期600人）"),
        ("on_track", "符合进度"),
        ("behind", "滞后于进度（进度预期600人）"),
    ],
)
def test_flow_status_wording(status: str, words: str) -> None:
    s = narrative.indicator_sentence("new_members", k("new_members", 500, 900, 600, status), 2025, 3)
    assert s is not None and words in s
    others = {"进度超前", "符合进度", "滞后于进度"} - {words.split("（")[0]}
    assert not any(o in s for o in others)


def test_flow_target_met_before_year_end() -> None:
    s = narrative.indicator_sentence("new_members", k("new_members", 950, 900, 675, "ahead"), 2025, 3)
    assert "完成年度计划的105.6%，已提前完成全年目标" in s
    assert "进度超前" not in s


def test_flow_at_year_end_reached_and_not_reached() -> None:
    above = narrative.indicator_sentence(
        "new_members", k("new_members", 950, 900, 900, "on_track", 800), 2025, 4
    )
    assert above == "全年新发展会员950人，完成年度计划的105.6%，超额完成年度目标，同比增长18.8%"
    exact = narrative.indicator_sentence("new_members", k("new_members", 900, 900, 900, "on_track"), 2025, 4)
    assert "完成年度计划的100.0%，完成年度目标" in exact and "超额" not in exact
    below = narrative.indicator_sentence("new_members", k("new_members", 873, 1200, 1200, "behind"), 2025, 4)
    assert "完成年度计划的72.8%，未达到年度目标" in below
    assert "滞后于进度" not in below  # at year end the plan is met or not


@pytest.mark.parametrize(
    ("previous", "words"), [(560, "同比增长25.0%"), (800, "同比下降12.5%"), (700, "与上年同期持平")]
)
def test_flow_year_on_year_up_down_flat(previous: float, words: str) -> None:
    s = narrative.indicator_sentence(
        "new_members", k("new_members", 700, 900, 675, "on_track", previous), 2025, 3
    )
    assert s.endswith(words)


def test_flow_without_target_or_previous_year() -> None:
    s = narrative.indicator_sentence("new_members", k("new_members", 700), 2025, 3)
    assert s == "截至三季度，全年新发展会员700人"
    assert "目标" not in s and "同比" not in s
    # a previous value of 0 has no growth rate: no 同比 clause rather than a division by zero
    s0 = narrative.indicator_sentence("new_members", k("new_members", 700, previous=0), 2025, 3)
    assert "同比" not in s0


def test_flow_periods_first_quarter_and_money() -> None:
    q1 = narrative.indicator_sentence("new_members", k("new_members", 200, 900, 225, "on_track"), 2025, 1)
    assert q1.startswith("一季度，新发展会员200人，") and "全年" not in q1
    money = narrative.indicator_sentence(
        "welfare_spend",
        k("welfare_spend", 1_571_700.0, 2_200_000.0, 1_650_000.0, "on_track", 1_459_300.0),
        2025,
        3,
    )
    assert money == (
        "截至三季度，全年发放帮扶慰问资金157.17万元，完成年度计划的71.4%，符合进度，同比增长7.7%"
    )


# ---------------------------------------------------------------- rates and stocks


def test_rate_sentence_above_target() -> None:
    rate = k("membership_rate", 0.975, 0.95, 0.95, "on_track", 0.969)
    s = narrative.indicator_sentence("membership_rate", rate, 2025, 3)
    assert s == "截至三季度末，入会率97.5%，较上年同期提高0.6个百分点，超过95%的年度目标"


def test_rate_sentence_below_target_and_down() -> None:
    s = narrative.indicator_sentence(
        "migrant_membership_rate", k("migrant_membership_rate", 0.863, 0.9, 0.9, "behind", 0.875), 2025, 3
    )
    assert s == "截至三季度末，农民工入会率86.3%，较上年同期下降1.2个百分点，低于90%的年度目标，差3.7个百分点"


def test_rate_reaching_and_just_short_of_target() -> None:
    hit = narrative.indicator_sentence(
        "funds_collection_rate", k("funds_collection_rate", 1.0, 1.0, 1.0, "on_track", 1.0), 2025, 3
    )
    assert hit == "截至三季度，经费收缴率100.0%，与上年同期持平，达到100%的年度目标"
    # 99.996% prints as 100.0%: saying 低于100% next to "100.0%" would look wrong
    close = narrative.indicator_sentence(
        "dues_collection_rate", k("dues_collection_rate", 0.99996, 1.0, 1.0, "behind"), 2025, 3
    )
    assert "接近100%的年度目标" in close and "低于" not in close


def test_rate_without_target_and_target_with_decimals() -> None:
    s = narrative.indicator_sentence("membership_rate", k("membership_rate", 0.975), 2025, 2)
    assert s == "截至二季度末，入会率97.5%"
    s = narrative.indicator_sentence("membership_rate", k("membership_rate", 0.93, 0.925, 0.925), 2025, 2)
    assert "超过92.5%的年度目标" in s


def test_stock_sentence() -> None:
    s = narrative.indicator_sentence("members", k("members", 17839, 18000, 18000, "on_track", 17336), 2025, 3)
    assert s == "截至三季度末，会员总数17839人，为年度目标18000人的99.1%，同比增长2.9%"
    done = narrative.indicator_sentence("members", k("members", 18100, 18000, 18000, "on_track"), 2025, 3)
    assert "达到18000人的年度目标" in done


def test_no_data_gives_no_sentence() -> None:
    for ind in INDICATORS:
        assert narrative.indicator_sentence(ind, k(ind.id, None, 0.9), 2025, 3) is None
        assert narrative.indicator_sentence(ind, None, 2025, 3) is None
        assert narrative.sentence(ind, k(ind.id, None), 2025, 3) is None


# ---------------------------------------------------------------- paragraphs


def _results(**values: Kpi) -> dict[str, Kpi]:
    return {i.id: values.get(i.id, k(i.id, None)) for i in INDICATORS}


def test_theme_paragraph_joins_the_indicators_with_data() -> None:
    results = _results(
        membership_rate=k("membership_rate", 0.975, 0.95, 0.95, "on_track", 0.969),
        new_members=k("new_members", 700, 900, 675, "on_track", 560),
    )
    p = narrative.theme_paragraph("organisation", results, 2025, 3)
    assert p == (
        "截至三季度，入会率97.5%，较上年同期提高0.6个百分点，超过95%的年度目标；"
        "新发展会员700人，完成年度计划的77.8%，符合进度，同比增长25.0%。"
    )
    empty = narrative.theme_paragraph("welfare", results, 2025, 3)
    assert empty == "截至三季度，暂无帮扶慰问方面的数据。"


def test_summary_paragraph_counts_and_lists() -> None:
    results = _results(
        membership_rate=k("membership_rate", 0.975, 0.95, 0.95, "ahead"),
        migrant_membership_rate=k("migrant_membership_rate", 0.86, 0.9, 0.9, "behind"),
        new_members=k("new_members", 700, 900, 675, "on_track"),
        members=k("members", 17839),
    )
    s = narrative.summary_paragraph(
        results, 2025, 3, "滨江市总工会", ["滨江市统计局"], ["甲公司", "乙公司"], 27_006.0
    )
    assert s.startswith(
        "截至2025年第三季度，滨江市总工会18项工作指标中，3项可对照年度目标考核："
        "进度超前1项、符合进度1项、滞后1项（农民工入会率）；另有1项未设年度目标、14项暂无数据。"
    )
    assert "本季度有1个单位未报送会员发展统计表（滨江市统计局），会员人数等时点指标未计入这些单位" in s
    assert "有2个单位存在欠缴（甲公司、乙公司），合计欠缴2.70万元" in s
    clean = narrative.summary_paragraph(results, 2025, 3, "滨江市总工会", [], [], 0)
    assert "各单位均已报送" in clean and "无欠缴单位" in clean


def test_ranking_and_breakdown_sentences() -> None:
    rows = [("甲", 0.99, "on_track"), ("乙", 0.876, "behind"), ("丙", 1.0, "ahead"), ("丁", None, "no_data")]
    s = narrative.ranking_sentence("membership_rate", rows)
    assert s == (
        "从各单位看，入会率最高的是丙（100.0%），最低的是乙（87.6%）；对照年度目标考核的3个单位中有1个进度滞后：乙；"
        "另有1个单位暂无数据。"
    )
    assert narrative.ranking_sentence("membership_rate", rows[:1]) is None
    b = narrative.breakdown_sentence(
        "帮扶慰问金额",
        [("送温暖", 385000), ("生日慰问", 381000), ("其他", 0), ("困难职工帮扶", 232000)],
        "元",
    )
    assert b == (
        "帮扶慰问金额合计99.80万元，其中送温暖38.50万元（占38.6%）、生日慰问38.10万元（占38.2%）、"
        "困难职工帮扶23.20万元（占23.2%）居前三位。"
    )
    assert narrative.breakdown_sentence("活动次数", [], "次") is None


def test_english_sentences() -> None:
    s = narrative.sentence(
        "membership_rate", k("membership_rate", 0.975, 0.95, 0.95, "on_track", 0.969), 2025, 3, "en"
    )
    assert s == (
        "At the end of Q3, membership rate was 97.5%, up 0.6 pp on last year, above the annual target of 95%."
    )
    s = narrative.sentence("new_members", k("new_members", 500, 900, 600, "behind", 400), 2025, 3, "en")
    assert "behind schedule" in s and "up 25.0% year on year" in s


# ---------------------------------------------------------------- the figures of the demo database


@pytest.mark.parametrize("quarter", [1, 3, 4])
def test_sentences_quote_the_figures_of_kpis(demo_db: Path, quarter: int) -> None:
    with store.connect(demo_db, read_only=True) as con:
        results = kpis.compute(con, 2025, quarter)
    paragraphs = "".join(narrative.theme_paragraph(t.id, results, 2025, quarter) for t in THEMES)
    quoted = 0
    for ind in INDICATORS:
        kpi = results[ind.id]
        s = narrative.indicator_sentence(ind, kpi, 2025, quarter)
        if kpi.actual is None:
            assert s is None
            continue
        quoted += 1
        value = fmt.fmt_value(ind, kpi.actual).replace(" ", "").replace(",", "")
        assert value in s, (ind.id, value, s)
        if kpi.target is not None and ind.measure != "rate" and kpi.achievement < 1:
            assert fmt.fmt_rate(kpi.achievement) in s, (ind.id, s)
        yoy = fmt.fmt_change(ind, kpi.yoy)
        if yoy and yoy != "持平":
            assert yoy in s, (ind.id, yoy, s)
        if ind.quality:
            continue  # 数据报送率 is about the data: not in the theme paragraphs
        # the theme paragraph carries the same clauses (without the period)
        body = narrative.indicator_sentence(ind, kpi, 2025, quarter, with_period=False)
        assert body in paragraphs
    assert quoted >= 15


# ---------------------------------------------------------------- what a chair must not be misled by


def test_year_end_speaks_of_the_year_not_of_progress() -> None:
    results = _results(
        membership_rate=k("membership_rate", 0.975, 0.95, 0.95, "met"),
        members=k("members", 17574, 18000, 18000, "missed"),
        new_members=k("new_members", 892, 900, 900, "missed"),
    )
    s = narrative.summary_paragraph(results, 2025, 4, "滨江市总工会", [], [], 0)
    assert "完成年度目标1项、未完成2项（会员人数、新发展会员）" in s
    for word in ("进度", "时间过半", "超前", "滞后"):
        assert word not in s
    assert narrative.theme_status_sentence("organisation", results, "zh", 4).startswith(
        "组织建设与会员7项指标中，完成年度目标1项、未完成2项"
    )
    stock = narrative.indicator_sentence("members", results["members"], 2025, 4)
    assert stock is not None and "为年度目标18000人的97.6%，未完成年度目标" in stock


def test_coverage_and_left_out_in_the_sentence() -> None:
    kpi = k("members", 17574, 18000, 18000, "missed")
    kpi.coverage = kpis.Coverage(29, 31)
    gap = kpis.LeftOut(("江滨绿源食品有限公司", "滨江市统计局"), 372.0, 2)
    s = narrative.indicator_sentence("members", kpi, 2025, 4, gap=gap)
    assert s is not None
    assert "会员总数17574人（29/31个单位报送，未报送的2个单位上次报送会员人数372人，未计入）" in s


def test_like_for_like_yoy_is_said_so() -> None:
    kpi = k("members", 17574, previous=17050)
    kpi.yoy, kpi.yoy_units = 17400 / 17050 - 1, 28
    s = narrative.indicator_sentence("members", kpi, 2025, 4)
    assert s is not None and s.endswith("按可比口径同比增长2.1%")


def test_ties_are_named_as_ties_and_not_applicable_units_are_left_out() -> None:
    rows = [
        ("甲", 1.0, "ahead"),
        ("乙", 1.0, "ahead"),
        ("丙", 0.9, "behind"),
        ("财政局", None, "not_applicable"),
    ]
    s = narrative.ranking_sentence("contract_signing_rate", rows)
    assert s is not None
    assert "最高的是甲、乙（均为100.0%）" in s and "财政局" not in s and "暂无数据" not in s
    all_equal = narrative.ranking_sentence(
        "contract_signing_rate", [("甲", 1.0, "met"), ("乙", 1.0, "met")], quarter=4
    )
    assert (
        all_equal == "从各单位看，2个单位集体合同签订率均为100.0%；对照年度目标考核的2个单位均未出现未完成。"
    )


def test_a_one_unit_report_speaks_of_that_unit() -> None:
    results = _results(membership_rate=k("membership_rate", 0.975, 0.95, 0.95, "met"))
    s = narrative.summary_paragraph(results, 2025, 4, "滨江市第一中学", 0, 0, 0, single_unit=True)
    assert "各单位" not in s and "本单位已报送本季度会员发展统计表" in s
